"""Pure builders for the New persona and Start interview modals and their progress views."""

from __future__ import annotations

import json
from typing import Any

from bot import ids
from bot.blocks import Block, context, cut, esc, plain, section
from bot.store import PersonaRecord
from bot.tavus_models import Replica

LANGUAGES = ["english", "spanish", "french", "german", "italian", "portuguese", "japanese", "multilingual"]
LLM_MODELS = ["tavus-gpt-oss", "tavus-gpt-4o", "tavus-gpt-4o-mini"]
PERCEPTION = [("raven-0", "Raven-0 (sees the candidate)"), ("off", "Off")]


def option(value: str, text: str | None = None) -> dict[str, Any]:
    return {"text": plain(text or value), "value": value}


def text_input(
    block_id: str,
    label: str,
    *,
    multiline: bool = False,
    optional: bool = False,
    initial: str | None = None,
    max_length: int = 3000,
    hint: str | None = None,
    placeholder: str | None = None,
) -> Block:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.VALUE,
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = cut(initial, max_length)
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "optional": optional,
        "element": element,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def select_input(
    block_id: str, label: str, options: list[dict[str, Any]], *, initial: str | None, optional: bool = False
) -> Block:
    element: dict[str, Any] = {"type": "static_select", "action_id": ids.VALUE, "options": options[:100]}
    chosen = next((o for o in options[:100] if o["value"] == initial), None)
    if chosen:
        element["initial_option"] = chosen
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "optional": optional,
        "element": element,
    }


def checkbox_input(block_id: str, label: str, options: list[dict[str, Any]], selected: set[str]) -> Block:
    element: dict[str, Any] = {"type": "checkboxes", "action_id": ids.VALUE, "options": options}
    initial = [o for o in options if o["value"] in selected]
    if initial:
        element["initial_options"] = initial
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "optional": True,
        "element": element,
    }


def with_errors(blocks: list[Block], errors: dict[str, str] | None) -> list[Block]:
    """After views.update Slack shows no inline errors: put each under its input ourselves."""
    if not errors:
        return blocks
    out: list[Block] = []
    for block in blocks:
        out.append(block)
        if block.get("block_id") in errors:
            out.append(context(f":warning: {esc(errors[block['block_id']])}"))
    general = errors.get("_form")
    return ([section(f":warning: {esc(general)}")] if general else []) + out


def modal(
    callback_id: str,
    title: str,
    blocks: list[Block],
    *,
    submit: str | None = None,
    metadata: dict[str, Any] | None = None,
    close: str = "Cancel",
) -> dict[str, Any]:
    view = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "close": plain(close, 24),
        "blocks": blocks,
        "private_metadata": json.dumps(metadata or {})[:3000],
    }
    if submit:
        view["submit"] = plain(submit, 24)
    return view


def build_persona_modal(
    replicas: list[Replica],
    default_replica: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    loading: bool = False,
) -> dict[str, Any]:
    v = values or {}
    replica_options = [
        option(r.replica_id, f"{r.replica_name or r.replica_id}")
        for r in replicas
        if (r.status or "ready") == "ready"
    ]
    if not any(o["value"] == default_replica for o in replica_options):
        replica_options.insert(0, option(default_replica, f"Default ({default_replica})"))
    blocks = [
        text_input(ids.P_NAME, "Name", initial=v.get("name"), max_length=100, placeholder="Interviewer"),
        text_input(
            ids.P_PROMPT,
            "System prompt",
            multiline=True,
            initial=v.get("system_prompt"),
            optional=True,
            hint="Required for the full pipeline: who the AI is and how it interviews.",
        ),
        text_input(
            ids.P_CONTEXT,
            "Context",
            multiline=True,
            optional=True,
            initial=v.get("context"),
            hint="Background the AI may use: the role, the team, what to assess.",
        ),
        select_input(ids.P_REPLICA, "Replica", replica_options, initial=v.get("replica") or default_replica),
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
                "options": [
                    option("full", "Full (the AI listens and talks)"),
                    option("echo", "Echo (repeats what you send it)"),
                ],
                "initial_option": option("echo", "Echo (repeats what you send it)")
                if v.get("pipeline_mode") == "echo"
                else option("full", "Full (the AI listens and talks)"),
            },
        },
        select_input(
            ids.P_PERCEPTION,
            "Perception model",
            [option(a, b) for a, b in PERCEPTION],
            initial=v.get("perception", "raven-0"),
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
    ]
    if loading:
        blocks.insert(0, context(":hourglass: Loading replicas from Tavus…"))
    return modal(ids.NEW_PERSONA, "New persona", with_errors(blocks, errors), submit="Create")


