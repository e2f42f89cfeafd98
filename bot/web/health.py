"""/healthz, and /healthz/loop: how late the web process's event loop runs, the figure that says
whether anything is delaying Slack's acks (background work runs in the worker processes)."""

from __future__ import annotations

import asyncio
import time
from collections import deque

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

TICK = 0.02  # seconds between two samples
SAMPLES = 15_000  # the last five minutes or so


class LoopLag:
    """Samples how much later than asked a short sleep wakes up."""

    def __init__(self) -> None:
        self.lags: deque[float] = deque(maxlen=SAMPLES)

    async def run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(TICK)
            self.lags.append(max(0.0, time.perf_counter() - start - TICK))

    def summary(self) -> dict[str, float | int]:
        """p50, p99 and max lag in milliseconds over the kept samples; `reset` starts afresh."""
        ordered = sorted(self.lags)
        if not ordered:
            return {"samples": 0}

        def at(p: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(p * (len(ordered) - 1)))] * 1000, 2)

        return {"samples": len(ordered), "p50_ms": at(0.5), "p99_ms": at(0.99), "max_ms": at(1.0)}


async def healthz(request: Request) -> Response:
    return JSONResponse({"ok": True})


def loop_lag_endpoint(lag: LoopLag):
    async def loop_lag(request: Request) -> Response:
        summary = lag.summary()
        if request.query_params.get("reset"):
            lag.lags.clear()
        return JSONResponse(summary)

    return loop_lag
