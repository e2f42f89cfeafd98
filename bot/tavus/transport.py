"""The HTTP layer under TavusClient: the pooled httpx client and naming transport failures."""

from __future__ import annotations

import aiohttp
import httpx
from httpx_aiohttp import HttpxAiohttpClient

from bot.tavus import errors

DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
# A burst of 100 interviews a second at 1.5 s each keeps ~150 creates in flight.
POOL_LIMITS = httpx.Limits(max_connections=500, max_keepalive_connections=100)


def default_http_client(timeout: float | None = None) -> httpx.AsyncClient:
    """httpx's API over aiohttp's connection pool. httpcore's pool rescans every connection and
    queued request on each event, which took 80% of the app's CPU in a burst (bench/README.md)."""
    limit = DEFAULT_TIMEOUT if timeout is None else httpx.Timeout(timeout, connect=min(5.0, timeout))
    return HttpxAiohttpClient(timeout=limit, limits=POOL_LIMITS)


def transport_error(exc: httpx.TransportError) -> errors.TavusConnectionError:
    """Name the failure by its root cause: the aiohttp transport reports a refused connection
    as ConnectTimeout, and a reset after sending as a connection error too."""
    root: BaseException = exc
    while root.__cause__ is not None:
        root = root.__cause__
    never_sent = isinstance(exc, httpx.ConnectError) or isinstance(
        root, aiohttp.ClientConnectorError | ConnectionRefusedError
    )
    if never_sent:
        return errors.TavusConnectionError(
            f"Tavus could not be reached ({type(root).__name__})", maybe_sent=False
        )
    if isinstance(exc, httpx.TimeoutException):
        return errors.TavusTimeoutError(f"Tavus did not answer in time ({type(exc).__name__})")
    return errors.TavusConnectionError(f"the connection to Tavus broke ({type(root).__name__})")


def maybe_acted(exc: errors.TavusError) -> bool:
    """Whether Tavus may have acted on a POST that failed this way."""
    if isinstance(exc, errors.TavusConnectionError):
        return exc.maybe_sent
    return isinstance(exc, errors.ServerError)


def check_id(value: str) -> str:
    """Ids go into paths: refuse anything that could change the path."""
    if not value or not value.replace("-", "").replace("_", "").isalnum():
        raise errors.NotFoundError(f"{value!r} is not a Tavus id", status=404)
    return value
