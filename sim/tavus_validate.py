"""Request validation of the Tavus simulator, with Tavus's error bodies."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

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
    for key, table in (("objectives_id", state.objectives), ("guardrails_id", state.guardrails)):
        known = state.mine(table)
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
    unknown = [i for i in ids if i not in state.mine(state.documents)]
    return bad(f"Invalid document_ids: {', '.join(unknown)}") if unknown else None


def check_conversation(body: dict[str, Any], state: TavusState) -> JSONResponse | None:
    """None when Tavus would create this conversation."""
    persona = state.mine(state.personas).get(body.get("persona_id") or "")  # another account's: unknown
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
    if "callback_url" in body and not isinstance(body["callback_url"], str):
        return bad("callback_url must be a string")
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


def _items(body: Any) -> list[Any] | str:
    if not isinstance(body, dict):
        return "Request body must be a JSON object"
    data = body.get("data")
    if not isinstance(data, list) or not data:
        return "data must be a non-empty list"
    if not all(isinstance(item, dict) for item in data):
        return "each item of data must be an object"
    return data


def check_objectives(body: Any) -> str | None:
    """Tavus's complaint about an objectives create, or None."""
    data = _items(body)
    if isinstance(data, str):
        return data
    names = [o.get("objective_name") for o in data]
    for o in data:
        name, prompt = o.get("objective_name"), o.get("objective_prompt")
        if not isinstance(name, str) or not name:
            return "objective_name is required"
        if re.search(r"\s", name):
            return f"objective_name must not contain spaces: {name!r}"
        if not isinstance(prompt, str) or not prompt.strip():
            return "objective_prompt is required"
        if o.get("confirmation_mode", "auto") not in ("auto", "manual"):
            return "confirmation_mode must be auto or manual"
        if o.get("modality", "verbal") not in ("verbal", "visual"):
            return "modality must be verbal or visual"
        variables = o.get("output_variables", [])
        if not isinstance(variables, list) or not all(isinstance(v, str) and v for v in variables):
            return "output_variables must be a list of names"
        links = list(o.get("next_conditional_objectives") or {}) + [o.get("next_required_objective")]
        if any(link is not None and link not in names for link in links):
            return f"{name} refers to an objective that is not in this request"
    return "objective names must be unique" if len(set(names)) != len(names) else None


def check_guardrails(body: Any) -> str | None:
    """Tavus's complaint about a guardrails create, or None."""
    data = _items(body)
    if isinstance(data, str):
        return data
    if body.get("name") is not None and not isinstance(body["name"], str):
        return "name must be a string"
    for g in data:
        name, prompt = g.get("guardrail_name"), g.get("guardrail_prompt")
        if not isinstance(name, str) or not name:
            return "guardrail_name is required"
        if not re.fullmatch(r"[A-Za-z0-9_]{1,100}", name):
            return f"guardrail_name may hold only letters, digits and underscores (100 at most): {name!r}"
        if not isinstance(prompt, str) or not prompt.strip() or len(prompt) > 1000:
            return "guardrail_prompt is required (1000 characters at most)"
        if g.get("modality", "verbal") not in ("verbal", "visual"):
            return "modality must be verbal or visual"
    names = [g["guardrail_name"] for g in data]
    return "guardrail names must be unique" if len(set(names)) != len(names) else None


def check_document(body: Any) -> str | None:
    """Tavus's complaint about a document create, or None."""
    if not isinstance(body, dict):
        return "Invalid request: body must be a JSON object"
    url = body.get("document_url")
    if not isinstance(url, str) or not url:
        return "Invalid request: document_url is required"
    parts = urlparse(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "Invalid request: document_url must be a valid URL"
    crawl = body.get("crawl")
    if crawl is not None:
        if not isinstance(crawl, dict):
            return "Invalid request: crawl must be an object"
        for key, top in (("depth", 10), ("max_pages", 100)):
            value = crawl.get(key)
            if value is not None and (not isinstance(value, int) or not 1 <= value <= top):
                return f"Invalid request: crawl.{key} must be between 1 and {top}"
    tags = body.get("tags")
    if tags is not None and (not isinstance(tags, list) or not all(isinstance(t, str) for t in tags)):
        return "Invalid request: tags must be a list of strings"
    return None
