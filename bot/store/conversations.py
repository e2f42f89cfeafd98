"""Conversation records and their state machine: creating → waiting → live → ended (or failed)."""

from __future__ import annotations

import hmac
import json
from dataclasses import asdict

from bot.clock import utcnow
from bot.records import ConversationRecord, DuplicateRequest
from bot.store.backends import Tx, insert_sql
from bot.store.base import StoreBase
from bot.store.migrations import token_hash
from bot.store.outbox import Job, enqueue
from bot.store.usage import settle_seconds


def run_settings(tx: Tx, conv: ConversationRecord) -> str:
    """The settings an interview runs with, as audit facts (ids only, no content; issue 24)."""
    rows = tx.query(
        "select perception_model, objectives_id, guardrails_id, pipeline_mode, replica_id "
        "from personas where persona_id = ?",
        (conv.persona_id,),
    )
    return json.dumps({"persona_id": conv.persona_id, **(rows[0] if rows else {})})


class ConversationRecords(StoreBase):
    def begin_conversation(self, conv: ConversationRecord) -> ConversationRecord:
        """Record the intent (status `creating`) before Tavus is called. A second start with the
        same request key, from any instance, raises DuplicateRequest with the first one."""
        with self.db.write() as tx:
            self._begin(tx, conv)
        return conv

    def _begin(self, tx: Tx, conv: ConversationRecord) -> None:
        conv.updated_at = conv.created_at
        conv.token_hash = conv.token_hash or token_hash(conv.token)  # the callback credential's hash
        if not tx.execute(*insert_sql("conversations", asdict(conv), ignore_conflict=True)):
            rows = tx.query("select * from conversations where request_key = ?", (conv.request_key,))
            raise DuplicateRequest(ConversationRecord.from_row(rows[0]))
        facts = run_settings(tx, conv)
        self._audit(tx, conv.team_id, conv.owner_id, "interview.start", conv.token, conv.name, facts)

    def conversation_created(
        self,
        token: str,
        conversation_id: str,
        url: str | None,
        jobs: list[Job] | None = None,
        account: str | None = None,
    ) -> None:
        """Tavus created it (in `account`): creating (or failed, when adopted late) → waiting; with
        the jobs it owes (post the card, DM the candidate)."""
        with self.db.write() as tx:  # the row first, then the jobs: one lock order everywhere
            self._created(tx, token, conversation_id, url, account)
            enqueue(tx, jobs or [])

    @staticmethod
    def _created(tx: Tx, token: str, conversation_id: str, url: str | None, account: str | None) -> None:
        tx.execute(
            "update conversations set conversation_id = ?, url = ?, error = null, "
            "status = case when status in ('creating', 'failed') then 'waiting' else status end, "
            "tavus_account = coalesce(?, tavus_account), updated_at = ? where token = ?",
            (conversation_id, url, account, utcnow(), token),
        )

    def conversation_failed(self, token: str, error: str, jobs: list[Job] | None = None) -> bool:
        """creating → failed, with `jobs` (tell the owner) when this call made the change."""
        with self.db.write() as tx:
            changed = tx.execute(
                "update conversations set status = 'failed', error = ?, updated_at = ? "
                "where token = ? and status = 'creating'",
                (error[:500], utcnow(), token),
            )
            enqueue(tx, jobs if changed and jobs else [])
            return changed > 0

    def set_message(
        self, token: str, channel_id: str, message_ts: str, status: str | None = None
    ) -> ConversationRecord | None:
        """The card's place, and the status it shows when given (card_drawn in the same write);
        the record as it is then."""
        with self.db.write() as tx:
            tx.execute(
                "update conversations set channel_id = ?, message_ts = ?, updated_at = ?, "
                "card_status = coalesce(?, card_status) where token = ?",
                (channel_id, message_ts, utcnow(), status, token),
            )
            rows = tx.query("select * from conversations where token = ?", (token,))
        return ConversationRecord.from_row(rows[0] if rows else None)

    def card_drawn(self, token: str, status: str) -> None:
        """The status the channel card shows now, so recovery can find cards that lag."""
        with self.db.write() as tx:
            tx.execute("update conversations set card_status = ? where token = ?", (status, token))

    def set_call(self, token: str, call_id: str) -> None:
        with self.db.write() as tx:
            tx.execute("update conversations set call_id = ? where token = ?", (call_id, token))

    def note_error(self, token: str, error: str) -> None:
        """Keep why a step failed (e.g. the card could not be posted) without changing status."""
        with self.db.write() as tx:
            tx.execute(
                "update conversations set error = ?, updated_at = ? where token = ?",
                (error[:500], utcnow(), token),
            )

    def mark_live(self, token: str, at: str, jobs: list[Job] | None = None) -> bool:
        """Joined: live unless already ended (a late join must not reopen a call)."""
        with self.db.write() as tx:
            changed = self._mark_live(tx, token, at)
            enqueue(tx, jobs if changed and jobs else [])
            return changed

    @staticmethod
    def _mark_live(tx: Tx, token: str, at: str) -> bool:
        changed = tx.execute(
            "update conversations set live_at = coalesce(live_at, ?), updated_at = ?, "
            "status = case when status in ('creating', 'waiting') then 'live' else status end "
            "where token = ? and (live_at is null or status in ('creating', 'waiting'))",
            (at, utcnow(), token),
        )
        if changed:
            settle_seconds(tx, token)  # a join that arrives after the end still counts its time
        return changed > 0

    def set_ending(self, token: str, by: str | None) -> None:
        """Who is ending it, written before Tavus is asked, so the shutdown callback that may
        overtake our own update still says who ended the call. None clears it after a failure."""
        with self.db.write() as tx:
            tx.execute(
                "update conversations set ended_by = ? where token = ? and status != 'ended'", (by, token)
            )

    def mark_ended(
        self, token: str, *, at: str, reason: str | None, by: str | None = None, jobs: list[Job] | None = None
    ) -> bool:
        """Ended, once: True only for the call that made the change, which also queues `jobs`."""
        with self.db.write() as tx:
            changed = self._mark_ended(tx, token, at=at, reason=reason, by=by)
            enqueue(tx, jobs if changed and jobs else [])
            return changed

    def _mark_ended(self, tx: Tx, token: str, *, at: str, reason: str | None, by: str | None) -> bool:
        changed = tx.execute(
            "update conversations set status = 'ended', ended_at = ?, shutdown_reason = ?, "
            "ended_by = coalesce(?, ended_by), updated_at = ? where token = ? and status != 'ended'",
            (at, reason, by, utcnow(), token),
        )
        if changed:
            settle_seconds(tx, token)
        if changed and by:
            team = tx.query("select team_id from conversations where token = ?", (token,))[0]["team_id"]
            self._audit(tx, team, by, "interview.end", token, reason)
        return changed > 0

    def conversation_by_callback_token(self, token: str) -> ConversationRecord | None:
        """The conversation a callback URL's token belongs to, compared in constant time."""
        digest = token_hash(token)
        row = self._one("select * from conversations where token_hash = ?", (digest,))
        if row is None or not hmac.compare_digest(row["token_hash"].encode(), digest.encode()):
            return None
        return ConversationRecord.from_row(row)

    def conversation_by_token(self, token: str) -> ConversationRecord | None:
        return ConversationRecord.from_row(self._one("select * from conversations where token = ?", (token,)))

    def conversation(self, team_id: str, conversation_id: str) -> ConversationRecord | None:
        return ConversationRecord.from_row(
            self._one(
                "select * from conversations where team_id = ? and conversation_id = ?",
                (team_id, conversation_id),
            )
        )

    def active_of(self, team_id: str, owner_id: str) -> list[ConversationRecord]:
        return self._conversations(
            "team_id = ? and owner_id = ? and status in ('waiting', 'live')", (team_id, owner_id)
        )

    def active_in_team(self, team_id: str) -> list[ConversationRecord]:
        """Every invite, waiting and live interview in one workspace, whoever started it, for its
        admins (who may end or cancel any of them)."""
        return self._conversations("team_id = ? and status in ('invited', 'waiting', 'live')", (team_id,))

    def last_persona_used(self, team_id: str, owner_id: str) -> str | None:
        """The persona of the person's latest interview: the one they most likely want again."""
        rows = self._conversations("team_id = ? and owner_id = ?", (team_id, owner_id), limit=1)
        return rows[0].persona_id if rows else None

    def active_everywhere(self) -> list[ConversationRecord]:
        """Every waiting or live conversation, for the reconciler."""
        return self._conversations("status in ('waiting', 'live')", (), limit=100_000)

    def recently_ended(self, team_id: str, owner_id: str, limit: int = 10) -> list[ConversationRecord]:
        return self._conversations(
            "team_id = ? and owner_id = ? and status = 'ended'",
            (team_id, owner_id),
            order="ended_at desc",
            limit=limit,
        )

    def conversations_named(self, team_id: str, name: str, owner_id: str | None) -> list[ConversationRecord]:
        """Interviews of this name (any state, any case), the owner's only unless None; not forgotten."""
        where = "team_id = ? and lower(name) = lower(?) and coalesce(token_hash, '') not like 'forgotten:%'"
        if owner_id is None:
            return self._conversations(where, (team_id, name), limit=20)
        return self._conversations(where + " and owner_id = ?", (team_id, name, owner_id), limit=20)

    def creating(self, before: str) -> list[ConversationRecord]:
        """Intents older than `before` still creating: a crash or an error left them there."""
        return self._conversations("status = 'creating' and created_at < ?", (before,))

    def without_card(self) -> list[ConversationRecord]:
        """Running, no card, no known reason, and no card post queued or parked."""
        return self._conversations(
            "status in ('waiting', 'live') and message_ts is null and error is null and not exists "
            "(select 1 from outbox o where o.key = 'post:' || conversations.token)",
            (),
        )

    def stale_cards(self) -> list[ConversationRecord]:
        """Cards that do not show their conversation's status, with no redraw pending (nor given
        up: the owner was told, and the next change re-arms it)."""
        return self._conversations(
            "message_ts is not null and status in ('waiting', 'live', 'ended') "
            "and (card_status is null or card_status != status) and not exists (select 1 from outbox o "
            "where o.key = 'card:' || conversations.token and o.state in ('pending', 'parked'))",
            (),
        )

    def unconfirmed_since(self, since: str) -> list[ConversationRecord]:
        """Starts that Tavus never confirmed (failed or cut short): a late create may still appear."""
        return self._conversations(
            "status in ('creating', 'failed') and conversation_id is null and created_at >= ?", (since,)
        )

    def _conversations(
        self, where: str, params: tuple, *, order: str = "created_at desc", limit: int = 500
    ) -> list[ConversationRecord]:
        sql = f"select * from conversations where {where} order by {order} limit {int(limit)}"
        return [ConversationRecord.from_row(r) for r in self.db.read(sql, params)]
