"""The outbox worker: drains due jobs with capped, jittered backoff that honours Retry-After.

Any exception (a connection reset, a timeout, a SlackApiError, a database error) is a failed
attempt. After the last one (hours later) the job is parked, logged at ERROR, and the owner told.
On PostgreSQL every instance drains (rows are leased with `for update skip locked`); on SQLite
the process does, under the file's write lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

from bot.clock import parse_time, utcnow
from bot.services.outbox.done import DoneBatch
from bot.services.outbox.held import held_elsewhere
from bot.services.outbox.job_kinds import NotYet, Runner, parked_jobs
from bot.slack.budget import Throttled
from bot.slack.errors import TOKEN_REFUSED, slack_failed
from bot.store import OutboxRecord
from bot.store.aio import AsyncStore
from bot.tavus import errors as te

log = logging.getLogger(__name__)

LEASE_SECONDS = 45.0  # a job's lease; a run is cut at 80 % of it, so only a dead runner loses one
POLL_SECONDS = 1.0  # how often an idle worker looks for jobs other instances queued
NOT_YET_SECONDS = 2.0
# jobs run at once by one worker: most wait on the network (a start waits seconds on Tavus), and a
# worker process has no acks to keep prompt (issue 26), so a burst's starts run side by side
BATCH = 256
WAKE_AFTER = 0.005  # after a deferred job's due time, so the claim sees it due
TRANSIENT_SLACK = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


@dataclass(frozen=True)
class Backoff:
    """first × 2^attempt seconds, capped, with full jitter in [½, 1]; give up after `give_up`."""

    first: float = 2.0
    cap: float = 1800.0
    give_up: float = 6 * 3600.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        wait = min(self.cap, self.first * 2 ** min(attempt, 30)) * random.uniform(0.5, 1.0)
        return max(wait, retry_after or 0.0)


RETRY_SCHEDULE = Backoff()  # hours, not seconds: Slack or a workspace may be down that long


def permanent(exc: BaseException) -> bool:
    """Errors no retry will fix: Slack refusing the request itself (channel_not_found, …)."""
    if not isinstance(exc, SlackApiError):
        return False
    status = getattr(exc.response, "status_code", 200)
    return status < 500 and status != 429 and exc.response.get("error") not in TRANSIENT_SLACK


def retry_after(exc: BaseException) -> float | None:
    if isinstance(exc, SlackApiError):
        with contextlib.suppress(TypeError, ValueError, AttributeError):
            return float(exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after"))
    if isinstance(exc, te.RateLimitError):
        return exc.retry_after
    if isinstance(exc, Throttled):
        return exc.seconds
    return None


def describe(exc: BaseException) -> str:
    if isinstance(exc, Throttled):
        return "Slack's rate limits kept it waiting too long"
    if isinstance(exc, SlackApiError):
        return f"Slack said {exc.response.get('error')}"
    return f"{type(exc).__name__}: {str(exc)[:200]}" if str(exc) else type(exc).__name__


class NoRunner(LookupError):
    """A job of a kind nobody runs (a newer app queued it, or the table misses it): an attempt."""


class OutboxWorker:
    """Drains the outbox; knows jobs only as kinds, each run by its runner in `runners`."""

    def __init__(
        self,
        db: AsyncStore,
        runners: Mapping[str, Runner],
        *,
        backoff: Backoff = RETRY_SCHEDULE,
        poll: float = POLL_SECONDS,
        lease: float = LEASE_SECONDS,
        wake: asyncio.Event | None = None,
    ) -> None:
        self.db, self.runners, self.backoff, self.poll, self.lease = db, runners, backoff, poll, lease
        self._wake = wake or asyncio.Event()  # shared by outboxes over one drain (bot/deps.py)
        self._done = DoneBatch(db)

    def kick(self) -> None:
        """New jobs were committed: drain now rather than at the next poll."""
        self._wake.set()

    def wake_in(self, seconds: float) -> None:
        """A job was deferred to its turn: drain again right when it is due, not at the next poll."""
        asyncio.get_running_loop().call_later(seconds + WAKE_AFTER, self._wake.set)

    async def run_forever(self) -> None:
        while True:
            self._wake.clear()  # before the drain: a kick or a turn that comes during it is kept
            try:
                ran = await self.drain_once()
            except Exception:  # the database may be down: keep trying
                log.exception("outbox drain failed")
                ran = 0
            if not ran:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll)

    async def drain_once(self) -> int:
        """Run due jobs, BATCH at once, until none is due and all have finished; returns how many
        ran. A slot is refilled as soon as its job finishes, and jobs queued meanwhile (a kick, a
        turn that came, the poll) are claimed into free slots at once: one slow Slack call never
        holds up the rest, another workspace's cards, DMs and alerts above all (issue 23 #4)."""
        running: set[asyncio.Task] = set()
        ran, look = 0, True
        while True:
            jobs = []
            if look:  # not after every job that ends: only a commit, a turn or the poll brings new ones
                self._wake.clear()  # before the claim: a kick that comes during it is kept
                jobs = await self._claim(BATCH - len(running), bool(running))
            ran += len(jobs)
            running |= {asyncio.create_task(self.run(job)) for job in jobs}
            if not running:
                return ran
            full, before = len(running) >= BATCH, len(running)
            woken = asyncio.create_task(self._wake.wait())
            await asyncio.wait({*running, woken}, timeout=self.poll, return_when=asyncio.FIRST_COMPLETED)
            running = {task for task in running if not task.done()}
            polled = len(running) == before  # nothing ended: a kick, or the poll's time came
            look = polled or full or not running or self._wake.is_set()
            woken.cancel()

    async def _claim(self, free: int, busy: bool) -> list[OutboxRecord]:
        """Lease up to `free` due jobs. While jobs run, a database error only skips this claim."""
        if free <= 0:
            return []
        try:
            return await self.db.claim_jobs(self.lease, free)
        except Exception:
            if not busy:
                raise
            log.exception("outbox claim failed; the jobs running go on")
            return []

    async def run_now(self, key: str, *, mine: bool = False) -> tuple[bool, str | None]:
        """Run one job at once (the starter waits for the card): (done, error if given up).
        `mine`: a job the caller queued `held`, which no worker claims before its lease ends."""
        jobs = await self.db.claim_jobs(self.lease, 1, key, mine=mine)
        if not jobs and (held := await held_elsewhere(self.db, key, self.lease)) is not None:
            return held  # another runner had it (a worker its commit woke; a start cut short)
        if not jobs:  # nobody holds it now: once more, as anyone may
            jobs = await self.db.claim_jobs(self.lease, 1, key)
        return await self.run(jobs[0], tell=False) if jobs else (False, None)

    async def run(self, job: OutboxRecord, *, tell: bool = True) -> tuple[bool, str | None]:
        """One attempt: done, deferred, retried later or parked. Never raises."""
        try:
            result = await asyncio.wait_for(self._runner(job).run(job), self.lease * 0.8)
        except NotYet:
            await self._quietly(self.db.job_defer(job, NOT_YET_SECONDS))
            return False, None
        except Throttled as exc:  # late, not broken: no attempt used, until it is too late
            if self._age(job) + exc.seconds >= self.backoff.give_up:
                return await self._failed(job, exc, tell)  # parked and its owner told, like any other
            await self._quietly(self.db.job_defer(job, exc.seconds))
            self.wake_in(exc.seconds)
            return False, None
        except Exception as exc:
            return await self._failed(job, exc, tell)
        await self._quietly(self._done.done(job, result))
        return True, None

    def _runner(self, job: OutboxRecord) -> Runner:
        runner = self.runners.get(job.kind)
        if runner is None:
            raise NoRunner(f"no runner for outbox jobs of kind {job.kind!r}")
        return runner

    async def _failed(self, job: OutboxRecord, exc: Exception, tell: bool) -> tuple[bool, str | None]:
        error = describe(exc)
        wait = self.backoff.delay(job.attempts, retry_after(exc))
        if not permanent(exc) and self._age(job) + wait < self.backoff.give_up:
            log.warning(
                "outbox %s (attempt %d) failed, retrying in %.1f s: %s",
                job.kind,
                job.attempts + 1,
                wait,
                error,
            )
            await self._quietly(self.db.job_failed(job, error, retry_in=wait))
            return False, None
        if isinstance(exc, SlackApiError) and exc.response.get("error") in TOKEN_REFUSED:
            slack_failed(exc, f"run an outbox {job.kind} job")  # loud: every later call fails alike
        # the job's id, not its key: keys carry the conversation's callback token
        log.error(
            "outbox %s job %d given up after %d attempts: %s", job.kind, job.id, job.attempts + 1, error
        )
        code = str(exc.response.get("error")) if isinstance(exc, SlackApiError) else error
        told = []
        if tell and not job.data.get("tell") and job.token:
            conv = await self._quietly(self.db.conversation_by_token(job.token))
            if conv is not None:
                told = parked_jobs(job, conv, error, code)
        await self._quietly(self.db.job_failed(job, error, retry_in=None, tell=told))
        if job.kind == "post":
            await self._quietly(self.db.note_error(job.token, f"post_failed: {code}"))
            if any(j.kind == "end_tavus" for j in told):
                reason = "the card could not be posted"
                await self._quietly(self.db.mark_ended(job.token, at=utcnow(), reason=reason))
        if told:
            self.kick()
        return False, code

    @staticmethod
    def _age(job: OutboxRecord) -> float:
        return (parse_time(utcnow()) - parse_time(job.created_at)).total_seconds()  # type: ignore[operator]

    @staticmethod
    async def _quietly(work):
        """A database error here leaves the lease to run out: the job runs again then."""
        try:
            return await work
        except Exception:
            log.exception("outbox bookkeeping failed; the job will run again when its lease ends")
            return None
