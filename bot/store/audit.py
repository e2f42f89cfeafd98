"""Who did what and when, and the store's consistency rules."""

from __future__ import annotations

from typing import Any

from bot.store.base import StoreBase


class AuditRecords(StoreBase):
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

    def invariant_violations(self) -> list[str]:
        """Rows that break the store's rules; empty when consistent."""
        rows = "select token from conversations where "
        checks = {
            "waiting or live without a Tavus id": rows
            + "status in ('waiting', 'live') and conversation_id is null",
            "ended without an end time": rows + "status = 'ended' and ended_at is null",
            "unknown status": rows
            + "status not in ('invited', 'creating', 'waiting', 'live', 'ended', 'failed')",
        }
        return [f"{name}: {row['token']}" for name, sql in checks.items() for row in self.db.read(sql)]
