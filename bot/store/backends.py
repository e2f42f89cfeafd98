"""The two places the store can live: a SQLite file (sqlite-utils) or PostgreSQL (psycopg 3, pooled,
in bot/store/postgres.py).
The store writes portable SQL with `?` placeholders; each backend runs it its own way."""

from __future__ import annotations

import contextlib
import fcntl
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from sqlite_utils import Database

from bot.store.migrations import migrate, pending
from bot.store.sql import Backend, T, Tx, WouldWait, insert_sql  # noqa: F401 (re-exported)
from bot.store.write_turns import WriteTurns

BUSY_MS = 30_000  # how long a SQLite connection waits for another's lock, unless it may not wait
AUTOCHECKPOINT_PAGES = 1000  # SQLite's default
_no_wait = threading.local()  # set by SqliteBackend.now on the thread it runs on


class _SqliteTx:
    def __init__(self, db: Database) -> None:
        self.db = db

    def execute(self, sql: str, params: tuple = ()) -> int:
        return self.db.execute(sql, params).rowcount

    def query(self, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
        return list(self.db.query(sql, params))

    def notify(self) -> None:
        """Nothing to send: workers see the commit itself (bot/store/wake.py)."""


def wal(conn: sqlite3.Connection, waits: bool) -> None:
    """Turn on WAL. Switching a new file's journal mode needs it alone, and SQLite answers "locked"
    at once (no busy handler) to instances opening it together: try again for a few seconds."""
    for attempt in range(50 if waits else 1):
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == (49 if waits else 0):
                raise
            time.sleep(0.1)


class SqliteBackend:
    """WAL, a connection per thread, writes in BEGIN IMMEDIATE after an in-process lock and a turn
    among processes (WriteTurns)."""

    dialect = "sqlite"
    SKIP_LOCKED = ""  # BEGIN IMMEDIATE already serialises writers

    def __init__(self, path: str, schema: str | None = None) -> None:
        self.path, self.schema = path, schema
        self._local = threading.local()
        self._leader = None
        self._writer = threading.RLock()  # a nested write still fails in BEGIN, as before
        self._depth = 0  # writes open on the thread holding _writer (a nested one fails in BEGIN)
        self._turns = WriteTurns(path) if path != ":memory:" else None
        self.background = False  # a worker's (in_background): `now` lets its commits checkpoint
        apart = schema is None and path != ":memory:"  # an in-memory store keeps its claims in itself
        self._claims = SqliteBackend(path + "-claims", CLAIMS_SCHEMA) if apart else None

    def db(self) -> Database:
        db = getattr(self._local, "db", None)
        if db is None:
            waits = not getattr(_no_wait, "on", False)  # opened under `now`: not even here
            conn = sqlite3.connect(
                self.path, timeout=30 if waits else 0, isolation_level=None, check_same_thread=False
            )
            try:
                conn.execute(f"PRAGMA busy_timeout={BUSY_MS if waits else 0}")
                wal(conn, waits)
                conn.execute("PRAGMA synchronous=NORMAL")
                if self.schema:
                    conn.execute(self.schema)
            except BaseException:
                conn.close()
                raise
            db = self._local.db = Database(conn)
            self._local.quick = False
        elif getattr(self._local, "quick", False) and not getattr(_no_wait, "on", False):
            self._local.quick = False  # left by `now`: this thread waits for locks again
            db.execute(f"PRAGMA busy_timeout={BUSY_MS}")
            db.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        return db

    def in_background(self) -> None:
        """This process writes behind foreground ones (the web process's acks): a worker's."""
        for backend in (self, self._claims):
            if backend is not None:
                backend.background = True
                if backend._turns is not None:
                    backend._turns.background = True

    def claims(self) -> SqliteBackend:
        """The intent claims' own file beside the database: the claim before a command's ack takes
        a write lock only claims share, never the one the outbox's and the starts' writes hold."""
        return self._claims or self

    def read(self, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
        return list(self.db().query(sql, params))

    @contextlib.contextmanager
    def write(self) -> Iterator[_SqliteTx]:
        db = self.db()
        waits = not getattr(_no_wait, "on", False)
        if not self._writer.acquire(blocking=waits):
            raise WouldWait("another thread of this process is writing")
        turn = self._turns is not None and self._depth == 0
        try:
            if turn:
                self._turns.take(waits)  # type: ignore[union-attr]
            self._depth += 1
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield _SqliteTx(db)
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            finally:
                self._depth -= 1
                if turn:
                    self._turns.give()  # type: ignore[union-attr]
        finally:
            self._writer.release()

    def now(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` on this thread, its reads and writes (here and in the claims file) never
        waiting for a lock: WouldWait instead, and a transaction that could not begin wrote
        nothing. For the event loop's thread, where a trip to a store thread costs more than a
        small query. Checkpoints (disk syncs) are left to other threads' commits, such as the
        reconciler's purge of expired claims, except in a worker (`in_background`)."""
        if getattr(_no_wait, "on", False):  # nested: the outer call restores the connections
            return fn(*args)
        _no_wait.on = True
        try:
            for backend in (self, self._claims):  # left so until this thread's next call outside
                if backend is not None and not getattr(backend._local, "quick", False):  # `now`: a
                    db = backend.db()  # worker's loop makes most of its calls here (bot/store/aio.py)
                    db.execute("PRAGMA busy_timeout=0")
                    if not backend.background:  # a worker's commits checkpoint: it has no acks
                        db.execute("PRAGMA wal_autocheckpoint=0")
                    backend._local.quick = True
            return fn(*args)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise WouldWait(str(exc)) from exc
            raise
        finally:
            _no_wait.on = False

    def migrate(self) -> list[str]:
        """Bring the schema up to date; the names of the migrations applied now."""
        with self.write() as tx:
            return migrate(tx, "sqlite")

    def pending_migrations(self) -> list[str]:
        """The migrations this database has not had yet; reads only."""
        return pending(self.read, "sqlite")

    def leader_lock(self) -> bool:
        """An flock on a file beside the database: instances on one host share a SQLite file."""
        if self._leader is None:
            handle = open(self.path + ".leader", "a")  # noqa: SIM115 (held for the process's life)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                return False
            self._leader = handle
        return True

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
        if self._claims is not None:
            self._claims.close()
        if self._turns is not None:
            self._turns.close()
        if self._leader is not None:
            self._leader.close()
            self._leader = None


CLAIMS_SCHEMA = "create table if not exists intent_claims (key text primary key, expires_at text not null)"


def open_backend(url: str) -> Backend:
    """sqlite:///path or postgresql://… (postgres:// too)."""
    if url.startswith("sqlite:///"):
        return SqliteBackend(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgres://")):
        from bot.store.postgres import PostgresBackend

        return PostgresBackend(url)
    raise ValueError("DATABASE_URL must start with sqlite:/// or postgresql://")
