"""The store off the event loop: every call runs in a bounded thread pool of its own, so a busy
or locked database makes the requests that need it wait, never every ack in the process."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from bot.store import Store

T = TypeVar("T")
STORE_THREADS = 10  # with bot/deps.py's other pools, under PostgresBackend.MAX_CONNECTIONS


class AsyncStore:
    """`await db.method(...)` for any Store method; `await db.run(fn, ...)` for a unit of work."""

    def __init__(self, store: Store, threads: int = STORE_THREADS) -> None:
        self.store = store
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="store")

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn` in the store's pool and wait for it without blocking the loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, functools.partial(fn, *args, **kwargs))

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.store, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await self.run(method, *args, **kwargs)

        call.__name__ = name
        return call

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
