"""An interview's outcome in a workflow's words (completed, no-show, …) and the report message's
metadata that carries it to other apps and workflows (issue 27); no candidate content."""

from __future__ import annotations

from typing import Any

from bot.records import ConversationRecord
from bot.slack.report import ReportState

NO_SHOW = (None, "participant_absent_timeout reached", "participant_left_timeout reached")


def forgotten(conv: ConversationRecord | None) -> bool:
    return conv is None or (conv.token_hash or "").startswith("forgotten:")


def final_state(conv: ConversationRecord | None) -> str | None:
    """The interview's end in a workflow's words, or None while it can still happen."""
    if forgotten(conv):
        return "forgotten"
    if conv.status == "failed" and not (conv.expires_at and not conv.conversation_id):
        return "failed"  # (a failed start of an invite leaves its link working: not over)
    if conv.status != "ended":
        return None
    reason = conv.shutdown_reason
    if reason == "invite_expired":
        return "expired"
    if reason == "invite_cancelled" or (conv.ended_by and not conv.live_at):
        return "cancelled"
    if not conv.live_at:  # nobody joined: never "completed"
        return "no-show" if reason in NO_SHOW else "failed"
    return "completed"


def report_metadata(state: ReportState) -> dict[str, Any]:
    """The report message's Slack metadata: the Wait step's outputs, with no candidate content."""
    conv = state.conv
    payload = {
        "state": final_state(conv) or conv.status,
        "interview_id": conv.ref or "",
        "objectives_done": len(state.done),
        "objectives_total": len(state.plan),
        "decision": (state.decision or {}).get("verdict") or "",  # issue 25: the latest decision
    }
    return {"event_type": "interview_completed", "event_payload": payload}
