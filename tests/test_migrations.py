"""One list of migrations for both backends: an empty database ends up with the same tables on SQLite
and PostgreSQL, and a database of the previous release is recognised as current, rows intact."""

import contextlib
import hashlib
import threading
from collections.abc import Iterator

import pytest

from bot.store import Store
from bot.store.backends import Backend, insert_sql, open_backend
from bot.store.migrations import MIGRATIONS
from tests import old_schema
from tests.conftest import need_postgres, postgres_schema

BOTH_BACKENDS = True  # tests taking database_url run on SQLite and on PostgreSQL
ALL = [m.name for m in MIGRATIONS]
NEW = ALL[ALL.index("m004_workspaces") + 1 :]  # what this release adds to the previous one


def schema(db: Backend) -> dict[str, dict]:
    """Tables as {columns: {name: (kind, not null)}, primary key, indexes: {(columns, unique)}}."""
    return (_sqlite_schema if db.dialect == "sqlite" else _postgres_schema)(db)


def _kind(declared: str) -> str:
    return "integer" if declared.lower() in ("integer", "bigint") else declared.lower()


def _sqlite_schema(db: Backend) -> dict[str, dict]:
    out = {}
    for (table,) in _names(
        db, "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'"
    ):
        info = db.read(f"pragma table_info('{table}')")
        pk = tuple(c["name"] for c in sorted(info, key=lambda c: c["pk"]) if c["pk"])
        columns = {c["name"]: (_kind(c["type"]), bool(c["notnull"]) or c["name"] in pk) for c in info}
        indexes = set()
        for index in db.read(f"pragma index_list('{table}')"):
            if index["origin"] == "pk":  # PostgreSQL's primary key index is left out too
                continue
            cols = tuple(
                c["name"]
                for c in sorted(db.read(f"pragma index_info('{index['name']}')"), key=lambda c: c["seqno"])
            )
            indexes.add((cols, bool(index["unique"])))
        out[table] = {"columns": columns, "pk": pk, "indexes": indexes}
    return out


def _postgres_schema(db: Backend) -> dict[str, dict]:
    out = {}
    where = "table_schema = current_schema()"
    for (table,) in _names(db, f"select table_name from information_schema.tables where {where}"):
        cols = db.read(
            f"select column_name, data_type, is_nullable from information_schema.columns "
            f"where {where} and table_name = ?",
            (table,),
        )
        columns = {c["column_name"]: (_kind(c["data_type"]), c["is_nullable"] == "NO") for c in cols}
        rows = db.read(
            "select i.indisunique as uniq, i.indisprimary as pk, array(select a.attname "
            "from unnest(i.indkey) with ordinality k(attnum, n) join pg_attribute a "
            "on a.attrelid = i.indrelid and a.attnum = k.attnum order by k.n) as cols "
            "from pg_index i where i.indrelid = (current_schema() || '.' || ?)::regclass",
            (table,),
        )
        pk = next((tuple(r["cols"]) for r in rows if r["pk"]), ())
        indexes = {(tuple(r["cols"]), r["uniq"]) for r in rows if not r["pk"]}
        out[table] = {"columns": columns, "pk": pk, "indexes": indexes}
    return out


def _names(db: Backend, sql: str) -> list[tuple]:
    return [tuple(r.values()) for r in db.read(sql)]


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from postgres_schema(need_postgres())


