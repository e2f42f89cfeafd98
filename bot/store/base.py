"""What every record mixin of the Store shares: the backend, a one-row read and the audit writer."""

from __future__ import annotations

from typing import Any

from bot.clock import utcnow
from bot.store.backends import Backend, Tx


class StoreBase:
    db: Backend

    def _one(self, sql: str, params: tuple = ()) -> dict[str, Any] | None:
        rows = self.db.read(sql, params)
        return rows[0] if rows else None

    @staticmethod
    def _audit(
        tx: Tx,
        team_id: str | None,
        user_id: str | None,
        action: str,
        target: str | None,
        detail: str | None,
        facts: str | None = None,
    ) -> None:
        """`detail` may hold content (retention clears it); `facts` never does (ids, settings)."""
        tx.execute(
            "insert into audit (at, team_id, user_id, action, target, detail, facts) "
            "values (?, ?, ?, ?, ?, ?, ?)",
            (utcnow(), team_id, user_id, action, target, detail, facts),
        )
