"""SQLite writers' turns across processes (issue 26): the web process's acks first."""

from __future__ import annotations

import fcntl
import time
from typing import Any

from bot.store.sql import WouldWait

GIVE_WAY_SECONDS = 0.05  # a worker waits this long at most for web processes that want a turn


class WriteTurns:
    """Whose turn it is to write a SQLite file, across processes: an flock on `<file>.writer` in
    front of BEGIN IMMEDIATE wakes a waiter the moment the writer commits (SQLite's busy handler
    polls with sleeps of up to 100 ms, so a process writing often keeps the lock from one writing
    seldom). A background process (a worker) also gives way first to any foreground one (the web
    process, whose acks wait on their write) that holds `<file>.web`, shared, while it wants a turn."""

    def __init__(self, path: str) -> None:
        self.path, self.background = path, False
        self._files: dict[str, Any] = {}

    def _fd(self, suffix: str) -> int:
        if suffix not in self._files:
            self._files[suffix] = open(self.path + suffix, "a")  # noqa: SIM115 (kept until close)
        return self._files[suffix].fileno()

    def take(self, waits: bool) -> None:
        """Under the process's own write lock (one thread at a time here). `waits` False (the
        loop's own thread, `Store.now`): WouldWait at once rather than wait for any lock."""
        if self.background:
            self._give_way(waits)
        else:
            self._lock(".web", fcntl.LOCK_SH, waits)
        try:
            self._lock(".writer", fcntl.LOCK_EX, waits)
        except BaseException:
            if not self.background:
                fcntl.flock(self._fd(".web"), fcntl.LOCK_UN)
            raise

    def _lock(self, suffix: str, how: int, waits: bool) -> None:
        try:
            fcntl.flock(self._fd(suffix), how | (0 if waits else fcntl.LOCK_NB))
        except BlockingIOError:
            raise WouldWait("another process is writing") from None

    def _give_way(self, waits: bool) -> None:
        """Wait while a foreground process wants a turn, GIVE_WAY_SECONDS at most: several web
        processes' turns may overlap for ever, and a worker must get one too. `waits` False (a
        worker's loop thread): WouldWait at once instead."""
        deadline = time.monotonic() + GIVE_WAY_SECONDS
        while True:
            try:
                fcntl.flock(self._fd(".web"), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not waits:
                    raise WouldWait("another process wants a turn") from None
                if time.monotonic() < deadline:
                    time.sleep(0.001)
                    continue
                return
            fcntl.flock(self._fd(".web"), fcntl.LOCK_UN)
            return

    def give(self) -> None:
        fcntl.flock(self._fd(".writer"), fcntl.LOCK_UN)
        if not self.background:
            fcntl.flock(self._fd(".web"), fcntl.LOCK_UN)

    def close(self) -> None:
        for handle in self._files.values():
            handle.close()
        self._files.clear()
