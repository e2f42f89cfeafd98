"""What the persona forms ask of Tavus, answered as values and sentences so the listeners never
handle a Tavus error: a create's refusal named by the field Tavus objected to, and the fields of
the edit form as Tavus holds them now."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.records import PersonaRecord
from bot.slack.blocks import esc
from bot.slack.forms import PersonaForm
from bot.slack.messages import tavus_failure
from bot.tavus import errors as te
from bot.tavus.models import Replica
from bot.tavus.persona_context import unfold_context

if TYPE_CHECKING:
    from bot.services.personas.personas import PersonaService


class PersonaRefused(Exception):
    """Tavus refused or failed: `field` is "replica" or "system_prompt" when Tavus named one, and
    `text` the sentence for the person."""

    def __init__(self, text: str, field: str | None = None) -> None:
        super().__init__(text)
        self.text, self.field = text, field


def refusal(exc: te.TavusError, form: PersonaForm) -> PersonaRefused:
    """Tavus's refusal said where it belongs: under the replica when Tavus named it."""
    if isinstance(exc, te.ValidationError) and "replica" in exc.message.lower():
        text = f"Tavus does not know replica {form.replica_id}: choose one from the list."
        return PersonaRefused(text, "replica")
    if isinstance(exc, te.ValidationError) and "system_prompt" in exc.message.lower():
        return PersonaRefused(f"Tavus refused the system prompt: {exc.message}", "system_prompt")
    return PersonaRefused(tavus_failure(exc, "create the persona"))


async def create_persona(
    personas: PersonaService, team_id: str, enterprise_id: str | None, user_id: str, form: PersonaForm
) -> PersonaRecord:
    """The persona made at Tavus and recorded; PersonaRefused when Tavus would not."""
    try:
        return await personas.create(team_id, enterprise_id, user_id, form)
    except te.TavusError as exc:
        raise refusal(exc, form) from exc


async def edit_values(
    personas: PersonaService, team_id: str, persona: PersonaRecord
) -> tuple[dict[str, Any], list[Replica]]:
    """The edit form's values from what Tavus holds now, and the replicas to choose from;
    PersonaRefused when Tavus cannot be read."""
    try:
        remote = await (await personas.tavus_of(persona)).get_persona(persona.persona_id)
    except te.TavusError as exc:
        raise PersonaRefused(tavus_failure(exc, f"load *{esc(persona.name)}*")) from exc
    replicas = await personas.replicas(team_id)
    replica = remote.default_replica_id or persona.replica_id or ""
    listed = replica in {r.replica_id for r in replicas}
    prompt, background = unfold_context(remote.system_prompt)
    values = {
        "name": remote.persona_name or persona.name,
        "system_prompt": prompt,
        "context": background or remote.context,  # an older account may still answer `context`
        "replica": replica if listed else None,
        "custom_replica": None if listed else replica,
        "pipeline_mode": persona.pipeline_mode,
    }
    return values, replicas
