"""The simulator's control API (`/_sim/…`): what tests, benchmarks and the playground steer."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from sim.tavus_messages import app_message_fault, guardrail_event, objective_event
from sim.tavus_state import Fault, now_iso

if TYPE_CHECKING:
    from sim.tavus import TavusSimulator

SETTABLE = (
    "concurrency_limit",
    "credits",
    "rate_limit_per_second",
    "time_scale",
    "callback_mode",
    "api_key",
    "transcript_pairs",
    "extra_keys",
    "document_seconds",
    "document_outcome",
    "document_error",
    "app_message_rate_per_minute",
    "persona_answer",
    "recording_form",
)


def control_routes(sim: TavusSimulator) -> list[Route]:
    async def body(request: Request) -> dict[str, Any]:
        raw = await request.body()
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {}
        return data if isinstance(data, dict) else {}

    async def config(request: Request) -> Response:
        data = await body(request)
        unknown = set(data) - set(SETTABLE)
        if unknown:
            return JSONResponse({"error": f"unknown settings: {sorted(unknown)}"}, status_code=400)
        for key, value in data.items():
            setattr(sim.state, key, value)
        return JSONResponse({key: getattr(sim.state, key) for key in SETTABLE if key != "api_key"})

    async def fault(request: Request) -> Response:
        try:
            sim.state.faults.append(Fault(**await body(request)))
        except TypeError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"ok": True, "faults": len(sim.state.faults)})

    async def latency(request: Request) -> Response:
        data = await body(request)
        sim.state.latency = [
            (m, p, s)
            for m, p, s in sim.state.latency
            if (m, p) != (data.get("method", "*"), data.get("path", "/v2/"))
        ]
        if float(data.get("seconds", 0)) > 0:
            sim.state.latency.append(
                (data.get("method", "*"), data.get("path", "/v2/"), float(data["seconds"]))
            )
        return JSONResponse({"ok": True, "latency": sim.state.latency})

    def life_cycle(action: str):
        async def handler(request: Request) -> Response:
            conv = sim.state.conversations.get(request.path_params["cid"])
            if conv is None:
                return JSONResponse({"error": "no such conversation"}, status_code=404)
            changed = sim.callbacks.join(conv) if action == "join" else sim.callbacks.finish(conv, action)
            if request.headers.get("content-type", "").startswith("application/x-www-form"):
                return RedirectResponse(f"/c/{conv.conversation_id}", status_code=303)
            return JSONResponse({"ok": True, "changed": changed, "status": conv.status})

        return handler

    def in_call(kind: str):
        """Objective completions and guardrail triggers, only while the replica is in the call."""

        async def handler(request: Request) -> Response:
            conv = sim.state.conversations.get(request.path_params["cid"])
            if conv is None:
                return JSONResponse({"error": "no such conversation"}, status_code=404)
            if conv.status != "active" or not conv.joined:
                return JSONResponse({"error": "the call is not live"}, status_code=409)
            data = await body(request)
            name = data.get(f"{kind}_name")
            if not isinstance(name, str):
                return JSONResponse({"error": f"{kind}_name is required"}, status_code=400)
            if kind == "objective":
                values = data.get("output_variables")
                if values is not None and not isinstance(values, dict):
                    return JSONResponse({"error": "output_variables must be an object"}, status_code=400)
                event = objective_event(sim, conv, name, values)
            else:
                event = guardrail_event(sim, conv, name, data.get("reason"))
            if isinstance(event, str):
                return JSONResponse({"error": event}, status_code=400)
            return JSONResponse({"ok": True, "event": event})

        return handler

    async def app_messages_fault(request: Request) -> Response:
        data = await body(request)
        try:
            fault = app_message_fault(request.path_params["cid"], **data)
        except (TypeError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        sim.state.faults.append(fault)
        return JSONResponse({"ok": True, "fault": asdict(fault)})

    async def document(request: Request) -> Response:
        """Move a document to `status` now (e.g. error with `error_message`); `notify` false keeps
        its callback from being sent, so only a poll finds out."""
        did, data = request.path_params["did"], await body(request)
        doc = sim.state.documents.get(did)
        if doc is None:
            return JSONResponse({"error": "no such document"}, status_code=404)
        if data.get("status") not in ("started", "processing", "ready", "error", "recrawling"):
            return JSONResponse({"error": "status must be one of Tavus's document statuses"}, status_code=400)
        sim.callbacks.cancel_timers(did)  # the scheduled steps would overwrite it
        doc.update(status=data["status"], updated_at=now_iso(), progress=None)
        doc["error_message"] = (
            data.get("error_message", "document_processing_failed") if data["status"] == "error" else None
        )
        if data.get("notify", True) and doc.get("callback_url"):
            sim.callbacks.post(doc["callback_url"], dict(doc))
        return JSONResponse(doc)

    async def state(request: Request) -> Response:
        st = sim.state
        return JSONResponse(
            {
                "personas": st.personas,
                "conversations": {
                    cid: c.public(verbose=True) | {"joined": c.joined, "app_messages": c.app_messages}
                    for cid, c in st.conversations.items()
                },
                "objectives": st.objectives,
                "guardrails": st.guardrails,
                "documents": st.documents,
                "requests": [{k: v for k, v in r.items() if k != "key"} for r in st.requests[-500:]],
                "callbacks_sent": st.callbacks_sent[-500:],
                "faults": [asdict(f) for f in st.faults if f.times > 0],
            }
        )

    async def reset(request: Request) -> Response:
        sim.callbacks.cancel_all()
        sim.state.__init__()  # type: ignore[misc]
        return JSONResponse({"ok": True})

    return [
        Route("/_sim/config", config, methods=["POST"]),
        Route("/_sim/faults", fault, methods=["POST"]),
        Route("/_sim/latency", latency, methods=["POST"]),
        Route("/_sim/state", state, methods=["GET"]),
        Route("/_sim/reset", reset, methods=["POST"]),
        *[
            Route(f"/_sim/conversations/{{cid}}/{a}", life_cycle(a), methods=["POST"])
            for a in ("join", "leave", "absent", "timeout", "end", "error")
        ],
        Route("/_sim/conversations/{cid}/objective", in_call("objective"), methods=["POST"]),
        Route("/_sim/conversations/{cid}/guardrail", in_call("guardrail"), methods=["POST"]),
        Route("/_sim/conversations/{cid}/app-message-fault", app_messages_fault, methods=["POST"]),
        Route("/_sim/documents/{did}", document, methods=["POST"]),
    ]
