"""The ownership store on a real SQLite file."""

import sqlite3
import threading
import time

import pytest

from bot.records import ConversationRecord, DuplicateRequest, PersonaRecord
from bot.services.access.people import can_manage
from bot.store import Store, WouldWait, utcnow
from bot.store.migrations import MIGRATIONS

BOTH_BACKENDS = True  # every test here runs on SQLite and on PostgreSQL


@pytest.fixture
def store(database_url):
    s = Store(database_url)
    yield s
    s.close()


def persona(pid="p1234567", team="T1", owner="U1", shared=0, name="Interviewer"):
    return PersonaRecord(
        persona_id=pid, team_id=team, owner_id=owner, name=name, created_at=utcnow(), shared=shared
    )


def intent(token="tok1", team="T1", owner="U1", key=None, **kw):
    return ConversationRecord(
        token=token,
        team_id=team,
        owner_id=owner,
        status="creating",
        created_at=utcnow(),
        request_key=key,
        name="Round 1",
        **kw,
    )


def test_migrations_from_empty_are_recorded_and_idempotent(tmp_path):
    path = str(tmp_path / "m.db")
    Store(path).close()
    Store(path).close()  # a second start applies nothing twice
    conn = sqlite3.connect(path)
    names = [r[0] for r in conn.execute("select name from _migrations order by name")]
    assert names == [m.name for m in MIGRATIONS]
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    assert {"personas", "conversations", "events", "audit", "seen_requests"} <= tables
    assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_personas_are_scoped_by_workspace_and_owner(store):
    store.add_persona(persona("p0000001", "T1", "U1"))
    store.add_persona(persona("p0000002", "T1", "U2", shared=1))
    store.add_persona(persona("p0000003", "T2", "U1"))
    assert [p.persona_id for p in store.personas_of("T1", "U1")] == ["p0000001"]
    assert {p.persona_id for p in store.visible_personas("T1", "U1")} == {"p0000001", "p0000002"}
    assert store.persona("T2", "p0000001") is None  # another workspace cannot see it
    assert store.delete_persona("T1", "p0000001", actor="U1")
    assert not store.delete_persona("T1", "p0000001", actor="U1")
    assert store.persona("T1", "p0000001") is None


def test_conversation_life_cycle(store):
    store.begin_conversation(intent())
    assert [c.token for c in store.creating("9999")] == ["tok1"]
    store.conversation_created("tok1", "c123456789", "https://x/c123456789")
    store.set_message("tok1", "C1", "1.2")
    assert [c.conversation_id for c in store.active_of("T1", "U1")] == ["c123456789"]
    assert store.mark_live("tok1", "2026-01-01T00:00:00Z")
    assert store.mark_ended("tok1", at="2026-01-01T00:10:00Z", reason="x", by="U1")
    assert not store.mark_ended("tok1", at="2026-01-01T00:11:00Z", reason="y")
    ended = store.conversation("T1", "c123456789")
    assert ended.status == "ended" and ended.shutdown_reason == "x" and ended.ended_by == "U1"
    assert store.recently_ended("T1", "U1")[0].token == "tok1"
    assert store.conversation("T2", "c123456789") is None
    assert store.invariant_violations() == []


def test_late_join_does_not_reopen_an_ended_call(store):
    store.begin_conversation(intent())
    store.conversation_created("tok1", "c1", "u")
    store.mark_ended("tok1", at="2026-01-01T00:10:00Z", reason="r")
    assert store.mark_live("tok1", "2026-01-01T00:01:00Z")  # live_at is learnt...
    conv = store.conversation_by_token("tok1")
    assert conv.status == "ended" and conv.live_at == "2026-01-01T00:01:00Z"  # ...status stays
    assert not store.mark_live("tok1", "2026-01-01T00:01:00Z")


def test_failed_then_adopted(store):
    store.begin_conversation(intent())
    store.conversation_failed("tok1", "timeout")
    assert store.conversation_by_token("tok1").status == "failed"
    store.conversation_created("tok1", "c1", "u")
    assert store.conversation_by_token("tok1").status == "waiting"


