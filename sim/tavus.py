"""A local stand-in for the Tavus v2 API, served over real HTTP.

Behaviour follows ../shared/tavus-api.md. Where that page says "unsure" this simulator picks:
- an unknown persona, or another account's, answers 400 `{"error": "Invalid persona_id"}` (as the
  2026 file documents for GET, PATCH and DELETE); another account's conversation, objectives,
  guardrails or document answers 404 (what Tavus does; the file documents 400 for an unknown
  conversation id, which is what an unknown one gets here);
- each API key is an account: it sees, lists and uses only the objects it made (a key's
  concurrency limit is its own);
- ending an already ended conversation answers 200 (ending is idempotent here);
- PATCH answers 200 with the whole persona, or 304 with no body when nothing changed;
- GET /v2/personas/{id} answers only the fields the May 2026 OpenAPI file lists for it
  (`PERSONA_READ`): no `objectives_id`, `guardrails_id`, `context` nor `pipeline_mode`, though
  create takes the first two;
- injected faults (`/_sim/faults`): `status` answers that status; `status_after` acts, then answers
  that status (a 504 whose message was delivered); `stall_after` acts, then answers too late;
  `drop` acts, then breaks the connection mid-answer; `reset` breaks it without acting;
- deletes answer 204 with no body; lists carry `total_count`; conversations list newest first;
- a private room (`require_auth`) refuses its page without `?t=<meeting_token>` (403); the room's
  page is sim/tavus_room.py;
- objectives, guardrails, documents and send-app-message: see sim/tavus_resources.py and
  sim/tavus_messages.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

import jsonpatch
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sim.tavus_callbacks import CallbackSender
from sim.tavus_control import control_routes
from sim.tavus_messages import message_routes
from sim.tavus_resources import resource_routes
from sim.tavus_room import room_routes
from sim.tavus_state import CALLER, TavusState, new_id, now_iso
from sim.tavus_validate import check_conversation, check_persona, paginate

CREATE_ANSWER_FIELDS = (
    "conversation_id",
    "conversation_name",
    "conversation_url",
    "status",
    "callback_url",
    "created_at",
)

# What `GET /v2/personas/{persona_id}` answers in Tavus's May 2026 OpenAPI file, and nothing more
# (../shared/tavus-openapi-2026-05.yaml): the app must not count on what Tavus does not promise.
PERSONA_READ = (
    "persona_id",
    "persona_name",
    "system_prompt",
    "default_replica_id",
    "document_ids",
    "document_tags",
    "layers",
    "created_at",
    "updated_at",
)


def err(status: int, text: str, key: str = "error", headers: dict | None = None) -> JSONResponse:
    return JSONResponse({key: text}, status_code=status, headers=headers)


class TavusSimulator:
    """Holds the state and builds the ASGI app; `state` may be changed directly by tests."""

    def __init__(self, state: TavusState | None = None) -> None:
        self.state = state or TavusState()
        self.callbacks = CallbackSender(self.state)
        self._bucket = (time.monotonic(), 0.0)
        self.app = Starlette(routes=self._routes() + control_routes(self), lifespan=self._lifespan)
        self.app.add_middleware(_FaultMiddleware, sim=self)

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette):
        yield
        await self.callbacks.close()

    def _routes(self) -> list[Route]:
        return [
            Route("/v2/personas", self.create_persona, methods=["POST"]),
            Route("/v2/personas", self.list_personas, methods=["GET"]),
            Route("/v2/personas/{pid}", self.get_persona, methods=["GET"]),
            Route("/v2/personas/{pid}", self.patch_persona, methods=["PATCH"]),
            Route("/v2/personas/{pid}", self.delete_persona, methods=["DELETE"]),
            Route("/v2/replicas", self.list_replicas, methods=["GET"]),
            Route("/v2/conversations", self.create_conversation, methods=["POST"]),
            Route("/v2/conversations", self.list_conversations, methods=["GET"]),
            Route("/v2/conversations/{cid}", self.get_conversation, methods=["GET"]),
            Route("/v2/conversations/{cid}", self.delete_conversation, methods=["DELETE"]),
            Route("/v2/conversations/{cid}/end", self.end_conversation, methods=["POST"]),
            *room_routes(self),
            *resource_routes(self),
            *message_routes(self),
        ]

    # personas
    async def create_persona(self, request: Request) -> Response:
        body = await _json_object(request)
        problem = body if isinstance(body, Response) else check_persona(body, self.state)
        if problem:
            return problem
        persona = {**body, "persona_id": new_id("p", 7), "created_at": now_iso()}
        persona.setdefault("pipeline_mode", "full")
        persona["updated_at"] = persona["created_at"]
        self.state.personas[persona["persona_id"]] = persona
        self.state.own(persona["persona_id"])
        return JSONResponse(
            {k: persona[k] for k in ("persona_id", "persona_name", "created_at") if k in persona}
        )

    async def list_personas(self, request: Request) -> Response:
        kind = request.query_params.get("persona_type")
        rows = [p for p in self.state.mine(self.state.personas).values() if kind in (None, "user")]
        return paginate(request, rows)

    async def get_persona(self, request: Request) -> Response:
        persona = self.state.personas.get(request.path_params["pid"])
        if persona is None:
            return err(404, "Persona not found")
        shown = {k: v for k, v in persona.items() if k in PERSONA_READ}
        return JSONResponse({"data": [shown]} if self.state.persona_answer == "wrapped" else shown)

    async def patch_persona(self, request: Request) -> Response:
        pid = request.path_params["pid"]
        persona = self.state.personas.get(pid)
        if persona is None:
            return err(404, "Persona not found")
        ops = await _json_body(request)
        if not isinstance(ops, list) or not ops:
            return err(400, "Request body must be a non-empty JSON Patch array")
        try:
            patched = jsonpatch.apply_patch(persona, ops)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError) as exc:
            return err(400, f"Invalid patch: {exc}")
        if patched == persona:
            return Response(status_code=304)
        if patched.get("persona_id") != pid:
            return err(400, "persona_id cannot be changed")
        problem = check_persona(patched, self.state)
        if problem:
            return problem
        patched["updated_at"] = now_iso()
        self.state.personas[pid] = patched
        return JSONResponse(patched)

    async def delete_persona(self, request: Request) -> Response:
        if self.state.personas.pop(request.path_params["pid"], None) is None:
            return err(404, "Persona not found")
        return Response(status_code=204)

    async def list_replicas(self, request: Request) -> Response:
        kind = request.query_params.get("replica_type")
        key = request.headers.get("x-api-key")
        # a replica with an owner_key is that account's private one: only its key lists it
        rows = [
            {k: v for k, v in r.items() if k != "owner_key"}
            for r in self.state.replicas.values()
            if kind in (None, r["replica_type"]) and r.get("owner_key") in (None, key)
        ]
        return paginate(request, rows)

    # conversations
    async def create_conversation(self, request: Request) -> Response:
        body = await _json_object(request)
        if isinstance(body, Response):
            return body
        problem = check_conversation(body, self.state)
        if problem:
            return problem
        conv = self.callbacks.open_conversation(body, str(request.base_url).rstrip("/"))
        self.state.own(conv.conversation_id)
        answer = {k: v for k, v in conv.public().items() if k in CREATE_ANSWER_FIELDS}
        if "meeting_token" in conv.body:
            answer["meeting_token"] = conv.body["meeting_token"]
        return JSONResponse(answer)

    async def list_conversations(self, request: Request) -> Response:
        status = request.query_params.get("status")
        newest_first = reversed(list(self.state.mine(self.state.conversations).values()))
        rows = [c.public() for c in newest_first if status in (None, c.status)]
        return paginate(request, rows)

    async def get_conversation(self, request: Request) -> Response:
        conv = self.state.conversations.get(request.path_params["cid"])
        if conv is None:
            return err(400, "Invalid conversation_id")
        return JSONResponse(conv.public(request.query_params.get("verbose") == "true"))

    async def end_conversation(self, request: Request) -> Response:
        conv = self.state.conversations.get(request.path_params["cid"])
        if conv is None:
            return err(400, "Invalid conversation_id")
        self.callbacks.finish(conv, "end")
        return JSONResponse({"message": "Conversation ended"})

    async def delete_conversation(self, request: Request) -> Response:
        conv = self.state.conversations.pop(request.path_params["cid"], None)
        if conv is None:
            return err(400, "Invalid conversation_id")
        self.callbacks.cancel_timers(conv.conversation_id)
        return Response(status_code=204)

    def rate_limited(self) -> bool:
        """A token bucket: rate_limit_per_second requests a second, bursts of the same size."""
        rate = self.state.rate_limit_per_second
        if not rate:
            return False
        last, used = self._bucket
        now = time.monotonic()
        used = max(0.0, used - (now - last) * rate) + 1
        self._bucket = (now, used)
        return used > rate


class _FaultMiddleware:
    """Auth, request log, injected latency and faults, applied before any route."""

    def __init__(self, app, sim: TavusSimulator) -> None:
        self.app, self.sim = app, sim

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/v2/"):
            return await self.app(scope, receive, send)
        state, method = self.sim.state, scope["method"]
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        key = headers.get("x-api-key")
        state.requests.append({"method": method, "path": path, "at": time.time(), "key": key})
        if key not in (state.api_key, *state.extra_keys):
            return await err(401, "Invalid access token", key="message")(scope, receive, send)
        CALLER.set(key)
        if (refused := _not_yours(state, path)) is not None:
            return await refused(scope, receive, send)
        receive = await _buffered(receive)  # the request has arrived whole, whatever the caller does next
        if delay := state.delay_for(method, path):
            await asyncio.sleep(delay)
        if self.sim.rate_limited():
            return await err(429, "Too many requests", key="message", headers={"Retry-After": "1"})(
                scope, receive, send
            )
        fault = state.take_fault(method, path)
        if fault is None:
            return await self.app(scope, receive, send)
        if fault.kind == "status_after":  # Tavus did the work, then answered an error (a 504)
            await self.app(scope, receive, _discard)
        if fault.kind in ("status", "status_after"):
            extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else None
            body = fault.body or {"error": f"Simulated {fault.status}"}
            return await JSONResponse(body, status_code=fault.status, headers=extra)(scope, receive, send)
        if fault.kind in ("stall_after", "drop"):  # act first: Tavus did the work
            await self.app(scope, receive, _discard)
        if fault.kind == "stall_after":  # then answer too late: the caller times out
            await asyncio.sleep(fault.seconds)
        # drop (after acting) and reset (before): start an answer and break it off
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", b"1000"), (b"content-type", b"application/json")],
            }
        )
        raise ConnectionAbortedError("simulated dropped connection")


def _not_yours(state: TavusState, path: str) -> Response | None:
    """The answer for a path naming an object of another account (/v2/<kind>/<id>/…), or an unknown
    persona (Tavus's 400 `Invalid persona_id`)."""
    parts = path.split("/")
    if len(parts) < 4 or not parts[3]:
        return None
    if parts[2] == "personas" and (parts[3] not in state.personas or not state.visible(parts[3])):
        return err(400, "Invalid persona_id")
    if not state.visible(parts[3]):
        return err(404, f"{parts[2].rstrip('s').capitalize()} not found")
    return None


async def _discard(message: dict) -> None:
    return None


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except ValueError:
        return None


async def _json_object(request: Request) -> dict[str, Any] | Response:
    body = await _json_body(request)
    if not isinstance(body, dict):
        return err(400, "Request body must be a JSON object")
    return body


def build_app(state: TavusState | None = None) -> TavusSimulator:
    """A simulator with fresh state; serve `sim.app`."""
    return TavusSimulator(state)


async def _buffered(receive):
    """Read the whole request body now and replay it: Tavus acts on what it received even if
    the caller hangs up while Tavus works."""
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body, sent = b"".join(chunks), False

    async def replay() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # like a client that stays silent
        return {"type": "http.disconnect"}

    return replay
