"""Tavus callback events as received, and the keys of Slack requests already handled."""

from __future__ import annotations

import json
from typing import Any

from bot.clock import utcnow
from bot.store.base import StoreBase


class EventRecords(StoreBase):
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
