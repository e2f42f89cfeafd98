"""Request validation of the Tavus simulator, with Tavus's error bodies."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from sim.tavus_state import TavusState

MAX_TEXT = 100_000  # a generous cap; Tavus documents none
TURN_MODELS = (None, "sparrow-1", "sparrow-0", "time-based")  # time-based: older docs


def bad(text: str, status: int = 400, key: str = "error") -> JSONResponse:
    return JSONResponse({key: text}, status_code=status)


def check_persona(body: dict[str, Any], state: TavusState) -> JSONResponse | None:
    """None when Tavus would accept this persona."""
    mode = body.get("pipeline_mode", "full")
    if mode not in ("full", "echo"):
        return bad(f"Invalid pipeline_mode: {mode!r}")
    for key in ("persona_name", "system_prompt", "context"):
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            return bad(f"{key} must be a string")
        if isinstance(value, str) and len(value) > MAX_TEXT:
            return bad(f"{key} is too long")
    if mode == "full" and not (body.get("system_prompt") or "").strip():
        return bad("system_prompt is required when pipeline_mode is full")
    replica = body.get("default_replica_id")
    if replica is not None and replica not in state.replicas:
        return bad("Invalid replica_uuid")
    layers = body.get("layers") or {}
    if not isinstance(layers, dict):
        return bad("layers must be an object")
    perception = (layers.get("perception") or {}).get("perception_model")
    if mode == "echo" and (perception not in (None, "off") or layers.get("stt")):
        return bad("Echo mode cannot be used with the perception or stt layers")
    flow = layers.get("conversational_flow") or {}
    if not isinstance(flow, dict) or flow.get("turn_detection_model") not in TURN_MODELS:
        return bad(f"Invalid turn_detection_model: {flow.get('turn_detection_model')!r}")
    for key, known in (("objectives_id", state.objectives), ("guardrails_id", state.guardrails)):
        if body.get(key) is not None and body[key] not in known:
            return bad(f"Invalid {key}")
    return check_document_ids(body, state)


def check_document_ids(body: dict[str, Any], state: TavusState) -> JSONResponse | None:
    """Attached documents must exist (a document still processing may be attached)."""
    ids = body.get("document_ids")
    if ids is None:
        return None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return bad("document_ids must be a list of strings")
    unknown = [i for i in ids if i not in state.documents]
    return bad(f"Invalid document_ids: {', '.join(unknown)}") if unknown else None


def check_conversation(body: dict[str, Any], state: TavusState) -> JSONResponse | None:
    """None when Tavus would create this conversation."""
    persona = state.personas.get(body.get("persona_id") or "")
    if body.get("persona_id") and persona is None:
        return bad("Invalid persona_id")
    replica = body.get("replica_id") or (persona or {}).get("default_replica_id")
    if not replica:
        return bad("replica_id is required when the persona has no default_replica_id")
    if replica not in state.replicas:
        return bad("Invalid replica_uuid")
    props = body.get("properties") or {}
    if not isinstance(props, dict):
        return bad("properties must be an object")
    duration = props.get("max_call_duration")
    if duration is not None and (not isinstance(duration, int) or not 1 <= duration <= 3600):
        return bad("max_call_duration must be an integer between 1 and 3600")
    if problem := check_document_ids(body, state):
        return problem
    if body.get("test_mode"):
        return None  # test conversations hold no slot and cost nothing
    if state.credits is not None and state.credits <= 0:
        return bad("The user is out of conversational credits", 402, key="message")
    if state.active_count() >= state.concurrency_limit:
        return bad("User has reached maximum concurrent conversations", key="message")
    return None


def paginate(request: Request, rows: list[dict[str, Any]]) -> JSONResponse:
    """Tavus's `limit`/`page` (1-based) pagination with `total_count`."""
    try:
        limit = max(1, min(100, int(request.query_params.get("limit", 10))))
        page = max(1, int(request.query_params.get("page", 1)))
    except ValueError:
        return bad("limit and page must be integers")
    start = (page - 1) * limit
    return JSONResponse({"data": rows[start : start + limit], "total_count": len(rows)})
