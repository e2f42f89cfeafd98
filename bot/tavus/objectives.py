"""Models for Tavus objectives (an interview plan) and guardrails (lines the interviewer never crosses).

Both are created as a set (`{"data": [...]}`) and attached to a persona by the set's id. What we
send is validated strictly; what Tavus answers is read tolerantly (`extra="allow"`, a set's `data`
as a list or a single object, `guardrail_id` beside `guardrails_id`).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator

from bot.tavus.models import TavusModel

OBJECTIVE_NAME = r"^\S+$"  # Tavus: "a string value without spaces"
GUARDRAIL_NAME = r"^[A-Za-z0-9_]+$"  # Tavus: "only alphanumeric characters and underscores"
MAX_GUARDRAIL_NAME = 100  # the newer guardrail docs' limits; the May 2026 file states none
MAX_GUARDRAIL_PROMPT = 1000


def to_name(label: str, limit: int = MAX_GUARDRAIL_NAME) -> str:
    """A label such as "Last two roles" as a name Tavus accepts for objectives and guardrails."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", label.strip()).strip("_").lower()[:limit]
    return name or "unnamed"


class ObjectiveSpec(TavusModel):
    """One objective as we send it: what to find out, and the values to record."""

    objective_name: str = Field(pattern=OBJECTIVE_NAME)
    objective_prompt: str = Field(min_length=1)
    confirmation_mode: Literal["auto", "manual"] = "auto"
    output_variables: list[str] | None = None
    modality: Literal["verbal", "visual"] | None = None
    next_conditional_objectives: dict[str, str] | None = None
    next_required_objective: str | None = None
    callback_url: str | None = None

    @field_validator("output_variables")
    @classmethod
    def _variables_are_names(cls, value: list[str] | None) -> list[str] | None:
        for name in value or []:
            if not re.match(OBJECTIVE_NAME, name):
                raise ValueError(f"output variable {name!r} must be a name without spaces")
        if value and len(set(value)) != len(value):
            raise ValueError("output variables must not repeat")
        return value


class ObjectivesCreate(TavusModel):
    """The body of `POST /v2/objectives`: one or more objectives whose names are unique."""

    data: list[ObjectiveSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_are_unique_and_links_resolve(self) -> ObjectivesCreate:
        names = [o.objective_name for o in self.data]
        if len(set(names)) != len(names):
            raise ValueError("objective names must be unique")
        for objective in self.data:
            targets = list(objective.next_conditional_objectives or {})
            targets += [objective.next_required_objective] if objective.next_required_objective else []
            missing = [t for t in targets if t not in names]
            if missing:
                raise ValueError(f"{objective.objective_name} leads to unknown objectives: {missing}")
        return self


class Objective(TavusModel):
    """One objective as Tavus lists it; list rows also carry their set's `objectives_id`."""

    objectives_id: str | None = Field(None, validation_alias=AliasChoices("objectives_id", "objective_id"))
    objective_name: str | None = None
    objective_prompt: str | None = None
    confirmation_mode: str | None = None
    output_variables: list[str] | None = None
    modality: str | None = None
    next_conditional_objectives: dict[str, str] | None = None
    next_required_objective: str | None = None
    callback_url: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


def _as_list(value: Any) -> Any:
    """Tavus documents a set's `data` as one object but patches it as a list: take either."""
    if value is None:
        return []
    return [value] if isinstance(value, dict) else value


class ObjectiveSet(TavusModel):
    """What `POST /v2/objectives` and `GET /v2/objectives/{id}` answer."""

    objectives_id: str | None = Field(None, validation_alias=AliasChoices("objectives_id", "objective_id"))
    objective_name: str | None = None
    status: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    data: list[Objective] = Field(default_factory=list)

    @field_validator("data", mode="before")
    @classmethod
    def _data_as_list(cls, value: Any) -> Any:
        return _as_list(value)


class GuardrailSpec(TavusModel):
    """One guardrail as we send it."""

    guardrail_name: str = Field(pattern=GUARDRAIL_NAME, max_length=MAX_GUARDRAIL_NAME)
    guardrail_prompt: str = Field(min_length=1, max_length=MAX_GUARDRAIL_PROMPT)
    modality: Literal["verbal", "visual"] | None = None
    callback_url: str | None = None


class GuardrailsCreate(TavusModel):
    """The body of `POST /v2/guardrails`: a named set of guardrails with unique names."""

    name: str | None = None
    data: list[GuardrailSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_are_unique(self) -> GuardrailsCreate:
        names = [g.guardrail_name for g in self.data]
        if len(set(names)) != len(names):
            raise ValueError("guardrail names must be unique")
        return self


class Guardrail(TavusModel):
    guardrail_name: str | None = None
    guardrail_prompt: str | None = None
    modality: str | None = None
    callback_url: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class GuardrailSet(TavusModel):
    """What `POST /v2/guardrails`, `GET /v2/guardrails/{id}` and the list answer."""

    guardrails_id: str | None = Field(None, validation_alias=AliasChoices("guardrails_id", "guardrail_id"))
    guardrails_name: str | None = Field(None, validation_alias=AliasChoices("guardrails_name", "name"))
    status: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    data: list[Guardrail] = Field(default_factory=list)

    @field_validator("data", mode="before")
    @classmethod
    def _data_as_list(cls, value: Any) -> Any:
        return _as_list(value)
