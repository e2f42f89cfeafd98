"""POST /slack/events, bounded: the body is read as it streams in and refused past MAX_SLACK_BODY
(413) before more is buffered, whatever Content-Length says, and a body that is not UTF-8 gets 400.
Bolt reads, decodes and parses the whole body before it checks the signature, so without this one
unsigned request could make the process hold any amount of memory, and a non-UTF-8 body a 500."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.web.callbacks import RefusalLog, TooLarge, read_limited

# Slack's largest request is a view_submission: it carries the whole view back, at most 100 blocks
# (Slack's limit for a modal), each text at most 3,000 characters, private_metadata 3,000, plus
# the state values; form-encoded (`payload=`), percent-escaping can triple that, a few hundred KB
# at worst. Events API and slash command bodies are far smaller. 1 MiB leaves room to spare.
MAX_SLACK_BODY = 1 << 20


def slack_events_endpoint(handle):
    """`handle(request)` is Bolt's Starlette adapter; it gets a request whose body is already read."""
    refusals = RefusalLog(what="Slack request(s)", why="whose body is not UTF-8")
    broken = RefusalLog(what="signed Slack request(s)", why="that Bolt could not read (e.g. `actions: []`)")

    async def slack_events(request: Request) -> Response:
        try:
            raw = await read_limited(request, MAX_SLACK_BODY)
        except TooLarge:
            return JSONResponse({"error": "body too large"}, status_code=413)
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            refusals.refused(request.client.host if request.client else "?")
            return JSONResponse({"error": "body is not UTF-8"}, status_code=400)
        try:
            return await handle(Request(request.scope, receive=_replay(raw)))
        except Exception:  # Bolt's own matchers index the payload (`actions[0]`): a 400, not a 500
            broken.refused(request.client.host if request.client else "?")
            return JSONResponse({"error": "malformed Slack request"}, status_code=400)

    return slack_events


def _replay(raw: bytes):
    """An ASGI receive that hands over the body already read, whole, in one message."""

    async def receive() -> dict:
        return {"type": "http.request", "body": raw, "more_body": False}

    return receive
