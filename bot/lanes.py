"""Two lanes on one event loop: acks first, background work behind them.

asyncio runs ready callbacks first come, first served, and only polls the network between two
batches of them. Under a burst, the ready queue fills with the callbacks of work after acks (a
Tavus create, a card post, an outbox job) and every step of the next ack waits behind all of
them. A thread with an event loop of its own does not help in CPython: under the GIL, the ack
thread waits for the busy thread at every wake-up.

So the loop's ready queue is replaced by two: a callback whose context is marked background
(`background()`, `background_task()`) waits in the low lane; any other runs first. Each turn of
the loop runs every ready ack-lane callback and at most LOW_PER_TURN background ones, then polls
the network again, so a new request is seen after a few short callbacks, never after a whole
backlog. Background work is never starved: every turn runs some of it. Order within a lane is
unchanged. Between lanes it is not: a background task handed an asyncio lock runs later than it
would have, and an ack-lane task queued behind it on that lock waits as long (the acks' own path,
the command's parse and claim, takes no lock that background work holds).

The queue is the loop's `_ready`, a private attribute of CPython's asyncio loops, used as
CPython 3.11 uses it (append, popleft, len once a turn, truth, clear; tests/test_lanes.py checks
that on the running interpreter), and network events enter it through the loop's `_add_callback`.
A loop without a ready deque (uvloop) is left as it is, and work merely loses the priority.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any, TypeVar

log = logging.getLogger(__name__)

BACKGROUND: contextvars.ContextVar[bool] = contextvars.ContextVar("background", default=False)
LOW_PER_TURN = 1  # background callbacks between two network polls
T = TypeVar("T")


class TwoLanes:
    """A drop-in for the loop's ready deque: the ack lane first, then a few background callbacks."""

    def __init__(self, stale: collections.deque | None = None, low_per_turn: int = LOW_PER_TURN) -> None:
        self.high: collections.deque = collections.deque()
        self.low: collections.deque = collections.deque()
        self.low_per_turn = low_per_turn
        self.turn_high = self.turn_low = 0
        # the loop's deque before the lanes: another thread that looked it up just before the
        # swap may still append to it, so it is emptied into the lanes at every turn
        self.stale = stale if stale is not None else collections.deque()

    def take_stale(self) -> None:
        while True:
            try:
                handle = self.stale.popleft()  # atomic, as the other threads' appends are
            except IndexError:
                return
            self.append(handle)

    def append(self, handle: asyncio.Handle) -> None:
        # deque.append is atomic, so call_soon_threadsafe from another thread stays safe
        context = getattr(handle, "_context", None)
        lane = self.low if context is not None and context.get(BACKGROUND, False) else self.high
        lane.append(handle)

    def add_io(self, handle: asyncio.Handle) -> None:
        """The loop's `_add_callback`: a socket's reader or writer, or a signal handler. Always in
        the ack lane: it is short (bytes in, a parser, futures set; the tasks it wakes keep their
        lane), and one left waiting would be reported again at every poll while its socket stays
        ready, each poll costing as much as all of them."""
        if not handle._cancelled:
            self.high.append(handle)

    def __len__(self) -> int:
        if self.stale:
            self.take_stale()
        # asyncio asks once a turn, then pops that many: what was ready when the turn began in
        # the ack lane (new ack work waits for the next turn, as in stock asyncio, else a stream
        # of it would starve the background), and a few background callbacks
        self.turn_high, self.turn_low = len(self.high), min(len(self.low), self.low_per_turn)
        return self.turn_high + self.turn_low

    def popleft(self) -> asyncio.Handle:
        if self.turn_high > 0 or not self.low:
            self.turn_high -= 1
            return self.high.popleft()
        self.turn_low -= 1
        return self.low.popleft()

    def __bool__(self) -> bool:
        return bool(self.high) or bool(self.low) or bool(self.stale)

    def clear(self) -> None:
        self.high.clear()
        self.low.clear()

    def waiting(self) -> dict[str, int]:
        return {"ack_lane": len(self.high), "background_lane": len(self.low)}


def install(loop: asyncio.AbstractEventLoop, low_per_turn: int = LOW_PER_TURN) -> bool:
    """Give `loop` the two lanes; False (and no change) when it is not a loop we know. Called on
    the loop's thread; other threads may be adding callbacks meanwhile (call_soon_threadsafe)."""
    ready = getattr(loop, "_ready", None)
    if isinstance(ready, TwoLanes):
        return True
    if type(ready) is not collections.deque:
        log.info("event loop %s has no ready deque: background work is not deprioritised", type(loop))
        return False
    lanes = TwoLanes(ready, low_per_turn)
    loop._ready = lanes  # type: ignore[attr-defined]  (from here on, callbacks come to the lanes)
    loop._add_callback = lanes.add_io  # type: ignore[attr-defined]  (selector events, signals)
    lanes.take_stale()
    return True


def lanes_of(loop: asyncio.AbstractEventLoop) -> TwoLanes | None:
    ready = getattr(loop, "_ready", None)
    return ready if isinstance(ready, TwoLanes) else None


@contextlib.contextmanager
def background() -> Iterator[None]:
    """The rest of the current task (and the tasks it starts) runs in the background lane."""
    token = BACKGROUND.set(True)
    try:
        yield
    finally:
        BACKGROUND.reset(token)


def background_task(coro: Coroutine[Any, Any, T], name: str | None = None) -> asyncio.Task[T]:
    """A task whose every step waits behind the acks."""
    context = contextvars.copy_context()
    context.run(BACKGROUND.set, True)
    return asyncio.get_running_loop().create_task(coro, name=name, context=context)


class AfterAck:
    """Work a listener does after its ack: at most `limit` at a time, in the background lane.
    `async with deps.after_ack():`"""

    def __init__(self, limit: int) -> None:
        self.slots = asyncio.Semaphore(limit)

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        with background():  # the lane first: even the wait for a slot is background work
            async with self.slots:
                yield
