"""Issue 25: openings (a role: its name, the persona that interviews for it, a job description) and
the decisions people make about the candidates, kept with their history (a new row per change, the
latest wins). A decision is written with a compare-and-set on its version: of two deciders who saw
the same version, one wins and the other is told who decided."""

from __future__ import annotations

import secrets
from dataclasses import asdict
from typing import Any

from bot.clock import utcnow
from bot.records import FORGOTTEN, ConversationRecord, OpeningRecord, name_key
from bot.store.backends import insert_sql
from bot.store.base import StoreBase
from bot.store.erasure import unforgotten
from bot.store.outbox import Job, enqueue

VERDICTS = ("advance", "hold", "reject")


class OpeningTaken(Exception):
    """An opening of this name already exists in the workspace."""


class Decided(Exception):
    """Someone decided first: `latest` is their decision (None: the interview is forgotten)."""

    def __init__(self, latest: dict[str, Any] | None) -> None:
        super().__init__("decided" if latest else "forgotten")
        self.latest = latest


class OpeningRecords(StoreBase):
    def add_opening(
        self, team_id: str, name: str, persona_id: str, owner_id: str, job_description: str | None = None
    ) -> OpeningRecord:
        opening = OpeningRecord(
            id="op-" + secrets.token_hex(5),
            team_id=team_id,
            name=name,
            persona_id=persona_id,
            owner_id=owner_id,
            created_at=utcnow(),
            job_description=job_description,
        )
        row = {**asdict(opening), "name_key": name_key(name)}
        with self.db.write() as tx:
            if not tx.execute(*insert_sql("openings", row, ignore_conflict=True)):
                raise OpeningTaken(name)
            self._audit(tx, team_id, owner_id, "opening.create", opening.id, name)
        return opening

    def openings_in(self, team_id: str) -> list[OpeningRecord]:
        rows = self.db.read(
            "select * from openings where team_id = ? order by created_at desc limit 200", (team_id,)
        )
        return [OpeningRecord.from_row(r) for r in rows]

    def opening_names(self, team_id: str) -> dict[str, OpeningRecord]:
        """Every opening of the workspace by its name's key and by its id, in one query: a command
        that tries several runs of its words as a name looks each up here, not in the database."""
        found: dict[str, OpeningRecord] = {}
        for row in self.db.read("select * from openings where team_id = ?", (team_id,)):
            opening = OpeningRecord.from_row(row)
            found[row["name_key"]] = found[opening.id] = opening
        return found

    def opening_named(self, team_id: str, name: str) -> OpeningRecord | None:
        """By name (any case, any spacing) or by id."""
        row = self._one(
            "select * from openings where team_id = ? and (name_key = ? or id = ?)",
            (team_id, name_key(name), name),
        )
        return OpeningRecord.from_row(row)

    def opening_of(self, conv: ConversationRecord) -> OpeningRecord | None:
        """The opening an interview was started for, if any."""
        if not conv.opening_id:
            return None
        row = self._one(
            "select * from openings where team_id = ? and id = ?", (conv.team_id, conv.opening_id)
        )
        return OpeningRecord.from_row(row)

    def interviews_of_opening(self, team_id: str, opening_id: str) -> list[ConversationRecord]:
        """Every interview of an opening but the forgotten ones, newest first."""
        rows = self.db.read(
            "select * from conversations where team_id = ? and opening_id = ? "
            "and coalesce(token_hash, '') not like ? order by created_at desc limit 500",
            (team_id, opening_id, FORGOTTEN + "%"),
        )
        return [ConversationRecord.from_row(r) for r in rows]

    def opening_counts(self, team_id: str) -> dict[str, dict[str, int]]:
        """Per opening: how many of its (unforgotten) interviews are in each state, and how many
        have each latest decision (`advance`, `hold`, `reject`)."""
        unforgotten_convs = (
            "c.team_id = ? and c.opening_id is not null and coalesce(c.token_hash, '') not like ?"
        )
        counts: dict[str, dict[str, int]] = {}
        for row in self.db.read(
            f"select c.opening_id, c.status as what, count(*) as n from conversations c "
            f"where {unforgotten_convs} group by c.opening_id, c.status",
            (team_id, FORGOTTEN + "%"),
        ) + self.db.read(
            f"select c.opening_id, d.verdict as what, count(*) as n from decisions d join conversations c "
            f"on c.token = d.conv_token where {unforgotten_convs} and d.version = "
            "(select max(version) from decisions e where e.conv_token = d.conv_token) "
            "group by c.opening_id, d.verdict",
            (team_id, FORGOTTEN + "%"),
        ):
            counts.setdefault(row["opening_id"], {})[row["what"]] = int(row["n"])
        return counts

    def compare_canvas(self, opening_id: str) -> str | None:
        row = self._one("select compare_canvas_id from openings where id = ?", (opening_id,))
        return row["compare_canvas_id"] if row else None

    def set_compare_canvas(self, opening_id: str, canvas_id: str | None) -> None:
        """The canvas a long comparison is (re)made in; None once Slack lost it."""
        with self.db.write() as tx:
            tx.execute("update openings set compare_canvas_id = ? where id = ?", (canvas_id, opening_id))

    def interviews_of_persona(self, team_id: str, persona_id: str) -> list[ConversationRecord]:
        """A persona's interviews started without an opening: the persona is then their group."""
        rows = self.db.read(
            "select * from conversations where team_id = ? and persona_id = ? and opening_id is null "
            "and coalesce(token_hash, '') not like ? order by created_at desc limit 500",
            (team_id, persona_id, FORGOTTEN + "%"),
        )
        return [ConversationRecord.from_row(r) for r in rows]

    # decisions
    def decision_of(self, conv_token: str) -> dict[str, Any] | None:
        """The latest decision on an interview (verdict, reason, by_user, at, version, …), or None."""
        return self._one(
            "select * from decisions where conv_token = ? order by version desc limit 1", (conv_token,)
        )

    def decisions_of(self, conv_token: str) -> list[dict[str, Any]]:
        """Its history, oldest first."""
        return self.db.read("select * from decisions where conv_token = ? order by version", (conv_token,))

    def decide(
        self,
        conv: ConversationRecord,
        seen_version: int,
        decision: dict[str, Any],
        jobs: list[Job] | None = None,
    ) -> dict[str, Any]:
        """Record a decision made on the version `seen_version` (0: none yet), with the jobs it owes,
        in one transaction. Raises Decided when another decision came first, or the interview was
        forgotten meanwhile (nothing is written)."""
        row = {**decision, "conv_token": conv.token, "team_id": conv.team_id, "version": seen_version + 1}
        row["at"] = utcnow()
        with self.db.write() as tx:
            if not unforgotten(tx, conv.token):
                raise Decided(None)
            latest = tx.query(
                "select * from decisions where conv_token = ? order by version desc limit 1", (conv.token,)
            )
            if (latest[0]["version"] if latest else 0) != seen_version:
                raise Decided(latest[0])
            # the unique (conv_token, version) index settles two writers that both read `seen_version`
            if not tx.execute(*insert_sql("decisions", row, ignore_conflict=True)):
                raise Decided(
                    tx.query(
                        "select * from decisions where conv_token = ? order by version desc limit 1",
                        (conv.token,),
                    )[0]
                )
            self._audit(tx, conv.team_id, row["by_user"], f"decision.{row['verdict']}", conv.token, None)
            enqueue(tx, jobs or [])
        return row