def test_request_key_makes_a_start_idempotent(store):
    store.begin_conversation(intent("tok1", key="view:V1:h1"))
    with pytest.raises(DuplicateRequest) as dup:
        store.begin_conversation(intent("tok2", key="view:V1:h1"))
    assert dup.value.existing.token == "tok1"
    assert len(store.creating("9999")) == 1


def test_events_are_deduplicated(store):
    event = {"conversation_id": "c1", "event_type": "system.shutdown", "timestamp": "t1"}
    assert store.record_event("tok1", event)
    assert not store.record_event("tok1", event)
    assert store.record_event("tok1", {**event, "timestamp": "t2"})
    assert len(store.events_of("c1")) == 2


def test_first_time(store):
    assert store.first_time("event:Ev1")
    assert not store.first_time("event:Ev1")


def test_can_manage():
    mine = persona(owner="U1")
    assert can_manage("U1", "T1", mine)
    assert not can_manage("U2", "T1", mine)
    assert can_manage("U2", "T1", mine, admins=frozenset({"U2"}))
    assert can_manage("U2", "T1", mine, is_slack_admin=True)
    assert not can_manage("U1", "T2", mine)  # same user id, other workspace
    assert not can_manage("U2", "T2", mine, is_slack_admin=True)


def test_audit_log(store):
    store.add_persona(persona())
    store.begin_conversation(intent())
    store.conversation_created("tok1", "c1", "u")
    store.mark_ended("tok1", at=utcnow(), reason="r", by="U9")
    assert [(a["action"], a["user_id"]) for a in store.audit_log("T1")] == [
        ("persona.create", "U1"),
        ("interview.start", "U1"),
        ("interview.end", "U9"),
    ]


def test_concurrent_writers_do_not_lock(database_url):
    store = Store(database_url)
    errors: list[Exception] = []

    def writer(n: int) -> None:
        try:
            for i in range(60):
                token = f"t{n}-{i}"
                store.begin_conversation(intent(token, key=f"k{n}-{i}"))
                store.conversation_created(token, f"c{n:02d}{i:04d}", "u")
                store.record_event(
                    token,
                    {
                        "conversation_id": f"c{n:02d}{i:04d}",
                        "event_type": "system.replica_joined",
                        "timestamp": "t",
                    },
                )
                store.mark_live(token, utcnow())
                store.first_time(f"key-{n}-{i}")
        except Exception as exc:  # collected: a thread's exception would be lost
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(store.active_everywhere()) == 480
    assert store.invariant_violations() == []
    store.close()


def test_ending_from_slack_survives_an_overtaking_shutdown(store):
    store.begin_conversation(intent())
    store.conversation_created("tok1", "c1", "u")
    store.set_ending("tok1", "U7")  # before Tavus is asked to end it
    assert store.mark_ended("tok1", at=utcnow(), reason="end_conversation_endpoint_hit")  # the callback
    assert not store.mark_ended("tok1", at=utcnow(), reason="end_conversation_endpoint_hit", by="U7")
    assert store.conversation_by_token("tok1").ended_by == "U7"


def test_workspaces_and_oauth_states(store):
    store.save_workspace("T9", bot_token_enc="sealed-1", bot_id="B9", installed_at="2026-01-01")
    store.save_workspace("T9", tavus_key_enc="sealed-key")  # an upsert keeps the other columns
    row = store.workspace("T9")
    assert row["bot_token_enc"] == "sealed-1" and row["tavus_key_enc"] == "sealed-key"
    store.forget_bot("T9")
    assert store.workspace("T9")["bot_token_enc"] is None and store.workspace("T9")["tavus_key_enc"]
    store.issue_state("s1", "2999-01-01T00:00:00")
    store.issue_state("old", "2000-01-01T00:00:00")
    assert store.consume_state("s1", "2026-01-01T00:00:00")
    assert not store.consume_state("s1", "2026-01-01T00:00:00")  # once
    assert not store.consume_state("old", "2026-01-01T00:00:00")  # expired


