"""Send App Message and in-call events (objectives, guardrails) in the Tavus simulator.

`POST /v2/conversations/{id}/send-app-message` records what it received on the conversation
(`app_messages`, with `queued` true while no replica has joined: Tavus holds it until then). It
answers 200 `{"message": "App message queued"}`; 400 `{"error": "App messages can only be sent to
active conversations."}`; 413 over 65 536 bytes; 429 `{"message": "Too many requests"}` with a
Retry-After beyond `app_message_rate_per_minute` for one conversation (this simulator counts per
conversation). 502 and 504 come only from injected faults (`app_message_fault`): a 502 delivers
nothing, a 504 delivers the message and then answers 504, unless told otherwise.
"""

from __future__ import annotations

import json
import math
import re
import time
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sim.tavus_state import Fault, SimConversation, now_iso
from sim.tavus_validate import bad

if TYPE_CHECKING:
    from sim.tavus import TavusSimulator

MAX_BYTES = 65_536
RATE_WINDOW = 60.0
NOT_ACTIVE = "App messages can only be sent to active conversations."
NOT_DELIVERED = "App message could not be delivered. Please retry."
MAYBE_DELIVERED = "App message may have been delivered; check before retrying."
# the inbound interactions, with the property each one needs
EVENT_TYPES = {
    "conversation.append_llm_context": "context",
    "conversation.overwrite_llm_context": "context",
    "conversation.respond": "text",
    "conversation.echo": None,
    "conversation.interrupt": None,
    "conversation.sensitivity": None,
}


def message_routes(sim: TavusSimulator) -> list[Route]:
    async def send(request: Request) -> Response:
        raw = await request.body()
        if len(raw) > MAX_BYTES:
            return bad(f"Request payload is too large (max {MAX_BYTES} bytes)", 413)
        conv = sim.state.conversations.get(request.path_params["cid"])
        if conv is None:
            return bad("Invalid conversation_id")
        if conv.status != "active":
            return bad(NOT_ACTIVE)
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        problem = check_message(body, conv.conversation_id)
        if problem:
            return bad(problem)
        if wait := _rate_wait(conv, sim.state.app_message_rate_per_minute):
            return JSONResponse(
                {"message": "Too many requests"}, status_code=429, headers={"Retry-After": str(wait)}
            )
        conv.app_message_times.append(time.monotonic())
        conv.app_messages.append(
            {
                "event_type": body["event_type"],
                "properties": body.get("properties") or {},
                "received_at": now_iso(),
                "queued": not conv.joined,
            }
        )
        return JSONResponse({"message": "App message queued"})

    return [Route("/v2/conversations/{cid}/send-app-message", send, methods=["POST"])]


def check_message(body: Any, cid: str) -> str | None:
    """What is wrong with an interaction, or None."""
    if not isinstance(body, dict):
        return "Request body must be a JSON object"
    if body.get("message_type") != "conversation":
        return "message_type must be conversation"
    kind = body.get("event_type")
    if kind not in EVENT_TYPES:
        return f"Unsupported event_type: {kind!r}"
    if body.get("conversation_id") not in (None, cid):
        return "conversation_id does not match the conversation in the path"
    props = body.get("properties", {})
    if not isinstance(props, dict):
        return "properties must be an object"
    needed = EVENT_TYPES[kind]
    if needed and not (isinstance(props.get(needed), str) and props[needed].strip()):
        return f"properties.{needed} is required for {kind}"
    return None


def _rate_wait(conv: SimConversation, per_minute: int) -> int:
    """Seconds until another message may be sent, 0 when it may be sent now."""
    now = time.monotonic()
    conv.app_message_times[:] = [t for t in conv.app_message_times if now - t < RATE_WINDOW]
    if len(conv.app_message_times) < per_minute:
        return 0
    return max(1, math.ceil(RATE_WINDOW - (now - conv.app_message_times[0])))


def app_message_fault(cid: str, status: int, times: int = 1, delivered: bool | None = None) -> Fault:
    """A 502 (nothing delivered) or 504 (delivered unless `delivered` is false) for one conversation."""
    if status not in (502, 504):
        raise ValueError("status must be 502 or 504")
    delivered = status == 504 if delivered is None else delivered
    return Fault(
        method="POST",
        path=f"/v2/conversations/{cid}/send-app-message",
        kind="status_after" if delivered else "status",
        status=status,
        body={"error": NOT_DELIVERED if status == 502 else MAYBE_DELIVERED},
        times=times,
    )


def objective_event(
    sim: TavusSimulator, conv: SimConversation, name: str, values: dict[str, Any] | None
) -> dict[str, Any] | str:
    """Emit `conversation.objective.completed`; a complaint (str) when the persona has no such
    objective or the values name variables it does not record."""
    persona = sim.state.personas.get(conv.body.get("persona_id") or "", {})
    objectives = sim.state.objectives.get(persona.get("objectives_id") or "")
    if objectives is None:
        return "this conversation's persona has no objectives"
    found = next((o for o in objectives["data"] if o["objective_name"] == name), None)
    if found is None:
        return f"no objective named {name!r}"
    declared = found.get("output_variables") or []
    if values is None:
        values = {v: f"simulated {v.replace('_', ' ')}" for v in declared}
    if undeclared := sorted(set(values) - set(declared)):
        return f"{name} does not record {undeclared}"
    props = {"objective_name": name, "output_variables": values, "objectives_id": objectives["objectives_id"]}
    return sim.callbacks.emit_live(conv, "conversation.objective.completed", props)


def guardrail_event(
    sim: TavusSimulator, conv: SimConversation, name: str, reason: str | None
) -> dict[str, Any] | str:
    """Emit `conversation.guardrail.triggered`; a complaint (str) when the persona has no such guardrail."""
    persona = sim.state.personas.get(conv.body.get("persona_id") or "", {})
    guardrails = sim.state.guardrails.get(persona.get("guardrails_id") or "")
    if guardrails is None:
        return "this conversation's persona has no guardrails"
    found = next((g for g in guardrails["data"] if g["guardrail_name"] == name), None)
    if found is None:
        return f"no guardrail named {name!r}"
    props = {
        "guardrail_name": name,
        "reason": reason or reason_for(found.get("guardrail_prompt") or name),
        "guardrails_id": guardrails["guardrails_id"],
    }
    return sim.callbacks.emit_live(conv, "conversation.guardrail.triggered", props)


def reason_for(prompt: str) -> str:
    """What Tavus's judge would say, built from the guardrail's own rule (its first sentence):
    a salary rule is not reported as a question about a protected characteristic."""
    rule = " ".join(prompt.split())
    first = re.split(r"(?<=[.!?])\s", rule, maxsplit=1)[0]
    return f'The conversation went against the rule "{first[:300]}"'
