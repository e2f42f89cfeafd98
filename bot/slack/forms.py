"""Read and validate modal submissions; errors are keyed by block_id for inline display."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.formats import CHANNEL_ID, REPLICA_ID, USER_ID
from bot.policy import POLICIES
from bot.records import PersonaRecord
from bot.slack import ids
from bot.slack.candidate_form import read_candidate
from bot.slack.modals import LANGUAGES, LLM_MODELS
from bot.slack.plan_form import PersonaPlan, plan_values, read_plan
from bot.tavus.models import (
    Layers,
    LlmLayer,
    PerceptionLayer,
    PersonaCreate,
)
from bot.tavus.persona_context import fold_context

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_PROMPT = 3000  # Slack's plain_text_input cap; a forged longer value is refused


def clean(text: Any) -> str:
    """Strip control characters (newlines and tabs stay) and surrounding space."""
    return CONTROL.sub("", text).strip() if isinstance(text, str) else ""


def field_value(values: dict[str, Any], block_id: str) -> Any:
    """The submitted value of one input, whatever its element type."""
    # a forged submission can put anything anywhere: only strings (or lists of them) get through
    block = values.get(block_id) if isinstance(values, dict) else None
    action = block.get(ids.VALUE) if isinstance(block, dict) else None
    if not isinstance(action, dict):
        return None
    kind = action.get("type")
    if kind in ("static_select", "radio_buttons", "external_select"):
        option = action.get("selected_option")
        return _text(option.get("value")) if isinstance(option, dict) else None
    if kind == "checkboxes":
        options = action.get("selected_options")
        chosen = [o.get("value") for o in options if isinstance(o, dict)] if isinstance(options, list) else []
        return [v for v in chosen if isinstance(v, str)]
    if kind == "users_select":
        return _text(action.get("selected_user"))
    if kind == "conversations_select":
        return _text(action.get("selected_conversation"))
    return _text(action.get("value"))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _check_length(errors: dict[str, str], block_id: str, text: str, limit: int, label: str) -> None:
    if len(text) > limit:
        errors[block_id] = f"{label} is {len(text)} characters long; the limit is {limit}."


@dataclass
class PersonaForm:
    name: str
    system_prompt: str
    context: str
    replica_id: str
    pipeline_mode: str
    perception: str
    smart_turn: bool
    llm_model: str | None
    shared: bool
    values: dict[str, Any] = field(default_factory=dict)
    plan: PersonaPlan = field(default_factory=PersonaPlan)

    def to_request(
        self,
        objectives_id: str | None = None,
        guardrails_id: str | None = None,
        document_id: str | None = None,
    ) -> PersonaCreate:
        """The persona Tavus creates; smart turns as the current `sparrow-1` flow (issue 15)."""
        echo = self.pipeline_mode == "echo"
        layers = Layers.with_smart_turns(
            self.smart_turn and not echo,
            perception=None if echo else PerceptionLayer(perception_model=self.perception),
            llm=LlmLayer(model=self.llm_model) if self.llm_model else None,
        )
        return PersonaCreate(
            objectives_id=objectives_id,
            guardrails_id=guardrails_id,
            document_ids=[document_id] if document_id else None,
            persona_name=self.name,
            system_prompt=fold_context(self.system_prompt, self.context),  # no persona context in 2026
            pipeline_mode=self.pipeline_mode,  # type: ignore[arg-type]
            default_replica_id=self.replica_id,
            layers=layers,
        )


def read_persona_form(values: dict[str, Any]) -> tuple[PersonaForm, dict[str, str]]:
    errors: dict[str, str] = {}
    name = clean(field_value(values, ids.P_NAME))
    prompt = clean(field_value(values, ids.P_PROMPT))
    ctx = clean(field_value(values, ids.P_CONTEXT))
    custom = clean(field_value(values, ids.P_CUSTOM_REPLICA))
    replica = custom or clean(field_value(values, ids.P_REPLICA))
    mode = field_value(values, ids.P_MODE) or "full"
    # the short form (issue 22) has none of More options' fields: each takes its default
    perception = field_value(values, ids.P_PERCEPTION) or "off"  # issue 24: opt-in
    turns = field_value(values, ids.P_SMART_TURN)
    smart_turn = "on" in turns if isinstance(turns, list) else mode != "echo"
    llm = field_value(values, ids.P_LLM)
    if not name:
        errors[ids.P_NAME] = "Give the persona a name."
    _check_length(errors, ids.P_NAME, name, 100, "The name")
    _check_length(errors, ids.P_PROMPT, prompt, MAX_PROMPT, "The system prompt")
    _check_length(errors, ids.P_CONTEXT, ctx, MAX_PROMPT, "The context")
    if mode not in ("full", "echo"):
        errors[ids.P_MODE] = "Choose full or echo."
    elif mode == "full" and not prompt:
        errors[ids.P_PROMPT] = "The full pipeline needs a system prompt: tell the AI who it is."
    if not REPLICA_ID.match(replica):
        block = ids.P_CUSTOM_REPLICA if custom else ids.P_REPLICA
        errors[block] = f"'{replica[:40]}' is not a replica id (they look like rfe12d8b9597)."
    if perception not in ("raven-1", "raven-0", "off"):
        errors[ids.P_PERCEPTION] = "Choose Off, Raven-0 or Raven-1."
    if mode == "echo" and perception != "off":
        errors[ids.P_PERCEPTION] = (
            "Echo mode cannot use a perception model: choose Off, or the full pipeline."
        )
    if mode == "echo" and smart_turn:
        errors[ids.P_SMART_TURN] = "Echo mode has no speech recognition: untick smart turn detection."
    if llm is not None and llm not in LLM_MODELS:
        errors[ids.P_LLM] = "Choose one of the listed models."
    shared = "shared" in (field_value(values, ids.P_SHARED) or [])
    plan = read_plan(values, field_value, clean, mode == "echo", errors)
    keep = {
        "name": name,
        "system_prompt": prompt,
        "context": ctx,
        "replica": replica if not custom else None,
        "custom_replica": custom,
        "pipeline_mode": mode,
        "perception": perception,
        "smart_turn": smart_turn,
        "llm_model": llm,
        "shared": shared,
        "more": isinstance(values, dict) and ids.P_MODE in values,  # the long form: draw it again so
        **plan_values(values, field_value, clean),
    }
    form = PersonaForm(name, prompt, ctx, replica, mode, perception, smart_turn, llm, shared, keep, plan)
    return form, errors


@dataclass
class InterviewForm:
    persona: PersonaRecord | None
    name: str
    candidate: str | None
    channel: str
    greeting: str
    extra_context: str
    minutes: int
    recording: bool
    captions: bool
    language: str
    values: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # issue 14: external candidate, window


def read_interview_form(
    values: dict[str, Any], personas: list[PersonaRecord]
) -> tuple[InterviewForm, dict[str, str]]:
    errors: dict[str, str] = {}
    persona_id = field_value(values, ids.I_PERSONA)
    persona = next((p for p in personas if p.persona_id == persona_id), None)
    if persona is None:
        errors[ids.I_PERSONA] = "Choose one of your personas (or one shared with the workspace)."
    name = clean(field_value(values, ids.I_NAME))
    _check_length(errors, ids.I_NAME, name, 120, "The name")
    candidate = field_value(values, ids.I_CANDIDATE)
    if candidate is not None and not USER_ID.match(str(candidate)):
        errors[ids.I_CANDIDATE] = "Pick the candidate from the list."
    channel = field_value(values, ids.I_CHANNEL) or ""
    if not CHANNEL_ID.match(str(channel)):
        errors[ids.I_CHANNEL] = "Choose the channel where the join link goes."
    greeting = clean(field_value(values, ids.I_GREETING))
    _check_length(errors, ids.I_GREETING, greeting, 500, "The greeting")
    extra = clean(field_value(values, ids.I_CONTEXT))
    _check_length(errors, ids.I_CONTEXT, extra, MAX_PROMPT, "The extra context")
    minutes = _minutes(field_value(values, ids.I_MINUTES), errors)
    options = set(field_value(values, ids.I_OPTIONS) or [])
    cand = read_candidate(values, candidate, clean, errors)  # issue 14
    cand["policy"] = field_value(values, ids.I_POLICY) or None  # issue 24: None keeps the workspace's
    if cand["policy"] not in (None, *POLICIES):
        errors[ids.I_POLICY] = "Choose one of the listed places."
    language = field_value(values, ids.I_LANGUAGE) or "english"
    if language not in LANGUAGES:
        errors[ids.I_LANGUAGE] = "Choose a language from the list."
    keep = {
        "persona": persona_id,
        "name": name,
        "candidate": candidate,
        "channel": channel,
        "greeting": greeting,
        "extra_context": extra,
        "minutes": minutes,
        "options": sorted(options),
        "language": language,
        "candidate_name": cand["candidate_name"],
        "candidate_email": cand["candidate_email"],
        "opens_at": cand.pop("opens_epoch"),
        "valid_hours": cand["expires_hours"],
        "policy": cand["policy"],
    }
    form = InterviewForm(
        persona,
        name,
        candidate,
        str(channel),
        greeting,
        extra,
        minutes,
        "recording" in options,
        "captions" in options,
        language,
        keep,
        cand,
    )
    return form, errors


def _minutes(raw: Any, errors: dict[str, str]) -> int:
    try:
        minutes = int(str(raw if raw not in (None, "") else 30).strip())
    except ValueError:
        errors[ids.I_MINUTES] = "Enter a whole number of minutes, from 1 to 60."
        return 30
    if not 1 <= minutes <= 60:
        errors[ids.I_MINUTES] = "Interviews last from 1 to 60 minutes (Tavus's limit is an hour)."
    return minutes
