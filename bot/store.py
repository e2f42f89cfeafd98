"""The ownership store: who owns which persona and conversation, per Slack workspace."""

from __future__ import annotations

import hmac
import json
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Any

from bot.db import Backend, Tx, insert_sql, open_backend
from bot.migrations import token_hash
from bot.store_workspaces import WorkspaceRecords

ACTIVE = ("waiting", "live")
FINAL = ("ended", "failed")


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class _Record:
    @classmethod
    def from_row(cls, row: dict[str, Any] | None):
        if row is None:
            return None
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in row.items() if k in names})


@dataclass(slots=True)
class PersonaRecord(_Record):
    persona_id: str
    team_id: str
    owner_id: str
    name: str
    created_at: str
    enterprise_id: str | None = None
    pipeline_mode: str = "full"
    replica_id: str | None = None
    perception_model: str | None = None
    shared: int = 0
    deleted_at: str | None = None


@dataclass(slots=True)
class ConversationRecord(_Record):
    token: str
    team_id: str
    owner_id: str
    status: str
    created_at: str
    conversation_id: str | None = None
    enterprise_id: str | None = None
    persona_id: str | None = None
    persona_name: str | None = None
    channel_id: str | None = None
    message_ts: str | None = None
    url: str | None = None
    name: str | None = None
    candidate_id: str | None = None
    request_key: str | None = None
    live_at: str | None = None
    ended_at: str | None = None
    shutdown_reason: str | None = None
    ended_by: str | None = None
    error: str | None = None
    updated_at: str | None = None
    call_id: str | None = None
    token_hash: str | None = None


class DuplicateRequest(Exception):
    """The same request key was already used: `existing` is what it started."""

    def __init__(self, existing: ConversationRecord) -> None:
        super().__init__(existing.token)
        self.existing = existing


