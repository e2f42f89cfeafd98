"""A per-workspace rate budget for the Slack calls the app makes on its own (cards, replies, DMs):
token buckets per method tier and per channel, so the app waits instead of drawing 429s. Slack's
Retry-After empties the bucket for that long and slows it down for a while."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

PER_MINUTE = {2: 20, 3: 50, 4: 100}  # Slack's documented tiers, per workspace and method
TIERS = {
    "chat.update": 3,
    "chat.delete": 3,
    "conversations.info": 3,
    "conversations.open": 3,
    "calls.add": 3,
    "calls.end": 3,
    "users.info": 4,
    "views.publish": 4,
    "chat.postEphemeral": 4,
    "files.getUploadURLExternal": 2,
    "files.completeUploadExternal": 2,  # the notes count the upload's steps at Tier 2
    "files.info": 4,
    "files.delete": 3,
    "canvases.create": 2,
    "canvases.edit": 2,  # the notes put the canvas methods at Tier 2
    "canvases.access.set": 2,
    "canvases.delete": 3,
}
POSTS_PER_SECOND = 1.0  # chat.postMessage, per channel
SHARE = 0.9  # of each documented limit: Slack counts in rolling windows we cannot see
BURST = 3  # calls a quiet bucket lets through at once
SLOWDOWN, SLOWEST = 0.8, 0.5  # after a 429: the rate times SLOWDOWN, never under SLOWEST × the limit
RECOVER_SECONDS = 300.0  # a bucket with no 429 for this long is back to its full rate
SLEEP_AT_MOST = 5.0  # a job sleeps this long for its turn at most; a later turn defers it instead


class Throttled(Exception):
    """Not this job's turn yet (its budget, or Slack's 429): run it again in `seconds`, no attempt."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"rate budget: again in {seconds:.1f} s")
        self.seconds = seconds


@dataclass
class Bucket:
    rate: float  # calls a second at full speed
    burst: float
    tokens: float
    at: float
    factor: float = 1.0
    refused_at: float = -1e9
    last: float = -1e9  # when the latest call was let through

    def spaced(self, turn: float) -> float:
        """A turn no closer to the last call than the rate allows: jobs whose turns passed while
        they were queued (the worker fell behind) must not all go at once."""
        return max(turn, self.last + 1 / (self.rate * self.factor))

    def reserve(self, now: float) -> float:
        """Take a token (going into debt if none is left) and return how long to wait for it."""
        if self.factor < 1 and now - self.refused_at > RECOVER_SECONDS:
            self.factor = 1.0
        speed = self.rate * self.factor
        self.tokens = min(self.burst, self.tokens + (now - self.at) * speed) - 1
        self.at = now
        return 0.0 if self.tokens >= 0 else -self.tokens / speed

    def refused(self, now: float, retry_after: float) -> None:
        """Slack said 429: nothing more for `retry_after` seconds, then go slower for a while."""
        self.factor = max(SLOWEST, self.factor * SLOWDOWN)
        self.refused_at = now
        self.tokens = min(self.tokens, 0.0) - retry_after * self.rate * self.factor
        self.at = now


class SlackBudget:
    """Answers `await budget.wait(team, method, channel)` before each call the app makes unasked."""

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
        self.turns: dict[str, float] = {}  # a deferred job's reserved turn, by job
        self.waited = 0.0  # seconds spent waiting, for the benchmark

    def bucket(self, team: str, method: str, channel: str | None) -> Bucket | None:
        """The bucket a call draws on, or None for methods with no documented limit we track."""
        if method == "chat.postMessage" and channel:
            key, rate, burst = f"post:{channel}", POSTS_PER_SECOND * SHARE * self.scale, 1.0
        elif method in TIERS:
            key, rate, burst = method, PER_MINUTE[TIERS[method]] * SHARE / 60 * self.scale, float(BURST)
        else:
            return None
        found = self.buckets.get((team, key))
        if found is None:
            found = self.buckets[(team, key)] = Bucket(rate, burst, burst, self.clock())
        return found

    async def wait(self, team: str, method: str, channel: str | None = None) -> float:
        """Wait until the call fits the budget; return the seconds waited."""
        bucket = self.bucket(team, method, channel)
        delay = bucket.reserve(self.clock()) if bucket else 0.0
        if delay > 0:
            self.waited += delay
            await self.sleep(delay)
        return delay

    def refused(self, team: str, method: str, channel: str | None, retry_after: float) -> None:
        """Slack answered 429 anyway (another app instance, or Slack's own window): back off."""
        if bucket := self.bucket(team, method, channel):
            bucket.refused(self.clock(), retry_after)

    async def admit(
        self, job: str, team: str, method: str, channel: str | None = None, calls: int = 1
    ) -> None:
        """A queued job's turn: sleep for it when it is near, else raise Throttled with the time of
        the turn reserved for it (kept, so a job re-armed meanwhile does not reserve another)."""
        now = self.clock()
        bucket = self.bucket(team, method, channel)
        if bucket is None:
            return
        turn = self.turns.pop(job, None)
        if turn is None:
            turn = now + max(bucket.reserve(now) for _ in range(calls))
        turn = bucket.spaced(turn)
        if turn - now > self.sleep_at_most:
            if len(self.turns) > 100_000:  # jobs another instance ran leave theirs behind
                self.turns = {k: t for k, t in self.turns.items() if t > now}
            self.turns[job] = turn
            raise Throttled(turn - now)
        bucket.last = max(turn, now)
        if turn > now:
            self.waited += turn - now
            await self.sleep(turn - now)
