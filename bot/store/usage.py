"""Issue 25: Tavus minutes per conversation and per month, the monthly cap's warning, decision
nudges, and the rows a funnel is counted from.

It reads the `decisions` table (bot/store/openings.py writes it; the latest version wins) and groups
by opening when an interview has one, by persona otherwise.
"""

from __future__ import annotations

from typing import Any

from bot.clock import duration_seconds
from bot.store.backends import Tx
from bot.store.base import StoreBase
from bot.store.outbox import Job, enqueue

COLUMNS = {
    "sqlite": "select name from pragma_table_info(?)",
    "postgres": "select column_name as name from information_schema.columns "
    "where table_schema = current_schema() and table_name = ?",
}
TABLES = {
    "sqlite": "select name from sqlite_master where type = 'table' and name = ?",
    "postgres": "select table_name as name from information_schema.tables "
    "where table_schema = current_schema() and table_name = ?",
}


def settle_seconds(tx: Tx, token: str) -> None:
    """Store an ended conversation's Tavus time, from its join to its end (Tavus's timestamps).
    Computed from two values each set once, so a repeated callback writes the same number again:
    a conversation counts once, whatever arrives twice or late."""
    rows = tx.query("select live_at, ended_at, status from conversations where token = ?", (token,))
    if not rows or rows[0]["status"] != "ended":
        return
    seconds = duration_seconds(rows[0]["live_at"], rows[0]["ended_at"]) or 0
    tx.execute("update conversations set seconds_used = ? where token = ?", (seconds, token))


class UsageRecords(StoreBase):
    _present: set[str]

    def has(self, table: str, column: str | None = None) -> bool:
        """Whether a table (or a table's column) exists; remembered once it does."""
        key = f"{table}.{column or ''}"
        present = self.__dict__.setdefault("_present", set())
        if key in present:
            return True
        dialect = self.db.dialect
        if column is None:
            found = bool(self.db.read(TABLES[dialect], (table,)))
        else:
            found = any(r["name"] == column for r in self.db.read(COLUMNS[dialect], (table,)))
        if found:
            present.add(key)
        return found

    def seconds_used(self, team_id: str, month: str) -> int:
        """Tavus seconds of the workspace's conversations that ended in `month` (YYYY-MM, UTC)."""
        row = self._one(
            "select coalesce(sum(seconds_used), 0) as s from conversations "
            "where team_id = ? and substr(ended_at, 1, 7) = ?",
            (team_id, month),
        )
        return int((row or {}).get("s") or 0)

    def capped_teams(self) -> list[dict[str, Any]]:
        """Workspaces with a monthly cap, for the periodic 80 % check."""
        return self.db.read(
            "select team_id, minutes_cap, cap_set_by, cap_warned_month from workspace_settings "
            "where minutes_cap is not null and minutes_cap > 0"
        )

    def claim_cap_warning(self, team_id: str, month: str, jobs: list[Job]) -> bool:
        """Mark the month's 80 % warning as given and queue it, once: True for the caller that did."""
        with self.db.write() as tx:
            changed = tx.execute(
                "update workspace_settings set cap_warned_month = ? "
                "where team_id = ? and coalesce(cap_warned_month, '') != ?",
                (month, team_id, month),
            )
            enqueue(tx, jobs if changed else [])
            return changed > 0

    def undecided_since(self, before: str) -> list[dict[str, Any]]:
        """Interviews the candidate joined, ended before `before`, with no decision yet."""
        undecided = ""
        if self.has("decisions"):
            undecided = " and not exists (select 1 from decisions d where d.conv_token = c.token)"
        return self.db.read(
            "select c.token, c.team_id, c.owner_id, c.name, c.ended_at from conversations c "
            "where c.status = 'ended' and c.live_at is not null and c.ended_at < ? "
            "and coalesce(c.token_hash, '') not like 'forgotten:%'" + undecided + " limit 500",
            (before,),
        )

    def funnel_rows(self, team_id: str | None, owner_id: str | None = None) -> list[dict[str, Any]]:
        """Every interview of the workspace with what its funnel counts: its group (opening or
        persona), state, times, seconds, and its latest decision and when the first came."""
        opening = self.has("conversations", "opening_id")
        group = "coalesce(c.opening_id, c.persona_id)" if opening else "c.persona_id"
        alternative = "(select i.requested_at from invites i where i.conv_token = c.token)"
        label = "c.persona_name"
        if opening and self.has("openings"):  # an opening is named as its people named it
            label = "coalesce((select o.name from openings o where o.id = c.opening_id), c.persona_name)"
        decided = "null as decision, null as decided_at"
        if self.has("decisions"):
            decided = (
                "(select d.verdict from decisions d where d.conv_token = c.token "
                "order by d.version desc limit 1) as decision, "
                "(select min(d.at) from decisions d where d.conv_token = c.token) as decided_at"
            )
        wheres = ["coalesce(c.token_hash, '') not like 'forgotten:%'"]
        wheres += [f"c.{name} = ?" for name, v in (("team_id", team_id), ("owner_id", owner_id)) if v]
        return self.db.read(
            f"select {group} as grp, c.team_id, c.owner_id, {label} as persona_name, c.status, "
            "c.conversation_id, c.created_at, c.live_at, c.ended_at, c.shutdown_reason, c.seconds_used, "
            f"{alternative} as alternative_at, {decided} from conversations c "
            f"where {' and '.join(wheres)} order by c.created_at limit 20000",
            tuple(v for v in (team_id, owner_id) if v),
        )
