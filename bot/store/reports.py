"""Issue 15: the one report of each interview: where its message is, its transcript file, its canvas."""

from __future__ import annotations

from typing import Any

from bot.clock import utcnow
from bot.store.backends import insert_sql
from bot.store.base import StoreBase
from bot.store.erasure import unforgotten
from bot.store.outbox import Job, enqueue

REPORT_FIELDS = (
    "channel",
    "ts",
    "thread_ts",
    "canvas_id",
    "file_id",
    "file_pending",
    "transcript_as",
    "permalink",
)


class ReportRecords(StoreBase):
    def report(self, conv_token: str) -> dict[str, Any] | None:
        """The report's row: its message (channel, ts, thread_ts), canvas, file and transcript form."""
        return self._one("select * from reports where conv_token = ?", (conv_token,))

    def report_links(self, conv_tokens: list[str]) -> dict[str, str]:
        """The reports' permalinks (issue 22, for Home), by interview token; none for a report
        not posted yet, or posted before permalinks were kept."""
        if not conv_tokens:
            return {}
        marks = ", ".join("?" for _ in conv_tokens)
        rows = self.db.read(
            "select conv_token, permalink from reports "
            f"where permalink is not null and conv_token in ({marks})",
            tuple(conv_tokens),
        )
        return {row["conv_token"]: row["permalink"] for row in rows}

    def save_report(
        self, conv_token: str, team_id: str | None, jobs: list[Job] | None = None, **values: Any
    ) -> bool:
        """Record what a report job did (a posted message, an uploaded file), once it happened, with
        the jobs it owes; False, with nothing written, once the interview is forgotten (the caller
        deletes what it just made)."""
        unknown = set(values) - set(REPORT_FIELDS)
        if unknown:
            raise ValueError(f"not report fields: {sorted(unknown)}")
        row = {"conv_token": conv_token, "team_id": team_id, **values, "updated_at": utcnow()}
        sql, params = insert_sql("reports", row)
        names = ", ".join(f"{k} = excluded.{k}" for k in [*values, "updated_at"])
        with self.db.write() as tx:
            if not unforgotten(tx, conv_token):
                return False
            tx.execute(f"{sql} on conflict (conv_token) do update set {names}", params)
            enqueue(tx, jobs or [])
        return True

    def refuse_canvas(self, team_id: str, error: str | None) -> None:
        """Remember (or clear, with None) that Slack refused this workspace a canvas."""
        with self.db.write() as tx:
            tx.execute(
                "insert into workspace_settings (team_id, canvas_refused) values (?, ?) "
                "on conflict (team_id) do update set canvas_refused = excluded.canvas_refused",
                (team_id, error),
            )
