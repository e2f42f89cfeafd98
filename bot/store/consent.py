"""Issue 24: consent receipts (what the candidate was shown, by hash and version, and what they
ticked) and the invite's pause when a candidate asks for a person or an accommodation."""

from __future__ import annotations

import json
from typing import Any

from bot.clock import utcnow
from bot.store.backends import insert_sql
from bot.store.base import StoreBase
from bot.store.outbox import Job, enqueue


class ConsentRecords(StoreBase):
    def save_receipt(
        self, conv_token: str, team_id: str, policy: str, version: str, sha256: str, choices: dict[str, bool]
    ) -> None:
        """The receipt of the consent given before this Start (the latest press before Tavus is called)."""
        row = {
            "conv_token": conv_token,
            "team_id": team_id,
            "given_at": utcnow(),
            "policy": policy,
            "notice_version": version,
            "notice_sha256": sha256,
            "choices": json.dumps(choices, sort_keys=True),
        }
        sql, params = insert_sql("consent_receipts", row)
        names = ", ".join(f"{k} = excluded.{k}" for k in row if k != "conv_token")
        with self.db.write() as tx:
            tx.execute(f"{sql} on conflict (conv_token) do update set {names}", params)
            self._audit(tx, team_id, None, "interview.consent", conv_token, f"{version} {sha256[:12]}")

    def receipt(self, conv_token: str) -> dict[str, Any] | None:
        return self._one("select * from consent_receipts where conv_token = ?", (conv_token,))

    def pause_invite(self, conv_token: str, kind: str, text: str, jobs: list[Job]) -> bool:
        """The candidate asked for a person or an accommodation: the invite pauses (no AI interview
        starts from it), with the owner's DM queued. True once, and only for an unused invite."""
        with self.db.write() as tx:
            changed = tx.execute(
                "update invites set request_kind = ?, request_text = ?, requested_at = ? "
                "where conv_token = ? and requested_at is null and conv_token in "
                "(select token from conversations where status = 'invited' and conversation_id is null)",
                (kind, text, utcnow(), conv_token),
            )
            if changed:
                enqueue(tx, jobs)
                team = tx.query("select team_id from invites where conv_token = ?", (conv_token,))
                self._audit(tx, team[0]["team_id"], None, "invite.request", conv_token, kind)
            return changed > 0

    def mark_request_handled(self, conv_token: str, team_id: str, by: str) -> bool:
        """The owner (or an admin) dealt with the candidate's request: who and when, once."""
        with self.db.write() as tx:
            changed = tx.execute(
                "update invites set handled_by = ?, handled_at = ? where conv_token = ? "
                "and requested_at is not null and handled_at is null",
                (by, utcnow(), conv_token),
            )
            if changed:
                self._audit(tx, team_id, by, "invite.request_handled", conv_token, None)
            return changed > 0
