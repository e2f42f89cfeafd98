"""Issue 24: erasure requests (what `forget` or a candidate asked to delete, when it was finished,
what is left to retry), the places an interview's results went (recipients), and the tables an
audit export reads. Nothing here holds a candidate's content: ids, counts and times only."""

from __future__ import annotations

import json
import logging
from typing import Any

from bot.clock import utcnow
from bot.store.backends import insert_sql
from bot.store.base import StoreBase
from bot.store.migrations import DIALECTS

log = logging.getLogger(__name__)


class ErasureRequestRecords(StoreBase):
    def has_table(self, name: str) -> bool:
        """Whether a table exists (another part of the app may add it in a later migration)."""
        tables = DIALECTS[self.db.dialect]["tables"]  # type: ignore[index]
        return any(row["name"] == name for row in self.db.read(tables))

    def open_erasure(self, conv_token: str, team_id: str, by: str, link_hash: str | None = None) -> dict:
        """The interview's erasure request, made once: a second request (a reload, another tab, a
        retry) finds the first, and a candidate's link hash is added to an owner's request."""
        row = {"conv_token": conv_token, "team_id": team_id, "requested_by": by}
        row |= {"link_hash": link_hash, "requested_at": utcnow()}
        with self.db.write() as tx:
            tx.execute(*insert_sql("erasure_requests", row, ignore_conflict=True))
            if link_hash:
                tx.execute(
                    "update erasure_requests set link_hash = ? where conv_token = ? and link_hash is null",
                    (link_hash, conv_token),
                )
            return tx.query("select * from erasure_requests where conv_token = ?", (conv_token,))[0]

    def erasure_of(self, conv_token: str) -> dict | None:
        return self._one("select * from erasure_requests where conv_token = ?", (conv_token,))

    def erasure_by_link(self, link_hash: str) -> dict | None:
        return self._one("select * from erasure_requests where link_hash = ?", (link_hash,))

    def erasure_attempted(self, conv_token: str, deleted: dict[str, Any], left: list[dict]) -> None:
        """One attempt's outcome: what was deleted (added up), what is left; done once nothing is."""
        now = utcnow()
        with self.db.write() as tx:
            rows = tx.query("select deleted from erasure_requests where conv_token = ?", (conv_token,))
            before = json.loads((rows[0]["deleted"] if rows else None) or "{}")
            for key, value in deleted.items():
                before[key] = before.get(key, 0) + value if isinstance(value, int) else value
            tx.execute(
                "update erasure_requests set deleted = ?, left_items = ?, attempts = attempts + 1, "
                "completed_at = case when ? = 0 then coalesce(completed_at, ?) else null end "
                "where conv_token = ?",
                (json.dumps(before), json.dumps(left), len(left), now, conv_token),
            )
            if not left:
                tx.execute(
                    "update recipients set deleted_at = coalesce(deleted_at, ?) where conv_token = ?",
                    (now, conv_token),
                )

    def open_erasures(self) -> list[dict]:
        return self.db.read("select * from erasure_requests where completed_at is null order by id")

    def erasure_alerted(self, conv_token: str, at: str) -> None:
        with self.db.write() as tx:
            tx.execute("update erasure_requests set alerted_at = ? where conv_token = ?", (at, conv_token))

    def installer_of(self, team_id: str) -> str | None:
        row = self._one("select installer_id from workspaces where team_id = ?", (team_id,))
        return row["installer_id"] if row else None

    def consent_receipts_of(self, conv_token: str) -> list[dict]:
        """HOOK for h-law1's consent receipts (issue 24): read only when its table exists, and only
        if it is keyed by `conv_token`; [] otherwise."""
        if not self.has_table("consent_receipts"):
            return []
        try:
            return self.db.read("select * from consent_receipts where conv_token = ?", (conv_token,))
        except Exception:  # another shape than expected: the copy goes without it, not broken
            log.warning("consent_receipts has no conv_token column: the candidate's copy leaves it out")
            return []

    # where results went
    def add_recipient(
        self, conv_token: str, team_id: str, what: str, place: str, channel: str | None, members: int | None
    ) -> None:
        row = {"conv_token": conv_token, "team_id": team_id, "what": what, "place": place}
        row |= {"channel": channel, "members": members, "at": utcnow()}
        with self.db.write() as tx:
            tx.execute(*insert_sql("recipients", row))

    def recipients(self, conv_token: str) -> list[dict]:
        return self.db.read("select * from recipients where conv_token = ? order by id", (conv_token,))

    # the audit export
    def export_rows(self, table: str, since: str, column: str) -> list[dict]:
        """A table's rows from `since` on (the export's tables only; absent ones give nothing)."""
        if table not in EXPORTED or not self.has_table(table):
            return []
        rows = self.db.read(f"select * from {table}")  # noqa: S608 (a name from EXPORTED)
        return [r for r in rows if str(r.get(column) or since) >= since]


# what `tavus-slack audit export` may read, by the time column it filters on
EXPORTED = {
    "audit": "at",
    "erasure_requests": "requested_at",
    "recipients": "at",
    "consent_receipts": "given_at",
    "invites": "requested_at",  # its request columns only: an alternative or accommodation asked for
}
