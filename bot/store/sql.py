"""What every backend and every record module share: the transaction and backend protocols, the
error of a store that would wait, and INSERT for a dict. Imports nothing of bot/, so the backends and
the migrations both stand on it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class WouldWait(Exception):
    """The store cannot answer at once (a lock is held; PostgreSQL is a network trip away)."""


class Tx(Protocol):
    def execute(self, sql: str, params: tuple = ()) -> int: ...  # rows changed
    def query(self, sql: str, params: tuple = ()) -> list[dict[str, Any]]: ...
    def notify(self) -> None: ...  # jobs were queued: wake a worker when this commits


class Backend(Protocol):
    dialect: str  # "sqlite" or "postgres": its key in bot.store.migrations.DIALECTS
    SKIP_LOCKED: str  # appended to a select that leases rows: PostgreSQL skips rows others hold

    def read(self, sql: str, params: tuple = ()) -> list[dict[str, Any]]: ...
    def write(self) -> contextlib.AbstractContextManager[Tx]: ...
    def migrate(self) -> list[str]: ...
    def pending_migrations(self) -> list[str]: ...
    def leader_lock(self) -> bool: ...
    def in_background(self) -> None: ...  # this process's writes give way to foreground ones
    def claims(self) -> Backend: ...  # where intent claims are written (see SqliteBackend.claims)
    def now(self, fn: Callable[..., T], *args: Any) -> T: ...  # on this thread, or WouldWait
    def close(self) -> None: ...


def insert_sql(table: str, row: dict[str, Any], *, ignore_conflict: bool = False) -> tuple[str, tuple]:
    """INSERT for a dict; `on conflict do nothing` is spelt the same in SQLite and PostgreSQL."""
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    tail = " on conflict do nothing" if ignore_conflict else ""
    return f"insert into {table} ({names}) values ({marks}){tail}", tuple(row.values())
