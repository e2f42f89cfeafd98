"""The interview plan part of the New persona form: objectives, compliance guardrails, a job description.

A plan is one objective per line, `name: what to find out -> var1, var2`; names become what Tavus
accepts (no spaces). Errors are keyed by block_id for inline display.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from bot.slack import ids
from bot.tavus.documents import DocumentCreate
from bot.tavus.objectives import MAX_GUARDRAIL_PROMPT, GuardrailSpec, ObjectiveSpec, to_name

MAX_OBJECTIVES = 20
MAX_EXTRA_GUARDRAILS = 10
ARROW = re.compile(r"\s*(?:->|→)\s*")
EXAMPLE = "experience: ask about their last two roles -> years, main_stack"

TEMPLATES = {
    "screening": (
        "Screening call",
        "motivation: why this role and why now -> motivation\n"
        "experience: their last two roles and what they owned -> years, main_stack\n"
        "logistics: notice period, location and work authorisation -> notice_period, location\n"
        "expectations: salary range and working arrangement they expect -> salary_range",
    ),
    "deep_dive": (
        "Technical deep-dive",
        "system: a system they built end to end, its scale and their part -> system, scale\n"
        "tradeoffs: a hard technical trade-off they made and why -> tradeoff\n"
        "debugging: how they found and fixed a hard production bug -> approach\n"
        "quality: how they test and review code -> testing_practice",
    ),
}

COMPLIANCE = {  # hiring compliance: what an interviewer never asks about nor comments on
    "no_age": "age or date of birth",
    "no_race_or_ethnicity": "race or ethnicity",
    "no_religion": "religion or beliefs",
    "no_disability_or_health": "disability or health",
    "no_pregnancy_or_family_plans": "pregnancy or family plans",
    "no_marital_status": "marital status",
    "no_sexual_orientation": "sexual orientation",
    "no_national_origin": "national origin or citizenship (beyond whether they are authorised to work)",
}


# what the report and the owner's alert call each built-in guardrail the interviewer hit
GUARDRAIL_LABELS = {
    "no_age": "asked about age",
    "no_race_or_ethnicity": "asked about race or ethnicity",
    "no_religion": "asked about religion or beliefs",
    "no_disability_or_health": "asked about disability or health",
    "no_pregnancy_or_family_plans": "asked about pregnancy or family plans",
    "no_marital_status": "asked about marital status",
    "no_sexual_orientation": "asked about sexual orientation",
    "no_national_origin": "asked about national origin or citizenship",
    "no_outcome_promises": "promised an outcome, an offer or a salary",
}


def own_words(guardrails: list[GuardrailSpec]) -> str | None:
    """The recruiter's own lines as stored with the persona (JSON name -> the line as written):
    Tavus only reports a guardrail's name, which for these says nothing (`recruiter_rule_1`)."""
    mine = {
        g.guardrail_name: g.guardrail_prompt for g in guardrails if g.guardrail_name not in GUARDRAIL_LABELS
    }
    return json.dumps(mine) if mine else None


