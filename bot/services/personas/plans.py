"""A persona's interview plan at Tavus: objectives, guardrails and a job description, made before
the persona that refers to them, and removed again when the persona cannot be made."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.slack.plan_form import PersonaPlan
from bot.tavus import errors as te
from bot.tavus.client import TavusClient
from bot.tavus.documents import DocumentCreate
from bot.tavus.objectives import GuardrailsCreate, ObjectivesCreate

log = logging.getLogger(__name__)


@dataclass
class PlanIds:
    objectives_id: str | None = None
    guardrails_id: str | None = None
    document_id: str | None = None
    document_status: str | None = None


async def create_plan(
    tavus: TavusClient, plan: PersonaPlan, persona_name: str, *, document_callback: str | None = None
) -> PlanIds:
    """Create what the plan asks for; on a failure, undo what was made and raise.
    `document_callback`: where Tavus reports the job description's processing status."""
    made = PlanIds()
    try:
        if plan.objectives:
            created = await tavus.create_objectives(ObjectivesCreate(data=plan.objectives))
            made.objectives_id = created.objectives_id
        if plan.guardrails:
            name = f"Hiring compliance: {persona_name}"[:100]
            made.guardrails_id = (
                await tavus.create_guardrails(GuardrailsCreate(name=name, data=plan.guardrails))
            ).guardrails_id
        if plan.document_url:
            doc = DocumentCreate(
                document_url=plan.document_url,
                document_name=f"Job description: {persona_name}",
                callback_url=document_callback,
            )
            created = await tavus.create_document(doc)
            made.document_id, made.document_status = created.document_id, created.status
    except te.TavusError:
        await undo_plan(tavus, made)
        raise
    return made


async def undo_plan(tavus: TavusClient, made: PlanIds) -> None:
    """Best effort: what is left behind costs nothing but clutter, so it is logged, not raised."""
    steps = [
        (made.objectives_id, tavus.delete_objectives),
        (made.guardrails_id, tavus.delete_guardrails),
        (made.document_id, tavus.delete_document),
    ]
    for ident, delete in steps:
        if not ident:
            continue
        try:
            await delete(ident)
        except te.TavusError as exc:
            log.warning("could not remove %s at Tavus: %s", ident, exc)
