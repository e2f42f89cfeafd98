"""Issue 24: `tavus-slack audit export --since DATE [--format csv|jsonl]`, the records an auditor
asks for (EU AI Act Art. 26(6): logs kept at least six months; NYC LL 144's bias audit; Illinois'
deletion within 30 days): who did what and when, the settings each interview ran with, consent
receipts and alternatives (when those tables exist), erasures with their completion times, and
where results went. No content: interviews are named by their public reference, never by their
callback token, and the audit's `detail` (which may hold a name) is left out."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from bot.store import Store

AUDIT_KEEP_DAYS = 183  # the audit's rows are never purged before this (they are not purged at all)
# columns of tables other parts of the app add that might carry words a person typed
ASKED = ("conv_token", "team_id", "request_kind", "handled_by", "handled_at")  # never request_text
FREE_TEXT = ("text", "message", "reason", "note", "detail", "email", "name", "body", "content")


def export_records(store: Store, since: str) -> list[dict[str, Any]]:
    """Every record from `since` (an ISO date or time) on, oldest first."""
    refs = {r["token"]: r["ref"] for r in store.db.read("select token, ref from conversations")}
    interview = lambda token: refs.get(token) or ("an erased interview" if token else None)  # noqa: E731
    out: list[dict[str, Any]] = []
    for row in store.export_rows("audit", since, "at"):
        facts = json.loads(row.get("facts") or "null")
        target = interview(row["target"]) if row["target"] in refs else row["target"]
        out.append(
            {
                "record": "audit",
                "at": row["at"],
                "team_id": row["team_id"],
                "user_id": row["user_id"],
                "action": row["action"],
                "target": target,
            }
        )
        if row["action"] == "interview.start" and facts:
            out.append(
                {
                    "record": "settings",
                    "at": row["at"],
                    "team_id": row["team_id"],
                    "interview": target,
                    **facts,
                }
            )
    for row in store.export_rows("consent_receipts", since, "given_at"):
        out.append({"record": "consent", "at": row["given_at"], **without_content(row, interview)})
    for row in store.export_rows("invites", since, "requested_at"):  # an alternative asked for
        if row.get("request_kind"):
            asked = {k: row.get(k) for k in ASKED}
            at = row["requested_at"]
            out.append({"record": "alternative", "at": at, **without_content(asked, interview)})
    for row in store.export_rows("erasure_requests", since, "requested_at"):
        left = json.loads(row["left_items"] or "[]")
        out.append(
            {
                "record": "erasure",
                "at": row["requested_at"],
                "team_id": row["team_id"],
                "interview": interview(row["conv_token"]),
                "requested_by": row["requested_by"],
                "completed_at": row["completed_at"],
                "attempts": row["attempts"],
                "left": len(left),
                "left_why": sorted({str(i.get("why")) for i in left}),
            }
        )
    for row in store.export_rows("recipients", since, "at"):
        out.append(
            {
                "record": "sharing",
                "at": row["at"],
                "team_id": row["team_id"],
                "interview": interview(row["conv_token"]),
                "what": row["what"],
                "place": row["place"],
                "channel": row["channel"],
                "members": row["members"],
                "deleted_at": row["deleted_at"],
            }
        )
    return sorted(out, key=lambda r: str(r.get("at") or ""))


def without_content(row: dict[str, Any], interview) -> dict[str, Any]:
    """A row of another feature's table: its interview by reference, tokens and free text left out."""
    kept = {k: v for k, v in row.items() if "token" not in k and not any(w in k for w in FREE_TEXT)}
    if "conv_token" in row:
        kept["interview"] = interview(row["conv_token"])
    return kept


def write(records: Iterable[dict[str, Any]], fmt: str) -> str:
    """JSON lines, or CSV with one column per field seen (lists and objects as JSON)."""
    rows = list(records)
    if fmt == "jsonl":
        return "".join(json.dumps(r, default=str) + "\n" for r in rows)
    columns: list[str] = []
    for r in rows:
        columns += [k for k in r if k not in columns]
    buffer = io.StringIO()
    sheet = csv.DictWriter(buffer, fieldnames=columns or ["record", "at"], lineterminator="\n")
    sheet.writeheader()
    for r in rows:
        sheet.writerow({k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in r.items()})
    return buffer.getvalue()
