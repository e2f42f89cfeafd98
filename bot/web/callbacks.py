"""POST /tavus/callback/{token}: Tavus's conversation events. The token is the credential."""

from __future__ import annotations

import json
import logging

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.deps import Deps
from bot.tavus.models import CallbackEvent

log = logging.getLogger(__name__)

MAX_BODY = 2_000_000  # a long transcript is big, but nothing legitimate is bigger than this


def tavus_callback_endpoint(deps: Deps):
    async def tavus_callback(request: Request) -> JSONResponse:
        conv = await deps.db.conversation_by_callback_token(request.path_params["token"])
        if conv is None:
            log.warning(
                "Tavus callback with an unknown token from %s", request.client.host if request.client else "?"
            )
            return JSONResponse({"error": "not found"}, status_code=404)
        if int(request.headers.get("content-length") or 0) > MAX_BODY:
            return JSONResponse({"error": "body too large"}, status_code=413)
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return JSONResponse({"error": "body too large"}, status_code=413)
        try:
            event = CallbackEvent.model_validate(json.loads(raw))
        except (ValueError, ValidationError):
            return JSONResponse({"error": "not a Tavus callback"}, status_code=400)
        if conv.conversation_id and event.conversation_id != conv.conversation_id:
            return JSONResponse({"error": "conversation does not match"}, status_code=400)
        applied = await deps.callbacks.apply(conv, event)  # committed: no Slack call waits here
        return JSONResponse({"ok": True, "applied": applied})

    return tavus_callback
