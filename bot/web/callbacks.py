"""POST /tavus/callback/{token}: Tavus's conversation events. The token is the credential.

A token works from the conversation's start until CALLBACK_TOKEN_HOURS after it ended (Tavus's
late transcription_ready and recording_ready arrive within that window); then it is refused like
an unknown one. Refusals are logged at most once a minute, with a count, so guessing cannot fill
the log."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.clock import parse_time
from bot.deps import Deps
from bot.logs import keep_secret
from bot.records import ConversationRecord
from bot.tavus.models import CallbackEvent

log = logging.getLogger(__name__)

MAX_BODY = 2_000_000  # a long transcript is big, but nothing legitimate is bigger than this
REFUSAL_LOG_SECONDS = 60.0


class TooLarge(Exception):
    """The body passed MAX_BODY while it was still arriving."""


def token_expired(conv: ConversationRecord, window: timedelta, now: datetime | None = None) -> bool:
    """True once the conversation ended (or failed) longer than `window` ago. The end counts from
    the later of Tavus's end time and our own record of it (Tavus's clock may lag or be forged)."""
    if conv.status not in ("ended", "failed"):
        return False
    times = [t for t in map(parse_time, (conv.ended_at, conv.updated_at, conv.created_at)) if t]
    return bool(times) and (now or datetime.now(UTC)) - max(times) > window


class RefusalLog:
    """Counts refused callbacks; writes one line per REFUSAL_LOG_SECONDS at most."""

    def __init__(
        self,
        every: float = REFUSAL_LOG_SECONDS,
        what: str = "Tavus callback(s)",
        why: str = "with an unknown token or an expired one",
    ) -> None:
        self.every, self.count, self.last, self.what, self.why = every, 0, float("-inf"), what, why

    def refused(self, host: str) -> None:
        self.count += 1
        now = time.monotonic()
        if now - self.last >= self.every:
            log.warning(
                "refused %d %s %s since the last such line (at most one a minute); the latest from %s",
                self.count,
                self.what,
                self.why,
                host,
            )
            self.count, self.last = 0, now


async def read_limited(request: Request, limit: int = MAX_BODY) -> bytes:
    """The body, read as it streams in; stops at `limit` whatever Content-Length claimed."""
    if int(request.headers.get("content-length") or 0) > limit:
        raise TooLarge
    parts, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge
        parts.append(chunk)
    return b"".join(parts)


def _not_json(constant: str) -> None:
    """Python's json reads NaN and Infinity, which JSON has not; a callback carrying them is refused."""
    raise ValueError(f"{constant} is not JSON")


def tavus_callback_endpoint(deps: Deps):
    refusals = RefusalLog()
    window = timedelta(hours=deps.settings.CALLBACK_TOKEN_HOURS)

    async def tavus_callback(request: Request) -> JSONResponse:
        token = request.path_params["token"]
        conv = await deps.db.conversation_by_callback_token(token)
        if conv is None or token_expired(conv, window):
            refusals.refused(request.client.host if request.client else "?")
            return JSONResponse({"error": "not found"}, status_code=404)
        keep_secret(token)
        try:
            raw = await read_limited(request)
        except TooLarge:
            return JSONResponse({"error": "body too large"}, status_code=413)
        try:
            event = CallbackEvent.model_validate(json.loads(raw, parse_constant=_not_json))
        except (ValueError, ValidationError):
            return JSONResponse({"error": "not a Tavus callback"}, status_code=400)
        if conv.conversation_id and event.conversation_id != conv.conversation_id:
            return JSONResponse({"error": "conversation does not match"}, status_code=400)
        applied = await deps.callbacks.apply(conv, event)  # committed: no Slack call waits here
        return JSONResponse({"ok": True, "applied": applied})

    return tavus_callback
