"""The New persona modal."""

from __future__ import annotations

from typing import Any

from bot.slack import ids
from bot.slack.blocks import button, context, plain
from bot.slack.modals import (
    LLM_MODELS,
    PERCEPTION,
    checkbox_input,
    modal,
    option,
    select_input,
    text_input,
    with_errors,
)
from bot.slack.plan_form import EXAMPLE, TEMPLATES
from bot.tavus.models import Replica


def build_persona_modal(
    replicas: list[Replica],
    default_replica: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    loading: bool = False,
    editing: str | None = None,
    channel_id: str | None = None,
    more: bool = False,
) -> dict[str, Any]:
    """The New persona form: the essentials (name, system prompt, replica, the interview plan, the
    compliance guardrails) and a *More options* button; with `more` (or values that say so) the
    rest below them, in the same view (views.update keeps what was typed: same block and action
    ids). With `editing` (a persona id) the same form filled in, as Edit persona, without the
    choices Tavus fixes at creation (pipeline, layers, sharing, the plan)."""
    v = values or {}
    more = more or bool(v.get("more")) or bool(editing)
    blocks = essential_blocks(v, replica_options(replicas, default_replica), default_replica)
    if more:
        blocks += [{"type": "divider"}, *more_blocks(v)]
    elif not editing:
        blocks.append(
            {
                "type": "actions",
                "block_id": ids.P_MORE,
                "elements": [button("More options", ids.MORE_PERSONA_OPTIONS)],
            }
        )
    if loading:
        blocks.insert(0, context(":hourglass: Loading replicas from Tavus…"))
    if editing:
        fixed = {ids.P_MODE, ids.P_PERCEPTION, ids.P_SMART_TURN, ids.P_LLM, ids.P_SHARED, *PLAN_BLOCKS}
        blocks = [b for b in blocks if b.get("block_id") not in fixed and b.get("type") != "divider"]
        meta = {"persona_id": editing, "pipeline_mode": v.get("pipeline_mode") or "full"}
        return modal(
            ids.EDIT_PERSONA_VIEW, "Edit persona", with_errors(blocks, errors), submit="Save", metadata=meta
        )
    # the channel of `/tavus persona`: its Start an interview button posts the card there by default
    meta = {"channel_id": channel_id} if channel_id else None
    return modal(ids.NEW_PERSONA, "New persona", with_errors(blocks, errors), submit="Create", metadata=meta)


def replica_options(replicas: list[Replica], default_replica: str) -> list[dict[str, Any]]:
    found = [
        option(r.replica_id, f"{r.replica_name or r.replica_id}")
        for r in replicas
        if (r.status or "ready") == "ready"
    ]
    if not any(o["value"] == default_replica for o in found):
        found.insert(0, option(default_replica, f"Default ({default_replica})"))
    return found


def essential_blocks(v: dict[str, Any], replicas: list[dict[str, Any]], default: str) -> list[dict[str, Any]]:
    """What a first persona needs: who it is, what it does, its face, its plan, its guardrails."""
    return [
        text_input(ids.P_NAME, "Name", initial=v.get("name"), max_length=100, placeholder="Interviewer"),
        text_input(
            ids.P_PROMPT,
            "System prompt",
            multiline=True,
            initial=v.get("system_prompt"),
            optional=True,  # Slack cannot require a field only for one pipeline: checked on submit
            hint="Needed by the full pipeline (the default): who the AI is and how it interviews.",
        ),
        select_input(ids.P_REPLICA, "Replica", replicas, initial=v.get("replica") or default),
        *plan_blocks(v),
    ]


def more_blocks(v: dict[str, Any]) -> list[dict[str, Any]]:
    """More options: each has a default the short form submits without it (forms.read_persona_form)."""
    full = option("full", "Full (the AI listens and talks)")
    echo = option("echo", "Echo (repeats what you send it)")
    return [
        text_input(
            ids.P_CONTEXT,
            "Context",
            multiline=True,
            optional=True,
            initial=v.get("context"),
            hint="Background the AI may use: the role, the team, what to assess.",
        ),
        text_input(
            ids.P_CUSTOM_REPLICA,
            "Or a custom replica id",
            optional=True,
            max_length=40,
            initial=v.get("custom_replica"),
            placeholder="r1234abcd",
        ),
        {
            "type": "input",
            "block_id": ids.P_MODE,
            "label": plain("Pipeline mode"),
            "element": {
                "type": "radio_buttons",
                "action_id": ids.VALUE,
                "options": [full, echo],
                "initial_option": echo if v.get("pipeline_mode") == "echo" else full,
            },
        },
        select_input(
            ids.P_PERCEPTION,
            "Perception model",
            [option(a, b) for a, b in PERCEPTION],
            initial=v.get("perception", "off"),
        ),
        checkbox_input(
            ids.P_SMART_TURN,
            "Turn taking",
            [option("on", "Smart turn detection")],
            {"on"} if v.get("smart_turn", True) else set(),
        ),
        select_input(
            ids.P_LLM, "LLM model", [option(m) for m in LLM_MODELS], initial=v.get("llm_model"), optional=True
        ),
        checkbox_input(
            ids.P_SHARED,
            "Sharing",
            [option("shared", "Let the whole workspace use it")],
            {"shared"} if v.get("shared") else set(),
        ),
        *more_plan_blocks(v),
    ]


PLAN_BLOCKS = (
    ids.P_TEMPLATE,
    ids.P_PLAN,
    ids.P_GUARDRAILS,
    ids.P_GUARDRAILS_WHY,
    ids.P_GUARDRAIL_LINES,
    ids.P_JD_URL,
)


def plan_blocks(v: dict[str, Any]) -> list[dict[str, Any]]:
    """The interview plan and the compliance guardrails (on unless turned off with a reason):
    created at Tavus with the persona (issue 15)."""
    guarded = v.get(ids.P_GUARDRAILS)
    return [
        select_input(
            ids.P_TEMPLATE,
            "Interview plan template",
            [option(key, label) for key, (label, _) in TEMPLATES.items()],
            initial=v.get(ids.P_TEMPLATE),
            optional=True,
        ),
        text_input(
            ids.P_PLAN,
            "Interview plan",
            multiline=True,
            optional=True,
            initial=v.get(ids.P_PLAN),
            hint=f"One objective a line: {EXAMPLE}. Left empty, the template chosen above is used.",
        ),
        checkbox_input(
            ids.P_GUARDRAILS,
            "Compliance guardrails",
            [option("on", "Never ask about age, origin, health, family, beliefs…; promise no outcome")],
            {"on"} if guarded is None or "on" in guarded else set(),
        ),
        text_input(
            ids.P_GUARDRAILS_WHY,
            "Why turn them off",
            optional=True,
            initial=v.get(ids.P_GUARDRAILS_WHY),
            hint="Only if you untick the guardrails: a sentence explaining the risk you accept.",
        ),
    ]


def more_plan_blocks(v: dict[str, Any]) -> list[dict[str, Any]]:
    """The recruiter's own guardrail lines and the job description, under More options."""
    return [
        text_input(
            ids.P_GUARDRAIL_LINES,
            "Extra guardrail lines",
            multiline=True,
            optional=True,
            initial=v.get(ids.P_GUARDRAIL_LINES),
            hint="One rule a line, e.g. Never discuss other candidates.",
        ),
        text_input(
            ids.P_JD_URL,
            "Job description URL",
            optional=True,
            max_length=2000,
            initial=v.get(ids.P_JD_URL),
            placeholder="https://example.com/jobs/backend.pdf",
        ),
    ]
