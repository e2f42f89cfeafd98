"""Claims before an ack: the one store trip a listener makes before it answers Slack, in which a
start's intent is claimed (one per intent across every instance) and its job queued, so a web
process dying right after its ack loses nothing (bot/services/starting/start_job.py runs it)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.store import Job, Store, WouldWait
from bot.store.aio import AsyncStore

log = logging.getLogger(__name__)
T = TypeVar("T")
DUPLICATE_WINDOW = 15.0  # seconds: the same command sent twice this fast is one intent
RETRIES, RETRY_SECONDS = 3, 0.001  # queueing a start on the loop's thread while the lock is taken


@dataclass
class Claim:
    intent: str
    job: Job
    queued: bool  # False: claimed, the job still to queue (SQLite's write lock was taken)


class Claims:
    def __init__(self, store: Store, acks: AsyncStore) -> None:
        self.store, self.acks = store, acks

    async def before_ack(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)`, a unit of store work, on the loop's own thread when the store answers at
        once (SQLite, no lock held: a hop to a thread and back would wait on the GIL longer than
        the whole ack), else on threads of its own (deps.acks), behind no other work."""
        try:
            return self.store.now(fn, *args)
        except WouldWait:
            return await self.acks.run(fn, *args)

    def claim(self, intent: str, job: Job) -> Claim | None:
        """In the store trip: the intent claimed and its job queued; None for a duplicate."""
        claimed, queued = self.store.claim_with_jobs(intent, DUPLICATE_WINDOW, [job])
        return Claim(intent, job, queued) if claimed else None

    async def queued(self, claim: Claim) -> bool:
        """The claim's job in the outbox; False, the claim released, when the database fails: the
        starter is told to try again. While a worker holds SQLite's write lock, tried again a few
        times, then from a store thread, which waits as long as it takes: for the worker's write
        under way, no longer (workers give way to the web process, bot/store/backends.py)."""
        for _ in range(RETRIES):
            if claim.queued:
                return True
            await asyncio.sleep(RETRY_SECONDS)
            try:
                claim.queued = self.store.now(self.store.try_add_jobs, [claim.job])
            except Exception:  # WouldWait (another thread of ours writes), or worse: the thread decides
                break
        try:
            await self.acks.add_jobs([claim.job])
            return True
        except Exception:
            log.exception("could not queue a start")
            await self.acks.release_intent(claim.intent)
            return False
