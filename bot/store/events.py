"""Tavus callback events as received, and the keys of Slack requests already handled."""

from __future__ import annotations

import json
from typing import Any

from bot.clock import utcnow
from bot.store.backends import Tx
from bot.store.base import StoreBase
from bot.store.outbox import Job, enqueue


class EventRecords(StoreBase):
    def record_event(self, token: str | None, event: dict[str, Any]) -> bool:
        """Keep a callback event; False when the same (type, timestamp) came before for the same
        conversation (its callback token)."""
        with self.db.write() as tx:
            return self._record_event(tx, token, event)

    def apply_event(
        self,
        token: str,
        event: dict[str, Any],
        change: str | None = None,
        *,
        at: str = "",
        reason: str | None = None,
        jobs: list[Job] | None = None,
        jobs_if_changed: list[Job] | None = None,
    ) -> tuple[bool, bool]:
        """Record a callback event, apply its change (`live` or `ended`) and queue the jobs it owes,
        in one transaction: (new event, status changed). A repeated event does nothing."""
        with self.db.write() as tx:
            if not self._record_event(tx, token, event):
                return False, False
            changed = False
            if change == "live":
                changed = self._mark_live(tx, token, at)  # type: ignore[attr-defined]
            elif change == "ended":
                changed = self._mark_ended(tx, token, at=at, reason=reason, by=None)  # type: ignore[attr-defined]
            enqueue(tx, (jobs or []) + ((jobs_if_changed or []) if changed else []))
            return True, changed

    @staticmethod
    def _record_event(tx: Tx, token: str | None, event: dict[str, Any]) -> bool:
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

    def events_of(self, conversation_id: str | None, token: str | None = None) -> list[dict[str, Any]]:
        """A conversation's events: those that came with its callback token (a callback can come
        before the id is recorded, when Tavus's answer to the create was lost) naming its Tavus id
        once that is known; rows from before tokens were kept, by the id alone. Never another
        conversation's events, whatever id they name. Without a token: every event naming the id."""
        cid = conversation_id or ""
        if token is None:
            rows = self.db.read("select body from events where conversation_id = ? order by id", (cid,))
        else:
            rows = self.db.read(
                "select body from events where (token = ? and (? = '' or conversation_id = ?)) "
                "or (token is null and conversation_id = ?) order by id",
                (token, cid, cid, cid),
            )
        return [json.loads(r["body"]) for r in rows]

    def first_time(self, key: str) -> bool:
        """True the first time a key is seen: Slack retries and double submissions."""
        with self.db.write() as tx:
            changed = tx.execute(
                "insert into seen_requests (key, at) values (?, ?) on conflict do nothing", (key, utcnow())
            )
            return changed > 0
