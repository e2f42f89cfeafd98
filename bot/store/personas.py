"""Persona ownership records."""

from __future__ import annotations

from dataclasses import asdict

from bot.clock import utcnow
from bot.records import PersonaRecord
from bot.store.backends import insert_sql
from bot.store.base import StoreBase


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

    def persona_by_document_hook(self, hook: str) -> PersonaRecord | None:
        """The live persona whose job description reports to the callback with this token hash."""
        return PersonaRecord.from_row(
            self._one("select * from personas where document_hook = ? and deleted_at is null", (hook,))
        )

    def set_document_status(
        self, persona_id: str, document_id: str, status: str | None, error: str | None
    ) -> bool:
        """Record what Tavus says of a persona's document (only the document it still uses). A late
        `started`/`processing` never undoes ready or error: checked here, in the one statement, since
        two answers (a callback and a poll) may be in flight together."""
        settled = status in ("ready", "error", "recrawling")
        with self.db.write() as tx:
            return (
                tx.execute(
                    "update personas set document_status = ?, document_error = ?, document_checked_at = ? "
                    "where persona_id = ? and document_id = ? "
                    "and (? or document_status is null or document_status not in ('ready', 'error'))",
                    (status, error, utcnow(), persona_id, document_id, settled),
                )
                > 0
            )

    def document_checked(self, persona_id: str) -> None:
        """A poll looked at this persona's document (even if it could not read it): others go first."""
        with self.db.write() as tx:
            tx.execute(
                "update personas set document_checked_at = ? where persona_id = ?", (utcnow(), persona_id)
            )

    def documents_pending(self, checked_before: str, limit: int) -> list[PersonaRecord]:
        """Personas whose document is still processing and was not checked since `checked_before`,
        the longest unchecked first."""
        sql = (
            "select * from personas where document_id is not null and deleted_at is null "
            "and (document_status is null or document_status in ('started', 'processing', 'recrawling')) "
            "and (document_checked_at is null or document_checked_at < ?) "
            "order by coalesce(document_checked_at, '') limit ?"
        )
        return [PersonaRecord.from_row(r) for r in self.db.read(sql, (checked_before, limit))]
