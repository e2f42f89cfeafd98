"""Jobs marked done together: each finished job waits for one write that marks every job
finished meanwhile, instead of a write (and a store thread's turn at the write lock) of its own."""

from __future__ import annotations

import asyncio

from bot.store import OutboxRecord
from bot.store.aio import AsyncStore


class DoneBatch:
    def __init__(self, db: AsyncStore) -> None:
        self.db = db
        self._waiting: list[tuple[OutboxRecord, str | None, asyncio.Future]] = []
        self._writing: asyncio.Task | None = None

    async def done(self, job: OutboxRecord, result: str | None = None) -> bool:
        """`job_done` for this job, in the next write: True if done, False if re-armed meanwhile."""
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((job, result, future))
        if self._writing is None:
            self._writing = asyncio.create_task(self._write())
        return await future

    async def _write(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    done = await self.db.jobs_done([(job, result) for job, result, _ in batch])
                except Exception as exc:  # each waiter decides, as it would for its own write
                    for *_, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (*_, future), one in zip(batch, done, strict=True):
                    if not future.done():
                        future.set_result(one)
        finally:
            self._writing = None
