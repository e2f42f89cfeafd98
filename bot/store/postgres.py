"""The PostgreSQL backend: psycopg 3, pooled; the same portable SQL as SQLite's, `?` made `%s`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from bot.store.migrations import migrate, pending
from bot.store.sql import T, WouldWait


class _PostgresTx:
    def __init__(self, conn) -> None:
        self.conn = conn

    def execute(self, sql: str, params: tuple = ()) -> int:
        return self.conn.execute(_pg(sql), params).rowcount

    def query(self, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
        return self.conn.execute(_pg(sql), params).fetchall()

    def notify(self) -> None:
        """Sent at commit (and once per transaction however often asked): a LISTENing worker wakes."""
        self.conn.execute(f"notify {OUTBOX_CHANNEL}")


class PostgresBackend:
    """A psycopg 3 connection pool; each write is one transaction on one pooled connection."""

    MIN_CONNECTIONS, MAX_CONNECTIONS = 4, 16
    dialect = "postgres"
    SKIP_LOCKED = " for update skip locked"

    def __init__(self, url: str) -> None:
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        self.url = url
        self._leader = None
        self.pool = ConnectionPool(
            url,
            min_size=self.MIN_CONNECTIONS,
            max_size=self.MAX_CONNECTIONS,
            kwargs={"row_factory": dict_row, "autocommit": True},
            open=True,
        )

    def read(self, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
        with self.pool.connection() as conn:
            return conn.execute(_pg(sql), params).fetchall()

    def at_once(self, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
        """One statement, its own transaction (the pool's connections autocommit): one round trip."""
        return self.read(sql, params)

    @contextlib.contextmanager
    def write(self) -> Iterator[_PostgresTx]:
        with self.pool.connection() as conn, conn.transaction():
            yield _PostgresTx(conn)

    def migrate(self) -> list[str]:
        """Bring the schema up to date under an advisory lock; the names applied now."""
        with self.write() as tx:
            return migrate(tx, "postgres")

    def pending_migrations(self) -> list[str]:
        """The migrations this database has not had yet; reads only."""
        return pending(self.read, "postgres")

    def now(self, fn: Callable[..., T], *args: Any) -> T:
        """Never on the caller's thread: every query is a network trip that may hang."""
        raise WouldWait("PostgreSQL is a network trip away")

    def in_background(self) -> None:
        """Writers lock rows, not the database: nobody has to give way."""

    def claims(self) -> PostgresBackend:
        """Claims lock their own rows here: the same database."""
        return self

    def leader_lock(self) -> bool:
        """A session advisory lock on a connection of its own: it goes when the holder goes. The
        session is checked each time (a restarted PostgreSQL drops it, and the lock with it, while
        the client still thinks it is open), so an instance that lost its lock stops leading."""
        import psycopg

        if self._leader is not None:
            try:
                held = self._leader.execute(
                    "select count(*) from pg_locks where locktype = 'advisory' and objid = %s "
                    "and pid = pg_backend_pid() and granted",
                    (LEADER_LOCK,),
                ).fetchone()[0]
            except psycopg.Error:
                held = 0
            if held:
                return True
            with contextlib.suppress(psycopg.Error):
                self._leader.close()
            self._leader = None
        try:
            conn = psycopg.connect(self.url, autocommit=True)
            held = conn.execute("select pg_try_advisory_lock(%s)", (LEADER_LOCK,)).fetchone()[0]
        except psycopg.Error:
            return False
        if not held:
            conn.close()
            return False
        self._leader = conn
        return True

    def close(self) -> None:
        if self._leader is not None:
            self._leader.close()
            self._leader = None
        self.pool.close()


OUTBOX_CHANNEL = "tavus_slack_outbox"  # NOTIFY'd when jobs are queued (bot/store/wake.py)
LEADER_LOCK = 7_353_125  # pg_try_advisory_lock key of the instance that reconciles


def _pg(sql: str) -> str:
    """`?` placeholders to psycopg's `%s` (our SQL has no literal ?; a literal % is doubled here)."""
    return sql.replace("%", "%%").replace("?", "%s")
