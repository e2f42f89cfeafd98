"""Creating, finding and deleting personas: Tavus first, then the store."""

from __future__ import annotations

import logging
import time

from bot.records import PersonaRecord
from bot.services.access.people import People
from bot.services.access.workspaces import Workspaces
from bot.services.personas.documents import DocumentService
from bot.services.personas.plans import create_plan, undo_plan
from bot.slack.blocks import esc
from bot.slack.forms import PersonaForm
from bot.slack.messages import tavus_failure
from bot.slack.plan_form import own_words
from bot.store import utcnow
from bot.store.aio import AsyncStore
from bot.tavus import errors as te
from bot.tavus.client import TavusClient
from bot.tavus.models import PatchOperation, Persona, Replica
from bot.tavus.persona_context import fold_context

log = logging.getLogger(__name__)

REPLICA_CACHE_SECONDS = 600
EDITABLE = {  # JSON Pointer at Tavus -> what the person calls it
    "/persona_name": "name",
    "/system_prompt": "system prompt",
    "/context": "context",
    "/default_replica_id": "replica",
}


def patch_ops(current: Persona, form: PersonaForm) -> list[PatchOperation]:
    """RFC 6902 operations turning Tavus's persona into what the form says, field by field."""
    wanted = {
        "/persona_name": form.name,
        # the background goes into the system prompt (bot/tavus/persona_context.py); a `context`
        # Tavus still shows from before is moved there, so it is removed
        "/system_prompt": fold_context(form.system_prompt, form.context),
        "/context": None,
        "/default_replica_id": form.replica_id,
    }
    ops = []
    for path, new in wanted.items():
        old = getattr(current, path[1:]) or None
        if old == (new or None):
            continue
        if not new:
            ops.append(PatchOperation(op="remove", path=path))
        else:
            ops.append(PatchOperation(op="replace" if old is not None else "add", path=path, value=new))
    return ops