def test_one_leader_per_database(database_url):
    first, second = Store(database_url), Store(database_url)
    assert first.lead() and first.lead()  # idempotent for the holder
    assert not second.lead()
    first.close()  # the leader goes: the other takes over
    assert second.lead()
    second.close()


def test_outbox_jobs_are_queued_once_and_redraws_collapse(store):
    from bot.store import Job

    reply = Job("reply", "reply:tok1:t1", "tok1", "T1", {"messages": []})
    store.add_jobs([reply, reply])
    store.add_jobs([Job("card", "card:tok1", "tok1", rearm=True)] * 3)
    assert [j.key for j in store.jobs()] == ["reply:tok1:t1", "card:tok1"]
    leased = store.claim_jobs(60, 10)
    assert len(leased) == 2 and store.claim_jobs(60, 10) == []  # leased: nobody else runs them
    card = next(j for j in leased if j.kind == "card")
    store.add_jobs([Job("card", "card:tok1", "tok1", rearm=True)])  # a change while it ran
    assert not store.job_done(card, "waiting")  # so it stays pending and runs again
    again = store.claim_jobs(60, 10)
    assert [j.key for j in again] == ["card:tok1"] and store.job_done(again[0], "ended")
    store.job_failed(next(j for j in leased if j.kind == "reply"), "reset", retry_in=3600)
    reply_row = store.job("reply:tok1:t1")
    assert reply_row.state == "pending" and reply_row.attempts == 1 and store.claim_jobs(60, 10) == []
    tell = Job("dm", "tell:x", "tok1", "T1", {"channel": "U1", "text": "gave up", "tell": True})
    store.job_failed(reply_row, "reset", retry_in=None, tell=[tell])
    assert store.job("reply:tok1:t1").state == "parked" and store.job("tell:x").state == "pending"


def test_state_change_and_its_jobs_commit_together(store):
    from bot.store import Job

    store.begin_conversation(intent())
    store.conversation_created("tok1", "c1", "u")
    event = {"conversation_id": "c1", "event_type": "system.shutdown", "timestamp": "t9"}
    card = Job("card", "card:tok1", "tok1", rearm=True)
    assert store.apply_event("tok1", event, "ended", at="t9", jobs_if_changed=[card]) == (True, True)
    assert store.apply_event("tok1", event, "ended", at="t9", jobs_if_changed=[card]) == (False, False)
    assert store.conversation_by_token("tok1").status == "ended"
    assert [j.key for j in store.jobs(kind="card")] == ["card:tok1"]


def test_intent_claims_hold_one_intent_and_free_others(store):
    assert store.claim_intent("quick:a", 15)
    assert not store.claim_intent("quick:a", 15)
    assert store.claim_intent("quick:b", 15)  # another candidate or title
    store.release_intent("quick:a")
    assert store.claim_intent("quick:a", 15)
    assert store.claim_intent("quick:c", -1) and store.claim_intent("quick:c", 15)  # expired


def test_an_in_memory_store_keeps_its_claims_in_itself(tmp_path, monkeypatch):
    """`:memory:` must not become a `:memory:-claims` file shared by every process in the directory."""
    monkeypatch.chdir(tmp_path)
    store = Store(":memory:")
    try:
        assert store.claim_intent("k", 15) and not store.claim_intent("k", 15)
    finally:
        store.close()
    assert list(tmp_path.iterdir()) == []


