"""Waiting for a job another runner holds: a starter waits for its card (`run_now`), and since a
worker is woken by the commit that queued the card, that worker may have claimed it first."""

from __future__ import annotations

import asyncio

from bot.clock import parse_time, utcnow
from bot.store.aio import AsyncStore

POLL = 0.02  # seconds between two looks at the job


async def held_elsewhere(db: AsyncStore, key: str, lease: float) -> tuple[bool, str | None] | None:
    """(done, Slack's error code if it was given up) once the holder is through; (False, None) at
    once for a job that is not due (deferred, retrying); None when nobody holds it (any more)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + lease
    while loop.time() < deadline:
        job = await db.job(key)
        if job is None or job.state != "pending":
            parked = job is not None and job.state == "parked"
            code = (job.last_error or "").removeprefix("Slack said ") if parked else None
            return job is not None and job.state == "done", code
        now = parse_time(utcnow())
        if parse_time(job.due_at) > now:  # type: ignore[operator]
            return False, None
        until = parse_time(job.lease_until)
        if until is None or until < now:  # type: ignore[operator]
            return None
        await asyncio.sleep(POLL)
    return False, None
