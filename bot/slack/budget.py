"""A per-workspace rate budget for the Slack calls the app makes on its own (cards, replies, DMs,
calls, channel checks), so the app waits instead of drawing 429s.

Tiered methods are counted the way Slack documents them: N calls in any minute (bursts allowed),
each counted from when its answer came back (Slack saw it before then, so the count here is never
lower than Slack's). `chat.postMessage` is paced per channel at one a second. Waiting jobs queue by
priority (a card's final state before a passing one), then by how long they have waited; a job is
told to come back at its estimated turn and re-ranked then, so a later, more urgent job overtakes.
Slack's Retry-After blocks the bucket for that long and narrows it for a while."""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}  # Slack's documented tiers, per workspace and method
TIERS = {
    "chat.update": 3,
    "chat.delete": 3,
    "conversations.info": 3,
    "conversations.open": 3,
    "calls.add": 2,  # Slack's method reference: Tier 2 for calls.add and calls.end
    "calls.end": 2,
    "users.info": 4,
    "views.publish": 4,
    "chat.postEphemeral": 4,
    "chat.getPermalink": 4,  # "special rate limits" in Slack's reference: counted as Tier 4
    "files.getUploadURLExternal": 2,
    "files.completeUploadExternal": 2,  # the notes count the upload's steps at Tier 2
    "files.info": 4,
    "files.delete": 3,
    "canvases.create": 2,
    "canvases.edit": 2,  # the notes put the canvas methods at Tier 2
    "canvases.access.set": 2,
    "canvases.delete": 3,
    "functions.completeSuccess": 3,  # issue 27: a workflow step's end
    "functions.completeError": 3,
}
WINDOW = 60.0  # seconds a tier counts over
POSTS_PER_SECOND = 1.0  # chat.postMessage, per channel
SLOWDOWN, SLOWEST = 0.8, 0.5  # after a 429: the limit times SLOWDOWN, never under SLOWEST × it
RECOVER_SECONDS = 300.0  # a bucket with no 429 for this long is back to its full limit
SLEEP_AT_MOST = 1.5  # a job sleeps this long for its turn at most; a later turn defers it instead
PRESENT, LATE = 0.25, 2.0  # a waiting job due this close (or this late) is asking now: it goes first
GONE = 60.0  # a waiting job this late never came back (another instance ran it): forgotten
FLIGHT = 120.0  # a call still unsettled after this is counted from when it was let through
_ONE_OFF = itertools.count()


