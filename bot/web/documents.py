"""POST /tavus/document/{token}: Tavus reports a job description's processing status. The token is
the credential (only its hash is stored); an unknown one is refused like any unknown callback."""

from __future__ import annotations

import json
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.deps import Deps
from bot.logs import keep_secret
from bot.tavus.documents import document_update
from bot.web.callbacks import RefusalLog, TooLarge, read_limited

log = logging.getLogger(__name__)

MAX_BODY = 100_000  # a document's status with its crawled URLs; nothing legitimate is bigger


def document_callback_endpoint(deps: Deps):
    refusals = RefusalLog(what="Tavus document callback(s)")

    async def document_callback(request: Request) -> JSONResponse:
        token = request.path_params["token"]
        persona = await deps.documents.by_token(token)
        if persona is None:
            refusals.refused(request.client.host if request.client else "?")
            return JSONResponse({"error": "not found"}, status_code=404)
        keep_secret(token)
        try:
            doc = document_update(json.loads(await read_limited(request, MAX_BODY)))
        except TooLarge:
            return JSONResponse({"error": "body too large"}, status_code=413)
        except ValueError:
            doc = None
        if doc is None:
            return JSONResponse({"error": "not a Tavus document update"}, status_code=400)
        if doc.document_id != persona.document_id:
            return JSONResponse({"error": "document does not match"}, status_code=400)
        return JSONResponse({"ok": True, "applied": await deps.documents.apply(persona, doc)})

    return document_callback
