"""Persona ownership records."""

from __future__ import annotations

from dataclasses import asdict

from bot.clock import utcnow
from bot.store.backends import insert_sql
from bot.store.base import StoreBase
from bot.store.records import PersonaRecord


class PersonaRecords(StoreBase):
    def add_persona(self, persona: PersonaRecord, *, actor: str | None = None) -> None:
        with self.db.write() as tx:
            tx.execute(*insert_sql("personas", asdict(persona)))
            self._audit(
                tx,
                persona.team_id,
                actor or persona.owner_id,
                "persona.create",
                persona.persona_id,
                persona.name,
            )

    def persona(self, team_id: str, persona_id: str) -> PersonaRecord | None:
        return PersonaRecord.from_row(
            self._one(
                "select * from personas where team_id = ? and persona_id = ? and deleted_at is null",
                (team_id, persona_id),
            )
        )

    def personas_of(self, team_id: str, owner_id: str) -> list[PersonaRecord]:
        return self._personas("owner_id = ?", (team_id, owner_id))

    def visible_personas(self, team_id: str, user_id: str) -> list[PersonaRecord]:
        """The user's own personas, then the workspace's shared ones."""
        return self._personas("(owner_id = ? or shared = 1)", (team_id, user_id))

    def _personas(self, where: str, params: tuple) -> list[PersonaRecord]:
        sql = (
            f"select * from personas where team_id = ? and {where} and deleted_at is null "
            "order by created_at desc"
        )
        return [PersonaRecord.from_row(r) for r in self.db.read(sql, params)]

    def update_persona(
        self, team_id: str, persona_id: str, *, name: str, replica_id: str, actor: str
    ) -> None:
        """After an edit at Tavus: the name and replica our lists show."""
        with self.db.write() as tx:
            tx.execute(
                "update personas set name = ?, replica_id = ? where team_id = ? and persona_id = ? "
                "and deleted_at is null",
                (name, replica_id, team_id, persona_id),
            )
            self._audit(tx, team_id, actor, "persona.edit", persona_id, name)

    def delete_persona(self, team_id: str, persona_id: str, *, actor: str) -> bool:
        with self.db.write() as tx:
            changed = tx.execute(
                "update personas set deleted_at = ? where team_id = ? and persona_id = ? "
                "and deleted_at is null",
                (utcnow(), team_id, persona_id),
            )
            if changed:
                self._audit(tx, team_id, actor, "persona.delete", persona_id, None)
            return changed > 0
