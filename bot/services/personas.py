"""Creating, finding and deleting personas: Tavus first, then the store."""

from __future__ import annotations

import logging
import time

from bot.services.people import People
from bot.services.workspaces import Workspaces
from bot.slack.blocks import esc
from bot.slack.forms import PersonaForm
from bot.slack.messages import tavus_failure
from bot.store import PersonaRecord, utcnow
from bot.store.aio import AsyncStore
from bot.tavus import errors as te
from bot.tavus.client import TavusClient
from bot.tavus.models import Replica

log = logging.getLogger(__name__)

REPLICA_CACHE_SECONDS = 600


class PersonaService:
    def __init__(self, db: AsyncStore, ws: Workspaces, people: People) -> None:
        self.db, self.ws, self.people = db, ws, people
        self._replicas: tuple[float, list[Replica]] | None = None

    async def _tavus(self, team_id: str) -> TavusClient:
        return await self.db.run(self.ws.tavus, team_id)

    def cached_replicas(self) -> list[Replica] | None:
        """The stock replicas if fetched recently, else None (the caller shows a loading hint)."""
        if self._replicas and time.monotonic() - self._replicas[0] < REPLICA_CACHE_SECONDS:
            return self._replicas[1]
        return None

    async def replicas(self, team_id: str) -> list[Replica]:
        cached = self.cached_replicas()
        if cached is not None:
            return cached
        try:
            found = await (await self._tavus(team_id)).list_replicas()
        except te.TavusError as exc:
            log.warning("could not list Tavus replicas: %s", exc)
            return []
        self._replicas = (time.monotonic(), found)
        return found

    async def create(
        self, team_id: str, enterprise_id: str | None, user_id: str, form: PersonaForm
    ) -> PersonaRecord:
        """Create at Tavus, then record ownership; if recording fails, undo at Tavus."""
        created = await (await self._tavus(team_id)).create_persona(form.to_request())
        record = PersonaRecord(
            persona_id=created.persona_id,
            team_id=team_id,
            enterprise_id=enterprise_id,
            owner_id=user_id,
            name=form.name,
            created_at=utcnow(),
            pipeline_mode=form.pipeline_mode,
            replica_id=form.replica_id,
            perception_model=form.perception
            if form.pipeline_mode == "full" and form.perception != "off"
            else None,
            shared=int(form.shared),
        )
        try:
            await self.db.add_persona(record)
        except Exception:
            log.exception("recording persona %s failed; deleting it at Tavus", created.persona_id)
            await self._forget_at_tavus(team_id, created.persona_id)
            raise
        return record

    async def _forget_at_tavus(self, team_id: str, persona_id: str) -> None:
        try:
            await (await self._tavus(team_id)).delete_persona(persona_id)
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

    async def delete(self, team_id: str, user_id: str, persona_id: str) -> str:
        """Delete after checking ownership; the answer is a sentence for the user."""
        persona = await self.db.persona(team_id, persona_id)
        if persona is None:
            return f"I found no persona `{persona_id[:40]}` in this workspace."
        if not await self.people.can_manage(team_id, user_id, persona):
            return f"Only <@{persona.owner_id}> or an admin can delete *{esc(persona.name)}*."
        try:
            await (await self._tavus(team_id)).delete_persona(persona.persona_id)
        except te.NotFoundError:
            log.info("persona %s was already gone at Tavus", persona.persona_id)
        except te.TavusError as exc:
            return tavus_failure(exc, f"delete *{esc(persona.name)}*")
        if not await self.db.delete_persona(team_id, persona.persona_id, actor=user_id):
            return f"*{esc(persona.name)}* was already deleted."
        return f"Deleted persona *{esc(persona.name)}* (`{persona.persona_id}`)."