def read_words(stored: str | None) -> dict[str, str]:
    """What own_words stored; {} for none or anything unreadable."""
    try:
        found = json.loads(stored or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def guardrail_words(name: str, words: dict[str, str]) -> str:
    """A guardrail in plain words, as text to escape: the recruiter's line, the built-in set's label,
    or (a persona made before the words were kept) its name with spaces."""
    return words.get(name) or GUARDRAIL_LABELS.get(name) or name.replace("_", " ").strip() or "unnamed"


def compliance_guardrails(extra: list[str]) -> list[GuardrailSpec]:
    """The hiring-compliance set, then the recruiter's own lines."""
    specs = [
        GuardrailSpec(
            guardrail_name=name,
            guardrail_prompt=f"Never ask about or comment on the candidate's {what}. "
            "If the candidate raises it, do not discuss it and move on.",
        )
        for name, what in COMPLIANCE.items()
    ]
    specs.append(
        GuardrailSpec(
            guardrail_name="no_outcome_promises",
            guardrail_prompt="Never promise or hint at the outcome of the application, an offer or a salary.",
        )
    )
    specs += [
        GuardrailSpec(guardrail_name=f"recruiter_rule_{i}", guardrail_prompt=line)
        for i, line in enumerate(extra, 1)
    ]
    return specs


@dataclass
class PersonaPlan:
    objectives: list[ObjectiveSpec] = field(default_factory=list)
    guardrails: list[GuardrailSpec] = field(default_factory=list)
    guardrails_off_why: str | None = None
    document_url: str | None = None

    def __bool__(self) -> bool:
        return bool(self.objectives or self.guardrails or self.document_url)


def parse_plan(text: str) -> tuple[list[ObjectiveSpec], str | None]:
    """Objectives from the plan's lines, or the first problem in words."""
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if len(lines) > MAX_OBJECTIVES:
        return [], f"A plan has at most {MAX_OBJECTIVES} objectives; this one has {len(lines)}."
    found: list[ObjectiveSpec] = []
    for n, line in lines:
        label, colon, rest = line.partition(":")
        parts = ARROW.split(rest, maxsplit=1)
        prompt, variables = parts[0].strip(), (parts[1] if len(parts) > 1 else "")
        if not colon or not label.strip() or not prompt:
            return [], f"Line {n} ('{line[:40]}') needs a name, a colon and what to find out, e.g. {EXAMPLE}"
        names = [to_name(v, 60) for v in variables.split(",") if v.strip()]
        if len(set(names)) != len(names):
            return [], f"Line {n} records the same value twice."
        name = to_name(label, 60)
        if any(o.objective_name == name for o in found):
            return [], f"Two objectives are called '{name}': give each line its own name."
        found.append(
            ObjectiveSpec(objective_name=name, objective_prompt=prompt, output_variables=names or None)
        )
    return found, None


PLAN_FIELDS = (ids.P_PLAN, ids.P_TEMPLATE, ids.P_GUARDRAILS_WHY, ids.P_GUARDRAIL_LINES, ids.P_JD_URL)


def plan_values(values: dict[str, Any], read: Any, clean: Any) -> dict[str, Any]:
    """The plan fields as submitted, only strings (and the checkbox list), to fill the form again."""
    kept: dict[str, Any] = {k: clean(read(values, k)) or None for k in PLAN_FIELDS}
    chosen = read(values, ids.P_GUARDRAILS)
    kept[ids.P_GUARDRAILS] = chosen if isinstance(chosen, list) else None
    return kept


def read_plan(
    values: dict[str, Any], read: Any, clean: Any, echo: bool, errors: dict[str, str]
) -> PersonaPlan:
    """The plan fields of a submission (`read` is forms.field_value, `clean` forms.clean)."""
    text = clean(read(values, ids.P_PLAN))
    template = read(values, ids.P_TEMPLATE)
    if not text and isinstance(template, str) and template in TEMPLATES:
        text = TEMPLATES[template][1]
    plan = PersonaPlan()
    if echo and text:
        errors[ids.P_PLAN] = "Echo mode has no AI to follow a plan: leave it empty, or use the full pipeline."
    elif text:
        plan.objectives, problem = parse_plan(text)
        if problem:
            errors[ids.P_PLAN] = problem
    chosen = read(values, ids.P_GUARDRAILS)
    if chosen is None:  # the Edit persona form has no plan: Tavus fixes it at creation
        return plan
    on = isinstance(chosen, list) and "on" in chosen
    why = clean(read(values, ids.P_GUARDRAILS_WHY))
    extra = [line.strip() for line in clean(read(values, ids.P_GUARDRAIL_LINES)).splitlines() if line.strip()]
    if not on and not echo and len(why.split()) < 4:
        errors[ids.P_GUARDRAILS_WHY] = (
            "Turning the compliance guardrails off risks discriminatory questions: say in a sentence why."
        )
    long = next((line for line in extra if len(line) > MAX_GUARDRAIL_PROMPT), None)
    if len(extra) > MAX_EXTRA_GUARDRAILS:
        errors[ids.P_GUARDRAIL_LINES] = f"At most {MAX_EXTRA_GUARDRAILS} extra lines."
    elif long:
        errors[ids.P_GUARDRAIL_LINES] = f"Each line may be {MAX_GUARDRAIL_PROMPT} characters at most."
    elif extra and (echo or not on):
        errors[ids.P_GUARDRAIL_LINES] = (
            "Extra lines need the compliance guardrails on (and the full pipeline)."
        )
    elif on and not echo:
        plan.guardrails = compliance_guardrails(extra)
    plan.guardrails_off_why = why if not on else None
    url = clean(read(values, ids.P_JD_URL))
    if url:
        try:
            plan.document_url = DocumentCreate(document_url=url).document_url
        except ValidationError:
            errors[ids.P_JD_URL] = "Give a web address starting with https:// that Tavus can download."
    return plan
