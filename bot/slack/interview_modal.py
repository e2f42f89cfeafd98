"""The Start interview modal."""

from __future__ import annotations

from typing import Any

from bot.policy import POLICIES
from bot.records import OpeningRecord, PersonaRecord
from bot.slack import ids
from bot.slack.blocks import plain, section
from bot.slack.candidate_form import candidate_blocks
from bot.slack.modals import (
    LANGUAGES,
    checkbox_input,
    modal,
    option,
    select_input,
    text_input,
    with_errors,
)


def build_interview_modal(
    personas: list[PersonaRecord],
    channel_id: str | None,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    command: str = "/tavus",
    last_used: str | None = None,
    openings: list[OpeningRecord] | None = None,
) -> dict[str, Any]:
    """The form; the persona picker shows names and starts on the one used last."""
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
    names = [p.name.casefold() for p in personas]
    options = [  # a name twice gets its id, so the two can be told apart
        option(p.persona_id, p.name if names.count(p.name.casefold()) == 1 else f"{p.name} ({p.persona_id})")
        for p in personas
    ]
    visible = {p.persona_id for p in personas}  # issue 25: an opening starts with its persona
    options += [
        option(f"opening:{o.id}", f"Opening: {o.name}") for o in openings or [] if o.persona_id in visible
    ]
    ids_shown = {o["value"] for o in options[:100]}
    default = next((x for x in (v.get("persona"), last_used) if x in ids_shown), personas[0].persona_id)
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
        select_input(ids.I_PERSONA, "Persona", options, initial=default),
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
        *candidate_blocks(v),
        {
            "type": "input",
            "block_id": ids.I_CHANNEL,
            "label": plain("Post the interview's card in"),
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
        select_input(  # issue 24: empty keeps the workspace's choice (Interview settings)
            ids.I_POLICY,
            "Rules for this interview (default: the workspace's)",
            [option(p.key, p.label) for p in POLICIES.values()],
            initial=v.get("policy"),
            optional=True,
        ),
    ]
    return modal(
        ids.START_INTERVIEW, "Start interview", with_errors(blocks, errors), submit="Start", metadata=meta
    )
