"""Workflow Builder in the Slack stand-in (issue 27): a workflow is a list of steps run one after
another, as Slack runs them. An app's step is sent to the app as a signed `function_executed`
event with its inputs and a bot token that works while the step runs; the next step starts when
the app calls `functions.completeSuccess`, and the workflow stops at `functions.completeError`.
Slack's own *Send a message* step posts in a channel. Outputs are checked against the manifest's
`output_parameters` as Slack checks them (`parameter_validation_failed`)."""

from __future__ import annotations

import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

MANIFEST = Path(__file__).resolve().parents[1] / "manifest.yml"
TEMPLATE = re.compile(r"\{\{steps\.(\d+)\.(\w+)\}\}")
TYPES = {"string": str, "integer": int, "boolean": bool}


def manifest_functions() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text()).get("functions") or {}


def metadata_problem(metadata: Any) -> str | None:
    """Slack's message metadata: an event_type and an event_payload object (`invalid_metadata_format`)."""
    if not isinstance(metadata, dict) or not isinstance(metadata.get("event_type"), str):
        return "metadata needs an event_type"
    if not isinstance(metadata.get("event_payload"), dict):
        return "metadata needs an event_payload object"
    return None


def outputs_problem(callback_id: str, outputs: Any) -> str | None:
    """Why Slack would refuse these outputs, or None."""
    spec = manifest_functions().get(callback_id, {}).get("output_parameters", {})
    properties = spec.get("properties", {})
    if not isinstance(outputs, dict):
        return "outputs must be an object"
    missing = [name for name in spec.get("required", []) if name not in outputs]
    unknown = [name for name in outputs if name not in properties]
    wrong = [
        name
        for name, value in outputs.items()
        if name in properties
        and (kind := TYPES.get(properties[name]["type"]))
        and not (isinstance(value, kind) and not (kind is int and isinstance(value, bool)))
    ]
    if missing or unknown or wrong:
        return f"missing {missing}, unknown {unknown}, wrong type {wrong}"
    return None


@dataclass
class Execution:
    id: str
    callback_id: str
    inputs: dict[str, Any]
    token: str
    run: WorkflowRun | None = None
    index: int = 0
    state: str = "running"  # running, completed, failed
    outputs: dict[str, Any] | None = None
    error: str | None = None


@dataclass
class WorkflowRun:
    """One run of a workflow: `steps` are ("form", None, answers), ("app", callback_id, inputs) or
    ("message", channel, text);
    an input or a text may name an earlier step's output as {{steps.N.name}}, and an input may be
    {{trigger.interactivity}}: who ran it, as Slack fills in an interactivity input."""

    steps: list[tuple[str, str, Any]]
    send_event: Any  # the driver's event(): a signed POST of an Events API payload to the app
    post_message: Any  # Slack's own step: (channel, text) -> None
    user: str = "U0OWNER1"  # who started the run (the trigger's interactor)
    id: str = field(default_factory=lambda: "Wx" + secrets.token_hex(6).upper())
    executions: list[Execution] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    state: str = "running"
    error: str | None = None
    undelivered: list[str] = field(default_factory=list)  # events whose POST failed on the network

    def fill(self, value: Any) -> Any:
        if value == "{{trigger.interactivity}}":  # Slack fills it in for the person who ran it
            return {
                "interactivity_pointer": f"{secrets.randbelow(10**12)}.{secrets.token_hex(8)}",
                "interactor": {"id": self.user, "secret": secrets.token_hex(16)},
            }
        if not isinstance(value, str):
            return value
        whole = TEMPLATE.fullmatch(value)
        if whole:  # a whole reference keeps its type (an integer stays one)
            return self.outputs[int(whole[1])].get(whole[2])
        return TEMPLATE.sub(lambda m: str(self.outputs[int(m[1])].get(m[2], "")), value)


