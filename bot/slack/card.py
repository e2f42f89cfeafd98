"""The channel card that follows one interview."""

from __future__ import annotations

from bot.slack import ids
from bot.slack.blocks import (
    Block,
    button,
    confirm,
    context,
    cut,
    duration_text,
    esc,
    header,
    section,
    slack_date,
    user_ref,
)
from bot.slack.messages import shutdown_words
from bot.store import ConversationRecord


def status_line(conv: ConversationRecord) -> str:
    if conv.status == "creating":
        return ":hourglass_flowing_sand: Creating the conversation…"
    if conv.status == "waiting":
        return ":hourglass: Waiting for the candidate"
    if conv.status == "live":
        return f":red_circle: Live since {slack_date(conv.live_at, '{time}')}"
    if conv.status == "failed":
        return f":warning: Could not start: {esc(conv.error or 'unknown error')}"
    parts = [":white_check_mark: Ended"]
    if took := duration_text(conv.live_at, conv.ended_at):
        parts.append(took)
    if words := shutdown_words(conv.shutdown_reason, conv.ended_by):
        parts.append(words)
    return " · ".join(parts)


def end_button(conv: ConversationRecord) -> dict:
    """End, behind the same confirmation wherever it is shown (card, lists, Home tab)."""
    title = conv.name or "AI interview"
    return button(
        "End",
        ids.END,
        value=conv.conversation_id,
        style="danger",
        confirm=confirm("End interview?", f"This ends *{esc(cut(title, 100))}* for everyone.", "End it"),
    )


def build_interview_card(conv: ConversationRecord) -> tuple[str, list[Block]]:
    """The channel message that follows one interview."""
    title = conv.name or "AI interview"
    who = f"*Persona:* {esc(conv.persona_name or conv.persona_id)}\n*Started by:* {user_ref(conv.owner_id)}"
    if conv.candidate_id:
        who += f"\n*Candidate:* {user_ref(conv.candidate_id)}"
    blocks = [header(f":movie_camera: {title}"), section(who, block_id="who"), context(status_line(conv))]
    if conv.call_id:
        blocks.insert(1, {"type": "call", "call_id": conv.call_id})
    if conv.status in ("waiting", "live") and conv.url:
        blocks.append(
            {
                "type": "actions",
                "block_id": "card",
                "elements": [
                    button("Join", ids.JOIN, url=conv.url, value=conv.conversation_id, style="primary"),
                    end_button(conv),
                ],
            }
        )
    return f"{esc(title)}: {status_line(conv)}", blocks