def build_interview_modal(
    personas: list[PersonaRecord],
    channel_id: str | None,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    command: str = "/tavus",
) -> dict[str, Any]:
    v = values or {}
    meta = {"channel_id": channel_id}
    if not personas:
        return modal(
            ids.START_INTERVIEW,
            "Start interview",
            [section(f"You have no personas yet. Create one first with `{command} persona`.")],
            metadata=meta,
            close="Close",
        )
    options = [option(p.persona_id, f"{p.name} ({p.persona_id})") for p in personas]
    channel = {
        "type": "conversations_select",
        "action_id": ids.VALUE,
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if v.get("channel") or channel_id:
        channel["initial_conversation"] = v.get("channel") or channel_id
    candidate: dict[str, Any] = {"type": "users_select", "action_id": ids.VALUE}
    if v.get("candidate"):
        candidate["initial_user"] = v["candidate"]
    blocks = [
        select_input(ids.I_PERSONA, "Persona", options, initial=v.get("persona") or personas[0].persona_id),
        text_input(
            ids.I_NAME,
            "Interview name",
            optional=True,
            max_length=120,
            initial=v.get("name"),
            placeholder="Backend engineer, round 1",
        ),
        {
            "type": "input",
            "block_id": ids.I_CANDIDATE,
            "optional": True,
            "label": plain("Candidate (a Slack user)"),
            "element": candidate,
        },
        {
            "type": "input",
            "block_id": ids.I_CHANNEL,
            "label": plain("Post the join link in"),
            "element": channel,
        },
        text_input(
            ids.I_GREETING, "Custom greeting", optional=True, max_length=500, initial=v.get("greeting")
        ),
        text_input(
            ids.I_CONTEXT,
            "Extra context for this interview",
            multiline=True,
            optional=True,
            initial=v.get("extra_context"),
        ),
        {
            "type": "input",
            "block_id": ids.I_MINUTES,
            "label": plain("Maximum duration (minutes)"),
            "element": {
                "type": "number_input",
                "action_id": ids.VALUE,
                "is_decimal_allowed": False,
                "min_value": "1",
                "max_value": "60",
                "initial_value": str(v.get("minutes") or 30),
            },
        },
        checkbox_input(
            ids.I_OPTIONS,
            "Options",
            [option("recording", "Record the call"), option("captions", "Closed captions")],
            set(v.get("options") or []),
        ),
        select_input(
            ids.I_LANGUAGE,
            "Language",
            [option(lang, lang.capitalize()) for lang in LANGUAGES],
            initial=v.get("language") or "english",
        ),
    ]
    return modal(
        ids.START_INTERVIEW, "Start interview", with_errors(blocks, errors), submit="Start", metadata=meta
    )


def build_progress_view(title: str, text: str) -> dict[str, Any]:
    """What the modal shows while Tavus works, so the user knows something is happening."""
    return modal(ids.PROGRESS, title, [section(f":hourglass_flowing_sand: {text}")], close="Close")


def build_result_view(title: str, blocks: list[Block]) -> dict[str, Any]:
    return modal(ids.PROGRESS, title, blocks, close="Done")


def build_tavus_key_modal(own_key: bool, error: str | None = None) -> dict[str, Any]:
    """Set this workspace's own Tavus API key. The current key is never shown, only whether one is set."""
    now = (
        "This workspace uses *its own* Tavus key."
        if own_key
        else "This workspace uses the app's Tavus key, if the app has one."
    )
    blocks = [
        section(now + " A new key replaces it; it is stored encrypted and never shown again."),
        text_input(ids.K_KEY, "Tavus API key", max_length=200, placeholder="paste the key"),
    ]
    return modal(
        ids.TAVUS_KEY, "Tavus key", with_errors(blocks, {ids.K_KEY: error} if error else None), submit="Save"
    )