class SlackWorkflows:
    """Mixed into SlackSimulator: `self.state`, and `self.token` of the call being answered."""

    def executions(self) -> dict[str, Execution]:
        return self.__dict__.setdefault("_executions", {})

    def step_token_ok(self, token: str | None) -> bool:
        """A step's bot token works while its step runs, as Slack's does."""
        return any(e.token == token and e.state == "running" for e in self.executions().values())

    def start_workflow(self, steps, send_event, post_message, user: str = "U0OWNER1") -> WorkflowRun:
        run = WorkflowRun(steps, send_event, post_message, user)
        threading.Thread(target=self._next_step, args=(run,), daemon=True).start()
        return run

    def _next_step(self, run: WorkflowRun) -> None:
        index = len(run.outputs)
        if index == len(run.steps):
            run.state = "completed"
            return
        kind, target, inputs = run.steps[index]
        if kind == "form":  # Slack's own form step: the answers a person gave are its outputs
            run.outputs.append(dict(inputs))
            self._next_step(run)
            return
        if kind == "message":
            run.post_message(target, run.fill(inputs))
            run.outputs.append({})
            self._next_step(run)
            return
        filled = {name: run.fill(value) for name, value in (inputs or {}).items()}
        execution = Execution(
            "Fx" + secrets.token_hex(6).upper(), target, filled, "xwfp-" + secrets.token_hex(12), run, index
        )
        self.executions()[execution.id] = execution
        run.executions.append(execution)
        try:
            run.send_event(function_executed(execution, manifest_functions().get(target, {})))
        except httpx.TransportError as exc:  # the app went away (or the test's driver did) mid-answer:
            run.undelivered.append(repr(exc))  # the step stays running, as at Slack after its retries

    def m_functions_completeSuccess(self, a: dict) -> dict:
        execution, error = self._execution(a)
        if error:
            return error
        outputs = a.get("outputs")
        if problem := outputs_problem(execution.callback_id, outputs):
            return {"ok": False, "error": "parameter_validation_failed", "errors": [problem]}
        execution.state, execution.outputs = "completed", outputs
        if execution.run is not None:
            execution.run.outputs.append(outputs)
            # after this answer, as Slack does: the next step may call us back
            threading.Thread(target=self._next_step, args=(execution.run,), daemon=True).start()
        return {"ok": True}

    def m_functions_completeError(self, a: dict) -> dict:
        execution, error = self._execution(a)
        if error:
            return error
        if not a.get("error"):
            return {"ok": False, "error": "invalid_arguments"}
        execution.state, execution.error = "failed", a["error"]
        if execution.run is not None:
            execution.run.state, execution.run.error = "failed", a["error"]
        return {"ok": True}

    def _execution(self, a: dict) -> tuple[Execution | None, dict | None]:
        execution = self.executions().get(a.get("function_execution_id") or "")
        if execution is None:
            return None, {"ok": False, "error": "function_execution_not_found"}
        if execution.state != "running":
            return None, {"ok": False, "error": "execution_not_in_running_state"}
        return execution, None


def parameters(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The manifest's parameters as the event lists them: one object each, with is_required."""
    required = set(spec.get("required", []))
    return [
        {"name": name, "is_required": name in required, **{k: v for k, v in p.items() if k != "default"}}
        for name, p in spec.get("properties", {}).items()
    ]


def function_executed(execution: Execution, spec: dict[str, Any]) -> dict[str, Any]:
    """The event's shape as Slack's Events API documents `function_executed`."""
    return {
        "type": "function_executed",
        "function": {
            "id": "Fn" + secrets.token_hex(5).upper(),
            "callback_id": execution.callback_id,
            "title": spec.get("title", execution.callback_id),
            "description": spec.get("description", ""),
            "type": "app",
            "input_parameters": parameters(spec.get("input_parameters", {})),
            "output_parameters": parameters(spec.get("output_parameters", {})),
            "app_id": "A0APP0001",
            "date_created": int(time.time()),
            "date_updated": int(time.time()),
        },
        "inputs": execution.inputs,
        "function_execution_id": execution.id,
        "workflow_execution_id": execution.run.id if execution.run else "Wx" + secrets.token_hex(6).upper(),
        "event_ts": f"{time.time():.6f}",
        "bot_access_token": execution.token,
    }