class PersonaService:
    def __init__(
        self, db: AsyncStore, ws: Workspaces, people: People, documents: DocumentService | None = None
    ) -> None:
        self.db, self.ws, self.people, self.documents = db, ws, people, documents
        # per Tavus key: an account's replicas include its private ones, never shown to another
        self._replicas: dict[str, tuple[float, list[Replica]]] = {}

    async def tavus(self, team_id: str) -> TavusClient:
        """This workspace's Tavus client (its key is read off the event loop)."""
        return await self.db.run(self.ws.tavus, team_id)

    async def tavus_of(self, persona: PersonaRecord) -> TavusClient:
        """The client of the account `persona` was made in (issue 23)."""
        return await self.db.run(self.ws.tavus_for, persona)

    async def cached_replicas(self, team_id: str) -> list[Replica] | None:
        """This workspace's Tavus account's replicas if fetched recently, else None (the caller
        shows a loading hint)."""
        try:
            fingerprint = (await self.tavus(team_id)).fingerprint
        except te.TavusError:
            return None
        cached = self._replicas.get(fingerprint)
        if cached and time.monotonic() - cached[0] < REPLICA_CACHE_SECONDS:
            return cached[1]
        return None

    async def replica_names(self, team_id: str) -> dict[str, str]:
        """Replica id to name, from what Tavus told us lately (empty when it has not yet)."""
        cached = await self.cached_replicas(team_id) or []
        return {r.replica_id: r.replica_name for r in cached if r.replica_name}

    async def replicas(self, team_id: str) -> list[Replica]:
        cached = await self.cached_replicas(team_id)
        if cached is not None:
            return cached
        try:
            client = await self.tavus(team_id)
            found = await client.list_replicas()
        except te.TavusError as exc:
            log.warning("could not list Tavus replicas: %s", exc)
            return []
        self._replicas[client.fingerprint] = (time.monotonic(), found)
        return found

    async def create(
        self, team_id: str, enterprise_id: str | None, user_id: str, form: PersonaForm
    ) -> PersonaRecord:
        """Create the plan and the persona at Tavus, then record ownership; if a later step fails,
        undo at Tavus."""
        tavus = await self.tavus(team_id)
        hook_url, hook = self.documents.callback() if self.documents else (None, None)
        plan = await create_plan(tavus, form.plan, form.name, document_callback=hook_url)
        try:
            created = await tavus.create_persona(
                form.to_request(plan.objectives_id, plan.guardrails_id, plan.document_id)
            )
        except te.TavusError:
            await undo_plan(tavus, plan)
            raise
        record = PersonaRecord(
            persona_id=created.persona_id,
            team_id=team_id,
            enterprise_id=enterprise_id,
            owner_id=user_id,
            name=form.name,
            created_at=utcnow(),
            pipeline_mode=form.pipeline_mode,
            replica_id=form.replica_id,
            perception_model=form.perception if form.pipeline_mode == "full" else "off",
            shared=int(form.shared),
            objectives_id=plan.objectives_id,
            guardrails_id=plan.guardrails_id,
            document_id=plan.document_id,
            document_status=plan.document_status,
            document_hook=hook if plan.document_id else None,
            tavus_account=tavus.fingerprint,
            guardrail_words=own_words(form.plan.guardrails) if plan.guardrails_id else None,
        )
        try:
            await self.db.add_persona(record)
        except Exception:
            log.exception("recording persona %s failed; deleting it at Tavus", created.persona_id)
            await self._forget_at_tavus(team_id, created.persona_id)
            await undo_plan(tavus, plan)
            raise
        return record

    async def _forget_at_tavus(self, team_id: str, persona_id: str) -> None:
        try:
            await (await self.tavus(team_id)).delete_persona(persona_id)
        except te.TavusError as exc:
            log.error("could not delete orphan persona %s at Tavus: %s", persona_id, exc)

    @staticmethod
    def find(visible: list[PersonaRecord], user_id: str, ref: str) -> PersonaRecord | None:
        """A visible persona by id, or by name (case-insensitive; own personas first)."""
        wanted = ref.strip().casefold()
        by_id = [p for p in visible if p.persona_id.casefold() == wanted]
        by_name = sorted(
            (p for p in visible if p.name.casefold() == wanted), key=lambda p: p.owner_id != user_id
        )
        return (by_id or by_name or [None])[0]

    async def find_all(self, team_id: str, user_id: str, ref: str) -> list[PersonaRecord]:
        """By id (any in the workspace: who may act is checked after), else every visible one of that name."""
        wanted = ref.strip()
        if persona := await self.db.persona(team_id, wanted):
            return [persona]
        visible = await self.db.visible_personas(team_id, user_id)
        return [p for p in visible if p.name.casefold() == wanted.casefold()]

    async def edit(self, team_id: str, user_id: str, persona_id: str, form: PersonaForm) -> str:
        """Send Tavus a JSON Patch of what changed (against what Tavus holds now); a sentence back."""
        persona = await self.db.persona(team_id, persona_id)
        if persona is None:
            return "I found no such persona in this workspace: it may have been deleted."
        if not await self.people.can_manage(team_id, user_id, persona):
            return f"Only <@{persona.owner_id}> or an admin can edit *{esc(persona.name)}*."
        try:
            tavus = await self.tavus_of(persona)
            ops = patch_ops(await tavus.get_persona(persona_id), form)
            if ops:
                await tavus.patch_persona(persona_id, ops)
        except te.TavusError as exc:
            return tavus_failure(exc, f"save *{esc(persona.name)}*")
        if not ops:
            return f"Nothing changed in *{esc(persona.name)}*."
        await self.db.update_persona(
            team_id, persona_id, name=form.name, replica_id=form.replica_id, actor=user_id
        )
        changed = ", ".join(EDITABLE[op.path] for op in ops)
        return f":white_check_mark: Saved *{esc(form.name)}* at Tavus ({changed})."

    async def delete(self, team_id: str, user_id: str, persona_id: str) -> str:
        """Delete after checking ownership; the answer is a sentence for the user."""
        persona = await self.db.persona(team_id, persona_id)
        if persona is None:
            return f"I found no persona `{persona_id[:40]}` in this workspace."
        if not await self.people.can_manage(team_id, user_id, persona):
            return f"Only <@{persona.owner_id}> or an admin can delete *{esc(persona.name)}*."
        try:
            await (await self.tavus_of(persona)).delete_persona(persona.persona_id)
        except te.NotFoundError:  # from the account that made it: gone indeed
            log.info("persona %s was already gone at Tavus", persona.persona_id)
        except te.TavusError as exc:
            return tavus_failure(exc, f"delete *{esc(persona.name)}*")
        if not await self.db.delete_persona(team_id, persona.persona_id, actor=user_id):
            return f"*{esc(persona.name)}* was already deleted."
        return f"Deleted persona *{esc(persona.name)}* (`{persona.persona_id}`)."
