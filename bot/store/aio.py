"""The store off the event loop: every call runs in a bounded thread pool of its own, so a busy
or locked database makes the requests that need it wait, never every ack in the process.

A worker process (no acks to keep prompt) may name calls to make on the loop's own thread when
SQLite can answer without waiting (`at_once`, Store.now): each one saves two thread hand-offs and
the wait for the pool, and a write made there holds the write lock for less time, since the thread
that takes the GIL back after each SQLite call is the one that runs the loop. Only calls that are
reads or one transaction may be named: one that would wait raises WouldWait with nothing written,
and then runs in the pool as any other."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from bot.store import Store
from bot.store.sql import WouldWait

T = TypeVar("T")
STORE_THREADS = 10  # with bot/deps.py's other pools, under PostgresBackend.MAX_CONNECTIONS


class AsyncStore:
    """`await db.method(...)` for any Store method; `await db.run(fn, ...)` for a unit of work."""

    def __init__(self, store: Store, threads: int = STORE_THREADS) -> None:
        self.store = store
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="store")
        self.at_once: frozenset[str] = frozenset()

    def run_at_once(self, names: Iterable[str]) -> None:
        """Make the calls of these names on the loop's thread when SQLite can answer at once."""
        if self.store.db.dialect == "sqlite":  # PostgreSQL never answers without a network trip
            self.at_once = frozenset(names)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn` in the store's pool and wait for it without blocking the loop."""
        work = functools.partial(fn, *args, **kwargs)
        if getattr(fn, "__name__", None) in self.at_once:
            try:
                return self.store.now(work)
            except WouldWait:
                pass  # nothing was written: the pool's thread waits for the lock instead
        return await asyncio.get_running_loop().run_in_executor(self.pool, work)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.store, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await self.run(method, *args, **kwargs)

        call.__name__ = name
        return call

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