@pytest.fixture
def another(database_url, tmp_path) -> Iterator[str]:
    """A second empty database of the same kind as database_url."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/another.db"
    else:
        yield from postgres_schema(need_postgres())


@contextlib.contextmanager
def backend(url: str) -> Iterator[Backend]:
    db = open_backend(url)
    try:
        yield db
    finally:
        db.close()


def test_an_empty_database_gets_the_same_schema_on_both_backends(tmp_path, pg_url):
    with backend(f"sqlite:///{tmp_path}/fresh.db") as lite, backend(pg_url) as pg:
        assert lite.pending_migrations() == pg.pending_migrations() == ALL  # no _migrations table yet
        assert lite.migrate() == pg.migrate() == ALL
        assert lite.pending_migrations() == pg.pending_migrations() == []
        assert lite.migrate() == pg.migrate() == []  # a second start applies nothing
        lite_schema, pg_schema = schema(lite), schema(pg)
    assert set(lite_schema) == {
        "_migrations",
        "personas",
        "conversations",
        "events",
        "audit",
        "seen_requests",
        "workspaces",
        "oauth_states",
        "outbox",
        "intent_claims",
        "invites",
        "workspace_settings",
        "result_messages",
        "reports",  # m008_report (issue 15)
        "workflow_steps",  # m012 (issue 27)
        "tavus_keys",  # m013 (issue 23)
        "erasure_requests",  # m016 (issue 24)
        "recipients",  # m016 (issue 24)
        "openings",  # m018 (issue 25)
        "decisions",  # m018 (issue 25)
        "consent_receipts",  # m020 (issue 24)
    }
    for table in lite_schema:
        assert lite_schema[table] == pg_schema[table], table
    assert set(lite_schema) == set(pg_schema)
    assert lite_schema["conversations"]["indexes"] == {
        (("conversation_id",), True),
        (("request_key",), True),
        (("team_id", "owner_id", "status"), False),
        (("status",), False),
        (("token_hash",), True),
        (("ref",), False),
        (("opening_id",), False),  # m018 (issue 25)
    }


def create_previous_release(db: Backend, upto: str = "m004_workspaces") -> None:
    """Build the schema exactly as release 9751fb7 left it, its migrations recorded."""
    ddl = old_schema.SQLITE if db.dialect == "sqlite" else old_schema.POSTGRES
    table = (
        old_schema.SQLITE_MIGRATIONS_TABLE if db.dialect == "sqlite" else old_schema.POSTGRES_MIGRATIONS_TABLE
    )
    with db.write() as tx:
        tx.execute(table)
        for name in old_schema.NAMES[: old_schema.NAMES.index(upto) + 1]:
            for statement in old_schema.statements(ddl[name]):
                tx.execute(statement)
            tx.execute(
                "insert into _migrations (name, applied_at) values (?, ?)", (name, "2026-01-01T00:00:00")
            )


def sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


ROWS = {
    "personas": [
        dict(
            persona_id="p0000001", team_id="T1", owner_id="U1", name="Ada", shared=1, created_at="2026-01-02"
        ),
    ],
    "conversations": [
        dict(
            token="tok-live",
            conversation_id="c0000001",
            team_id="T1",
            owner_id="U1",
            persona_id="p0000001",
            status="live",
            created_at="2026-01-02",
            call_id="R1",
            token_hash=sha("tok-live"),
        ),
        dict(
            token="tok-ended",
            conversation_id="c0000002",
            team_id="T1",
            owner_id="U1",
            status="ended",
            ended_at="2026-01-03T10:00:00",
            created_at="2026-01-03",
            token_hash=sha("tok-ended"),
        ),
    ],
    "events": [
        dict(
            token="tok-live",
            conversation_id="c0000001",
            event_type="system.replica_joined",
            timestamp="2026-01-02T10:00:00Z",
            received_at="2026-01-02T10:00:01",
            body='{"event_type": "system.replica_joined"}',
        ),
    ],
    "audit": [dict(at="2026-01-02", team_id="T1", user_id="U1", action="persona.create", target="p0000001")],
    "seen_requests": [dict(key="k1", at="2026-01-02")],
    "workspaces": [dict(team_id="T1", bot_token_enc="enc", installed_at="2026-01-01")],
    "oauth_states": [dict(state="s1", expires_at="2026-01-01T00:10:00")],
}


def dump(db: Backend) -> dict[str, list[dict]]:
    return {table: db.read(f"select * from {table} order by 1") for table in [*ROWS, "_migrations"]}


def test_a_database_of_the_previous_release_is_current_and_keeps_its_rows(database_url, another):
    with backend(database_url) as db:
        create_previous_release(db)
        with db.write() as tx:
            for table, rows in ROWS.items():
                for row in rows:
                    tx.execute(*insert_sql(table, row))
        before = dump(db)
        assert db.pending_migrations() == NEW  # only this release's steps: nothing re-applied
        assert db.migrate() == NEW
        after = dump(db)
        for table in ROWS:  # rows untouched (new columns aside)
            pairs = zip(after[table], before[table], strict=True)
            assert [{k: row[k] for k in old} for row, old in pairs] == before[table]
        assert after["_migrations"][: len(before["_migrations"])] == before["_migrations"]
        assert db.migrate() == []
        upgraded = schema(db)
    store = Store(database_url)
    try:
        assert store.conversation_by_callback_token("tok-live").conversation_id == "c0000001"
        assert store.persona("T1", "p0000001").name == "Ada"
        assert [e["event_type"] for e in store.events_of("c0000001")] == ["system.replica_joined"]
        assert store.invariant_violations() == []
    finally:
        store.close()
    with backend(another) as fresh:
        fresh.migrate()
        assert upgraded == schema(fresh)


def test_a_database_at_m002_is_migrated_and_token_hashes_backfilled(database_url, another):
    with backend(database_url) as db:
        create_previous_release(db, upto="m002_slack_calls")
        with db.write() as tx:
            for row in ROWS["conversations"]:
                tx.execute(*insert_sql("conversations", {k: v for k, v in row.items() if k != "token_hash"}))
        assert db.pending_migrations() == ["m003_callback_token_hash", "m004_workspaces", *NEW]
        assert db.migrate() == ["m003_callback_token_hash", "m004_workspaces", *NEW]
        hashes = {r["token"]: r["token_hash"] for r in db.read("select token, token_hash from conversations")}
        assert hashes == {"tok-live": sha("tok-live"), "tok-ended": sha("tok-ended")}
        upgraded = schema(db)
    with backend(another) as fresh:
        fresh.migrate()
        assert upgraded == schema(fresh)


def test_instances_starting_together_migrate_once(database_url):
    results: list[list[str]] = []
    backends = [open_backend(database_url) for _ in range(4)]
    threads = [threading.Thread(target=lambda b=b: results.append(b.migrate())) for b in backends]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for b in backends:
        b.close()
    assert sorted(name for applied in results for name in applied) == sorted(ALL)
    assert len(results) == 4
