"""Slack's rate tiers, enforced the way Slack documents them: per workspace and method for the tiered
methods (a rolling minute), per channel for chat.postMessage (about one a second, short bursts
tolerated); over the limit, HTTP 429 with Retry-After. Off unless asked for."""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field

TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
METHOD_TIER = {
    "chat.update": 3,
    "chat.delete": 3,
    "chat.postEphemeral": 4,
    "chat.getPermalink": 4,  # Slack: "special rate limits"; counted as Tier 4 here
    "conversations.info": 3,
    "conversations.open": 3,
    "users.info": 4,
    "views.open": 4,
    "views.update": 4,
    "views.push": 4,
    "views.publish": 4,
    "calls.add": 2,  # Slack's method reference: calls.* are Tier 2
    "calls.end": 2,
    "calls.update": 2,
    "files.getUploadURLExternal": 2,
    "files.completeUploadExternal": 3,
    "canvases.create": 2,
}
POST_PER_SECOND = 1.0  # chat.postMessage, per channel
POST_BURST = 3  # the "short bursts" Slack tolerates before it answers 429
WINDOW = 60.0


@dataclass
class RateTiers:
    """Counts calls and answers how long to wait (0 when the call may go through)."""

    window: float = WINDOW
    scale: float = 1.0  # the rates times this (tests scale a minute down to seconds)
    calls: dict[tuple[str, str], deque[float]] = field(default_factory=dict)
    posts: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)  # tokens, at
    limited: dict[str, int] = field(default_factory=dict)  # 429s answered, per method

    def check(self, team: str, method: str, channel: str | None, now: float | None = None) -> float:
        """Record the call if allowed and return 0, else the seconds to wait (and count a 429)."""
        now = time.monotonic() if now is None else now
        if method == "chat.postMessage" and channel:
            wait = self._post(team, channel, now)
        elif method in METHOD_TIER:
            wait = self._tiered(team, method, now)
        else:
            wait = 0.0
        if wait:
            self.limited[method] = self.limited.get(method, 0) + 1
        return wait

    def _tiered(self, team: str, method: str, now: float) -> float:
        seen = self.calls.setdefault((team, method), deque())
        window = self.window / self.scale
        while seen and seen[0] <= now - window:
            seen.popleft()
        if len(seen) >= TIER_PER_MINUTE[METHOD_TIER[method]]:
            return seen[0] + window - now
        seen.append(now)
        return 0.0

    def _post(self, team: str, channel: str, now: float) -> float:
        tokens, at = self.posts.get((team, channel), (float(POST_BURST), now))
        rate = POST_PER_SECOND * self.scale
        tokens = min(float(POST_BURST), tokens + (now - at) * rate)
        if tokens < 1:
            self.posts[(team, channel)] = (tokens, now)
            return (1 - tokens) / rate
        self.posts[(team, channel)] = (tokens - 1, now)
        return 0.0


def retry_after(wait: float) -> str:
    """Slack's Retry-After is whole seconds, never 0 for a refused call."""
    return str(max(1, math.ceil(wait)))