class Throttled(Exception):
    """Not this job's turn yet (its budget, or Slack's 429): run it again in `seconds`, no attempt."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"rate budget: again in {seconds:.1f} s")
        self.seconds = seconds


@dataclass
class Waiter:
    since: float
    due: float
    priority: int = 0


@dataclass
class Bucket:
    """`limit` calls in any `window` seconds (`paced`: a token bucket of `limit` a `window`, no burst)."""

    limit: int
    window: float
    paced: bool = False
    sent: deque[float] = field(default_factory=deque)  # when each counted call's answer came
    flying: dict[str, tuple[float, int]] = field(default_factory=dict)  # job: (let through, calls)
    waiting: dict[str, Waiter] = field(default_factory=dict)
    blocked_until: float = -1e9
    factor: float = 1.0
    refused_at: float = -1e9

    def tidy(self, now: float) -> None:
        if self.factor < 1 and now - self.refused_at > RECOVER_SECONDS:
            self.factor = 1.0
        while self.sent and self.sent[0] <= now - self.window:
            self.sent.popleft()
        for job, (at, calls) in list(self.flying.items()):
            if now - at > FLIGHT:  # its runner never settled it: count it from when it went
                del self.flying[job]
                self.sent.extend([at] * calls)
                self.sent = deque(sorted(self.sent))
        for job, waiter in list(self.waiting.items()):
            if now - waiter.due > GONE:
                del self.waiting[job]

    def slots(self, now: float, n: int) -> list[float]:
        """The times the next `n` calls could go, in order, if nobody else asked."""
        limit = max(1, math.floor(self.limit * self.factor))
        start = max(now, self.blocked_until)
        if self.paced:  # one a `window / limit`, from the last call (or from now)
            gap = self.window / limit
            last = max([*self.sent, *(at for at, _ in self.flying.values())], default=-1e9)
            first = max(start, last + gap)
            return [first + i * gap for i in range(n)]
        # a call in flight counts from now (it settles later), one sleeping for its turn from then
        occupied = sorted([*self.sent, *(max(at, now) for at, c in self.flying.values() for _ in range(c))])
        out = []
        for _ in range(n):
            at = start if len(occupied) < limit else max(start, occupied[-limit] + self.window)
            occupied.append(at)
            out.append(at)
        return out

    def refused(self, now: float, retry_after: float) -> None:
        """Slack said 429: nothing more for `retry_after` seconds, then a narrower limit a while."""
        self.factor = max(SLOWEST, self.factor * SLOWDOWN)
        self.refused_at = now
        self.blocked_until = max(self.blocked_until, now + retry_after)


class SlackBudget:
    """`await budget.admit(job, team, method, channel)` before a queued job's call, then
    `budget.settle(job, team, method, channel)` when its answer came; `wait` for one-off calls."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        *,
        scale: float = 1.0,
        sleep_at_most: float = SLEEP_AT_MOST,
    ) -> None:
        self.clock, self.sleep, self.scale = clock, sleep, scale  # scale: > 1 only in tests
        self.sleep_at_most = sleep_at_most
        self.buckets: dict[tuple[str, str], Bucket] = {}
        self.waited = 0.0  # seconds spent sleeping for turns, for the benchmark

    def bucket(self, team: str, method: str, channel: str | None) -> Bucket | None:
        """The bucket a call draws on, or None for methods with no documented limit we track."""
        if method == "chat.postMessage" and channel:
            key, made = f"post:{channel}", lambda: Bucket(1, 1 / (POSTS_PER_SECOND * self.scale), paced=True)
        elif method in TIERS:
            key, made = method, lambda: Bucket(PER_MINUTE[TIERS[method]], WINDOW / self.scale)
        else:
            return None
        found = self.buckets.get((team, key))
        if found is None:
            found = self.buckets[(team, key)] = made()
        return found

    async def admit(
        self,
        job: str,
        team: str,
        method: str,
        channel: str | None = None,
        calls: int = 1,
        priority: int = 0,
    ) -> None:
        """A queued job's turn: go now, sleep for it when it is near, else raise Throttled with
        when to come back (its place is kept: it is re-ranked against the others then)."""
        bucket = self.bucket(team, method, channel)
        if bucket is None:
            return
        now = self.clock()
        bucket.tidy(now)
        me = bucket.waiting.get(job) or Waiter(since=now, due=now)
        me.priority = priority
        rank = (-priority, me.since, job)
        ahead = [w for j, w in bucket.waiting.items() if j != job and (-w.priority, w.since, j) < rank]
        present = sum(1 for w in ahead if now - LATE <= w.due <= now + PRESENT)  # asking right now
        slots = bucket.slots(now, len(ahead) + calls)
        mine = slots[present + calls - 1]  # if the ones asking now go first
        if mine - now > self.sleep_at_most or (present and mine > now):
            me.due = max(slots[-1], now + 0.01)  # when its turn comes if every one ahead goes first
            bucket.waiting[job] = me
            raise Throttled(me.due - now)
        bucket.waiting.pop(job, None)
        bucket.flying[job] = (max(now, mine), calls)
        if mine > now:
            self.waited += mine - now
            await self.sleep(mine - now)

    def settle(self, job: str, team: str, method: str, channel: str | None = None) -> None:
        """The job's call was answered (or failed): count it from now, when Slack surely saw it."""
        bucket = self.bucket(team, method, channel)
        if bucket is not None and (flight := bucket.flying.pop(job, None)):
            bucket.sent.extend([self.clock()] * flight[1])

    def forget(self, job: str, team: str, method: str, channel: str | None = None) -> None:
        """The job left the queue without calling (its work vanished): no longer in anyone's way."""
        bucket = self.bucket(team, method, channel)
        if bucket is not None:
            bucket.waiting.pop(job, None)

    async def wait(self, team: str, method: str, channel: str | None = None) -> float:
        """One call, now or after its turn (its waiting counted from now); return the seconds waited."""
        job, start = f"wait:{next(_ONE_OFF)}", self.clock()
        while True:
            try:
                await self.admit(job, team, method, channel)
                break
            except Throttled as exc:
                await self.sleep(exc.seconds)
        self.settle(job, team, method, channel)
        return self.clock() - start

    def try_take(self, job: str, team: str, method: str, channel: str | None = None) -> bool:
        """A call that must not wait (it answers a person): True and counted if it fits now."""
        bucket = self.bucket(team, method, channel)
        if bucket is None:
            return True
        now = self.clock()
        bucket.tidy(now)
        if bucket.slots(now, 1)[0] > now:
            return False
        bucket.flying[job] = (now, 1)
        return True

    def refused(self, team: str, method: str, channel: str | None, retry_after: float) -> None:
        """Slack answered 429 anyway (another app instance, or Slack's own window): back off."""
        if bucket := self.bucket(team, method, channel):
            bucket.refused(self.clock(), retry_after)
