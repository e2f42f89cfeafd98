"""How many Tavus reads each API key has left in a rolling minute: the reconciler and the documents'
poll each keep to a budget per key, since several workspaces may share one key."""

from __future__ import annotations

import time
from collections import deque

READS_PER_MINUTE_PER_KEY = 120  # Tavus reads the reconciler allows itself per API key, lists included


class ReadBudget:
    """The reads each Tavus key has left in a rolling minute."""

    def __init__(self, per_minute: int = READS_PER_MINUTE_PER_KEY, clock=time.monotonic) -> None:
        self.per_minute, self.clock = per_minute, clock
        self.spent: dict[str, deque[float]] = {}

    def left(self, key: str) -> int:
        spent = self.spent.setdefault(key, deque())
        while spent and spent[0] <= self.clock() - 60:
            spent.popleft()
        return self.per_minute - len(spent)

    def spend(self, key: str, reads: int) -> None:
        self.spent.setdefault(key, deque()).extend([self.clock()] * reads)
