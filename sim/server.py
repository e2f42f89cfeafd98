"""Serve an ASGI app with uvicorn on a loopback port, in a background thread."""

from __future__ import annotations

import asyncio
import threading
import time

import uvicorn


class ServerThread:
    """Start with `start()`, read `url`, stop with `stop()`; port 0 picks a free port."""

    def __init__(self, app, *, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning"):
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level=log_level,
            lifespan="on",
            timeout_graceful_shutdown=2,
            ws="none",
        )
        self.server = uvicorn.Server(config)
        self.server.install_signal_handlers = lambda: None  # only the main thread may
        self.thread = threading.Thread(target=self._run, daemon=True, name=f"uvicorn-{port}")
        self.loop: asyncio.AbstractEventLoop | None = None
        self.host = host

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve())

    def start(self, timeout: float = 10.0) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.01)
        return self

    @property
    def port(self) -> int:
        return self.server.servers[0].sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (for a server that must know its URL before it starts)."""
    import socket

    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, proc=None, timeout: float = 30.0) -> None:
    """Wait for an HTTP server in another process to answer at `url` (any status will do)."""
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
                raise RuntimeError(f"nothing is serving {url}") from None
            time.sleep(0.05)
