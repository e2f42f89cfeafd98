"""Issue 14: invites (private links, stored hashed) and workspace interview settings. The result
messages we posted and erasure (forget, retention) are in bot/store/erasure.py."""

from __future__ import annotations

import hmac
from typing import Any

from bot.clock import utcnow
from bot.logs import keep_secret
from bot.records import ConversationRecord
from bot.store.backends import insert_sql
from bot.store.base import StoreBase
from bot.store.migrations import token_hash
from bot.store.outbox import Job, OutboxRecord, enqueue, lease_held

SETTINGS_DEFAULTS = {
    "open_interviews": 1,
    "results_to": "owner",
    "results_channel": None,
    "consent": None,
    "report_canvas": 0,
    "canvas_refused": None,
    "minutes_cap": None,  # issue 25: Tavus minutes a month; none is no cap
    "cap_set_by": None,
    "cap_warned_month": None,
    "policy": "other",  # issue 24: bot/policy.py
    "notice_in_posting": 0,  # New York City: the notice was given with the job posting
}


def _known(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """An invite as read: its meeting token (it opens the room) joins the log filter first, so
    it stays out of every log line after a restart too, not only in the process that made it."""
    if row is not None:
        keep_secret(row.get("meeting_token"))
    return row


class InviteRecords(StoreBase):
    def save_invite(
        self, conv_token: str, team_id: str, jobs: list[Job] | None = None, **values: Any
    ) -> None:
        """The invite, with the jobs it owes (the candidate's DM) in the same transaction."""
        with self.db.write() as tx:
            tx.execute(*insert_sql("invites", {"conv_token": conv_token, "team_id": team_id, **values}))
            enqueue(tx, jobs or [])

    def begin_invite(
        self, conv: ConversationRecord, jobs: list[Job] | None = None, **values: Any
    ) -> ConversationRecord:
        """begin_conversation and save_invite in one transaction (DuplicateRequest as there)."""
        with self.db.write() as tx:
            self._begin(tx, conv)  # type: ignore[attr-defined]
            tx.execute(*insert_sql("invites", {"conv_token": conv.token, "team_id": conv.team_id, **values}))
            enqueue(tx, jobs or [])
        return conv

    def room_created(
        self, token: str, created: tuple[str, str | None, str], account: str, jobs: list[Job], hold: Job
    ) -> OutboxRecord | None:
        """A private room Tavus made, as update_invite(meeting_token) and conversation_created with
        `jobs` and `hold` (queued held) do, in one transaction: `hold` leased to the caller."""
        conversation_id, url, meeting_token = created
        with self.db.write() as tx:  # the row, its invite, then the jobs: one lock order everywhere
            self._created(tx, token, conversation_id, url, account)  # type: ignore[attr-defined]
            tx.execute("update invites set meeting_token = ? where conv_token = ?", (meeting_token, token))
            enqueue(tx, [*jobs, hold])
            return lease_held(tx, hold.key, hold.held)

    def invite(self, conv_token: str) -> dict[str, Any] | None:
        return _known(self._one("select * from invites where conv_token = ?", (conv_token,)))

    def invite_by_link(self, raw: str) -> tuple[dict[str, Any], ConversationRecord] | None:
        """The invite a link's token opens, looked up by its hash (the token itself is not stored)."""
        digest = token_hash(raw)
        row = _known(self._one("select * from invites where token_hash = ?", (digest,)))
        if row is None or not hmac.compare_digest(row["token_hash"], digest):
            return None
        conv = ConversationRecord.from_row(
            self._one("select * from conversations where token = ?", (row["conv_token"],))
        )
        return (row, conv) if conv else None

    def claim_start(self, conv_token: str) -> bool:
        """invited (or failed before Tavus made anything) → creating, for one request only."""
        with self.db.write() as tx:
            return (
                tx.execute(
                    "update conversations set status = 'creating', error = null, updated_at = ? "
                    "where token = ? and status in ('invited', 'failed') and conversation_id is null",
                    (utcnow(), conv_token),
                )
                > 0
            )

    def unclaim(self, conv_token: str, error: str | None) -> None:
        """Tavus surely made nothing: back to invited, so the candidate can press Start again."""
        with self.db.write() as tx:
            tx.execute(
                "update conversations set status = 'invited', error = ?, updated_at = ? "
                "where token = ? and status = 'creating'",
                ((error or "")[:500] or None, utcnow(), conv_token),
            )

    def update_invite(self, conv_token: str, **values: Any) -> None:
        names = ", ".join(f"{k} = ?" for k in values)
        with self.db.write() as tx:
            tx.execute(f"update invites set {names} where conv_token = ?", (*values.values(), conv_token))

    def first_busy(self, conv_token: str) -> bool:
        """Note that Start met the concurrency limit; True the first time (tell the owner once)."""
        with self.db.write() as tx:  # busy_at is the latest busy Start: the page retries for a while
            tx.execute("update invites set busy_at = ? where conv_token = ?", (utcnow(), conv_token))
            told = "update invites set busy_told = 1 where conv_token = ? and busy_told = 0"
            return tx.execute(told, (conv_token,)) > 0

    def dm_sent(self, conv_token: str, channel: str, ts: str, *, final: bool) -> None:
        """Slack took the candidate's DM: its place, so a retry edits it and never posts again."""
        with self.db.write() as tx:
            tx.execute(
                "update invites set dm_channel = ?, dm_ts = ?, dm_final = ? where conv_token = ?",
                (channel, ts, 1 if final else 0, conv_token),
            )

    def dm_done(self, conv_token: str) -> bool:
        """True once: the candidate's DM was updated for the end of the interview."""
        with self.db.write() as tx:
            return (
                tx.execute(
                    "update invites set dm_final = 1 where conv_token = ? and dm_final = 0 "
                    "and dm_channel is not null",
                    (conv_token,),
                )
                > 0
            )

    def close_invite(self, conv_token: str, reason: str, by: str | None) -> bool:
        """An unused invite is cancelled or expired: ended, its link revoked. True once."""
        now = utcnow()
        with self.db.write() as tx:
            changed = tx.execute(
                "update conversations set status = 'ended', ended_at = ?, shutdown_reason = ?, "
                "ended_by = ?, updated_at = ? where token = ? and status in ('invited', 'failed') "
                "and conversation_id is null",
                (now, reason, by, now, conv_token),
            )
            if changed:
                tx.execute("update invites set revoked_at = ? where conv_token = ?", (now, conv_token))
                team = tx.query("select team_id from conversations where token = ?", (conv_token,))
                action = "interview.cancel" if by else "interview.expire"
                self._audit(tx, team[0]["team_id"], by, action, conv_token, None)
            return changed > 0

    def expired_invites(self, now: str) -> list[str]:
        rows = self.db.read(
            "select token from conversations where status in ('invited', 'failed') "
            "and conversation_id is null and expires_at is not null and expires_at < ?",
            (now,),
        )
        return [r["token"] for r in rows]

    def conversation_by_ref(self, team_id: str, ref: str) -> ConversationRecord | None:
        """By the public reference (ref-…) or the Tavus conversation id."""
        return ConversationRecord.from_row(
            self._one(
                "select * from conversations where team_id = ? and (ref = ? or conversation_id = ?)",
                (team_id, ref, ref),
            )
        )

    def invites_of(self, team_id: str, owner_id: str) -> list[ConversationRecord]:
        rows = self.db.read(
            "select * from conversations where team_id = ? and owner_id = ? and status = 'invited' "
            "order by created_at desc limit 50",
            (team_id, owner_id),
        )
        return [ConversationRecord.from_row(r) for r in rows]

    # workspace settings
    def interview_settings(self, team_id: str) -> dict[str, Any]:
        row = self._one("select * from workspace_settings where team_id = ?", (team_id,)) or {}
        return {k: row.get(k) if row.get(k) is not None else v for k, v in SETTINGS_DEFAULTS.items()}

    def save_interview_settings(self, team_id: str, by: str, **values: Any) -> None:
        row = {"team_id": team_id, **values}
        names = ", ".join(f"{k} = excluded.{k}" for k in values)
        sql, params = insert_sql("workspace_settings", row)
        with self.db.write() as tx:
            tx.execute(f"{sql} on conflict (team_id) do update set {names}", params)
            self._audit(
                tx, team_id, by, "workspace.interview_settings", team_id, str(values.get("results_to"))
            )