class Store(WorkspaceRecords):
    """Ownership of personas and conversations, over SQLite or PostgreSQL (bot/db.py)."""

    def __init__(self, where: str | Backend) -> None:
        """`where`: a DATABASE_URL, a SQLite file path, or a backend."""
        if isinstance(where, str):
            where = open_backend(where if "://" in where else f"sqlite:///{where}")
        self.db = where
        self.db.migrate()

    @classmethod
    def from_url(cls, url: str) -> Store:
        return cls(open_backend(url))

    def _one(self, sql: str, params: tuple = ()) -> dict[str, Any] | None:
        rows = self.db.read(sql, params)
        return rows[0] if rows else None

    def close(self) -> None:
        self.db.close()

    # personas
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

    # conversations
    def begin_conversation(self, conv: ConversationRecord) -> ConversationRecord:
        """Record the intent (status `creating`) before Tavus is called. A second start with the
        same request key, from any instance, raises DuplicateRequest with the first one."""
        conv.updated_at = conv.created_at
        conv.token_hash = token_hash(conv.token)
        with self.db.write() as tx:
            if not tx.execute(*insert_sql("conversations", asdict(conv), ignore_conflict=True)):
                rows = tx.query("select * from conversations where request_key = ?", (conv.request_key,))
                raise DuplicateRequest(ConversationRecord.from_row(rows[0]))
            self._audit(tx, conv.team_id, conv.owner_id, "interview.start", conv.token, conv.name)
        return conv

    def conversation_created(self, token: str, conversation_id: str, url: str | None) -> None:
        """Tavus created it: creating (or failed, when adopted late) → waiting."""
        with self.db.write() as tx:
            tx.execute(
                "update conversations set conversation_id = ?, url = ?, error = null, "
                "status = case when status in ('creating', 'failed') then 'waiting' else status end, "
                "updated_at = ? where token = ?",
                (conversation_id, url, utcnow(), token),
            )

    def conversation_failed(self, token: str, error: str) -> None:
        with self.db.write() as tx:
            tx.execute(
                "update conversations set status = 'failed', error = ?, updated_at = ? "
                "where token = ? and status = 'creating'",
                (error[:500], utcnow(), token),
            )

    def set_message(self, token: str, channel_id: str, message_ts: str) -> None:
        with self.db.write() as tx:
            tx.execute(
                "update conversations set channel_id = ?, message_ts = ?, updated_at = ? where token = ?",
                (channel_id, message_ts, utcnow(), token),
            )

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

    def mark_live(self, token: str, at: str) -> bool:
        """Joined: live unless already ended (a late join must not reopen a call)."""
        with self.db.write() as tx:
            changed = tx.execute(
                "update conversations set live_at = coalesce(live_at, ?), updated_at = ?, "
                "status = case when status in ('creating', 'waiting') then 'live' else status end "
                "where token = ? and (live_at is null or status in ('creating', 'waiting'))",
                (at, utcnow(), token),
            )
            return changed > 0

    def set_ending(self, token: str, by: str | None) -> None:
        """Who is ending it, written before Tavus is asked, so the shutdown callback that may
        overtake our own update still says who ended the call. None clears it after a failure."""
        with self.db.write() as tx:
            tx.execute(
                "update conversations set ended_by = ? where token = ? and status != 'ended'", (by, token)
            )

    def mark_ended(self, token: str, *, at: str, reason: str | None, by: str | None = None) -> bool:
        """Ended, once: True only for the call that made the change."""
        with self.db.write() as tx:
            changed = tx.execute(
                "update conversations set status = 'ended', ended_at = ?, shutdown_reason = ?, "
                "ended_by = coalesce(?, ended_by), updated_at = ? where token = ? and status != 'ended'",
                (at, reason, by, utcnow(), token),
            )
            if changed and by:
                team = tx.query("select team_id from conversations where token = ?", (token,))[0]["team_id"]
                self._audit(tx, team, by, "interview.end", token, reason)
            return changed > 0

    def conversation_by_callback_token(self, token: str) -> ConversationRecord | None:
        """The conversation a callback URL's token belongs to, compared in constant time."""
        row = self._one("select * from conversations where token_hash = ?", (token_hash(token),))
        if row is None or not hmac.compare_digest(row["token"].encode(), token.encode()):
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

    def creating(self) -> list[ConversationRecord]:
        """Intents a crash may have left between the Tavus create and the Slack post."""
        return self._conversations("status = 'creating'", ())

    def unconfirmed_since(self, since: str) -> list[ConversationRecord]:
        """Starts that Tavus never confirmed (failed or cut short): a late create may still appear."""
        return self._conversations(
            "status in ('creating', 'failed') and conversation_id is null and created_at >= ?", (since,)
        )

    def recent_duplicate(
        self, team_id: str, owner_id: str, persona_id: str, channel_id: str, since: str
    ) -> ConversationRecord | None:
        rows = self._conversations(
            "team_id = ? and owner_id = ? and persona_id = ? and channel_id = ? and created_at >= ? "
            "and status in ('creating', 'waiting', 'live')",
            (team_id, owner_id, persona_id, channel_id, since),
            limit=1,
        )
        return rows[0] if rows else None

    def _conversations(
        self, where: str, params: tuple, *, order: str = "created_at desc", limit: int = 500
    ) -> list[ConversationRecord]:
        sql = f"select * from conversations where {where} order by {order} limit {int(limit)}"
        return [ConversationRecord.from_row(r) for r in self.db.read(sql, params)]

    # events, audit, idempotency
    def record_event(self, token: str | None, event: dict[str, Any]) -> bool:
        """Keep a callback event; False when the same (conversation, type, timestamp) came before."""
        with self.db.write() as tx:
            changed = tx.execute(
                "insert into events (token, conversation_id, event_type, timestamp, "
                "received_at, body) values (?, ?, ?, ?, ?, ?) on conflict do nothing",
                (
                    token,
                    event["conversation_id"],
                    event["event_type"],
                    event.get("timestamp") or "",
                    utcnow(),
                    json.dumps(event)[:200_000],
                ),
            )
            return changed > 0

    def events_of(self, conversation_id: str) -> list[dict[str, Any]]:
        rows = self.db.read(
            "select body from events where conversation_id = ? order by id", (conversation_id,)
        )
        return [json.loads(r["body"]) for r in rows]

    def first_time(self, key: str) -> bool:
        """True the first time a key is seen: Slack retries and double submissions."""
        with self.db.write() as tx:
            changed = tx.execute(
                "insert into seen_requests (key, at) values (?, ?) on conflict do nothing", (key, utcnow())
            )
            return changed > 0

    def audit(
        self,
        team_id: str | None,
        user_id: str | None,
        action: str,
        target: str | None,
        detail: str | None = None,
    ) -> None:
        with self.db.write() as tx:
            self._audit(tx, team_id, user_id, action, target, detail)

    def audit_log(self, team_id: str) -> list[dict[str, Any]]:
        return self.db.read("select * from audit where team_id = ? order by id", (team_id,))

    @staticmethod
    def _audit(
        tx: Tx,
        team_id: str | None,
        user_id: str | None,
        action: str,
        target: str | None,
        detail: str | None,
    ) -> None:
        tx.execute(
            "insert into audit (at, team_id, user_id, action, target, detail) values (?, ?, ?, ?, ?, ?)",
            (utcnow(), team_id, user_id, action, target, detail),
        )

    def invariant_violations(self) -> list[str]:
        """Rows that break the store's rules; empty when consistent."""
        rows = "select token from conversations where "
        checks = {
            "waiting or live without a Tavus id": rows
            + "status in ('waiting', 'live') and conversation_id is null",
            "ended without an end time": rows + "status = 'ended' and ended_at is null",
            "unknown status": rows + "status not in ('creating', 'waiting', 'live', 'ended', 'failed')",
        }
        return [f"{name}: {row['token']}" for name, sql in checks.items() for row in self.db.read(sql)]


def can_manage(
    user_id: str,
    team_id: str,
    thing: PersonaRecord | ConversationRecord,
    *,
    admins: frozenset[str] = frozenset(),
    is_slack_admin: bool = False,
) -> bool:
    """The owner, a listed admin, or a Slack workspace admin — of the thing's own workspace only."""
    if thing.team_id != team_id:
        return False
    return thing.owner_id == user_id or user_id in admins or is_slack_admin