def test_now_answers_on_this_thread_or_would_wait_with_nothing_written(store):
    """The claim before an ack runs on the event loop's thread when SQLite answers at once, and
    never waits there: a held lock is WouldWait, with nothing written, so the caller can take the
    claim to a store thread instead. PostgreSQL is always a trip to a thread."""
    if store.db.dialect == "postgres":
        with pytest.raises(WouldWait):
            store.now(store.claim_intent, "quick:pg", 15)
        return
    assert store.now(store.claim_intent, "quick:a", 15)
    assert not store.now(store.claim_intent, "quick:a", 15)

    # another thread of this process is writing claims
    inside, leave = threading.Event(), threading.Event()

    def hold() -> None:
        with store.db.claims().write():
            inside.set()
            leave.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait(5)
    began = time.monotonic()
    with pytest.raises(WouldWait):
        store.now(store.claim_intent, "quick:b", 15)
    assert time.monotonic() - began < 0.5  # it did not wait for the lock
    leave.set()
    holder.join()

    # another process (a connection of its own) holds the claims file's write lock
    other = sqlite3.connect(store.db.claims().path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    began = time.monotonic()
    with pytest.raises(WouldWait):
        store.now(store.claim_intent, "quick:b", 15)
    assert time.monotonic() - began < 0.5
    other.execute("ROLLBACK")
    other.close()

    assert store.now(store.claim_intent, "quick:b", 15)  # nothing was written by the refusals
    # and this thread waits for locks again outside `now`, in both files, and checkpoints again
    for backend in (store.db, store.db.claims()):
        assert backend.db().execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
        assert backend.db().execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000


def test_now_on_a_new_thread_does_not_wait_to_open_its_connections(tmp_path):
    """A thread's first `now` opens its connections: under a lock held elsewhere, that is
    WouldWait at once too, not 30 s of the busy handler and then a database error."""
    store = Store(f"sqlite:///{tmp_path}/first.db")
    other = sqlite3.connect(store.db.claims().path, isolation_level=None)
    other.execute("PRAGMA locking_mode=EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    outcome: list[object] = []

    def first_use() -> None:
        began = time.monotonic()
        try:
            outcome.append(store.now(store.claim_intent, "quick:new", 15))
        except WouldWait:
            outcome.append("would wait")
        outcome.append(time.monotonic() - began)

    thread = threading.Thread(target=first_use)
    thread.start()
    thread.join(40)
    other.execute("ROLLBACK")
    other.close()
    assert outcome[0] == "would wait" and outcome[1] < 1.0
    assert store.claim_intent("quick:new", 15)  # nothing half-made: the claim is still free
    store.close()


def test_a_claim_queues_its_start_once_and_wakes_a_worker(store):
    """The claim before a start's ack (one statement on PostgreSQL): the first claim queues the
    job and wakes a listening worker; a duplicate within the window queues and wakes nothing; an
    expired claim is taken over with its own job."""
    from bot.store import Job

    listener = None
    if store.db.dialect == "postgres":
        import psycopg

        from bot.store.postgres import OUTBOX_CHANNEL

        listener = psycopg.connect(store.db.url, autocommit=True)
        listener.execute(f"listen {OUTBOX_CHANNEL}")

    def woken() -> int:
        return 0 if listener is None else len(list(listener.notifies(timeout=0.5, stop_after=5)))

    job = Job("start", "start:a", "a", "T1", {"request": {"x": 1}}, held=30)
    assert store.claim_with_jobs("quick:a", 15, [job]) == (True, True)
    assert store.claim_with_jobs("quick:a", 15, [Job("start", "start:b", "b", "T1")]) == (False, False)
    queued = store.jobs(kind="start")
    assert [(j.key, j.data, j.result, j.state) for j in queued] == [
        ("start:a", {"request": {"x": 1}}, "held", "pending")
    ]
    assert queued[0].lease_until is not None
    assert listener is None or woken() == 1  # the duplicate woke nobody
    assert store.claim_with_jobs("quick:c", -1, [Job("start", "start:c", "c", "T1")]) == (True, True)
    assert store.claim_with_jobs("quick:c", 15, [Job("start", "start:d", "d", "T1")]) == (True, True)
    assert sorted(j.key for j in store.jobs(kind="start")) == ["start:a", "start:c", "start:d"]
    if listener is not None:
        assert woken() == 2
        listener.close()
