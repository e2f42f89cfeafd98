"""The channel card that follows one interview."""

from __future__ import annotations

from bot.records import ConversationRecord
from bot.slack import ids
from bot.slack.blocks import (
    Block,
    button,
    channel_ref,
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

NO_SHOW = (None, "participant_absent_timeout reached", "participant_left_timeout reached")


def status_line(conv: ConversationRecord) -> str:
    if conv.status == "invited":
        return (
            f":envelope: Invited · opens {slack_date(conv.opens_at)} · expires {slack_date(conv.expires_at)}"
        )
    if conv.status == "ended" and conv.shutdown_reason == "invite_expired":
        return ":hourglass: Expired, never used"
    if conv.status == "ended" and conv.shutdown_reason == "invite_cancelled":
        return (
            f":no_entry_sign: Cancelled by {user_ref(conv.ended_by)}"
            if conv.ended_by
            else ":no_entry_sign: Cancelled"
        )
    if conv.status == "ended" and not conv.live_at and not conv.ended_by and conv.shutdown_reason in NO_SHOW:
        return ":ghost: No-show: the candidate never joined"
    if conv.status == "failed" and conv.expires_at and not conv.conversation_id:
        return (
            f":envelope: Invited · the last start failed; the link works until {slack_date(conv.expires_at)}"
        )
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


def report_place_words(conv: ConversationRecord, kind: str, channel: str | None) -> str:
    """Where an ended interview's report is, for its card (everyone reads it: no content)."""
    if kind == "thread":
        return ":bar_chart: The interview report is in this message's thread."
    if kind == "channel" and channel:
        return f":bar_chart: The interview report is in {channel_ref(channel)}."
    return f":bar_chart: The interview report went to {user_ref(conv.owner_id)} in a direct message."


def build_interview_card(conv: ConversationRecord, report_to: str | None = None) -> tuple[str, list[Block]]:
    """The channel message that follows one interview; `report_to`, once it ended, says where
    its report is (report_place_words)."""
    title = conv.name or "AI interview"
    who = f"*Persona:* {esc(conv.persona_name or conv.persona_id)}\n*Started by:* {user_ref(conv.owner_id)}"
    if conv.candidate_id:
        who += f"\n*Candidate:* {user_ref(conv.candidate_id)}"
    elif conv.candidate_name:  # an email given for a name stays off the channel: the card is public
        name = "an external candidate" if "@" in conv.candidate_name else esc(conv.candidate_name)
        who += f"\n*Candidate:* {name}"
    blocks = [header(f":movie_camera: {title}"), section(who, block_id="who"), context(status_line(conv))]
    if report_to and conv.status == "ended":
        blocks.append(context(report_to))
    if conv.has_candidate:  # private: no room link and no invite link, ever (issue 14)
        return f"{esc(title)}: {status_line(conv)}", blocks + private_actions(conv, title)
    if conv.status in ("waiting", "live"):
        blocks.append(context(":busts_in_silhouette: Open interview: anyone in this channel can join."))
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


def end_button(conv: ConversationRecord) -> dict:
    """End (a created call) or Cancel (an invite, which revokes its link), behind the same
    confirmation wherever it is shown (card, lists, Home tab)."""
    title = conv.name or "AI interview"
    if conv.conversation_id:
        text = f"This ends *{esc(cut(title, 100))}* for everyone."
        return button(
            "End",
            ids.END,
            value=conv.conversation_id,
            style="danger",
            confirm=confirm("End interview?", text, "End it"),
        )
    text = f"This cancels *{esc(cut(title, 100))}*; the candidate's link stops working."
    return button(
        "Cancel",
        ids.CANCEL_INVITE,
        value=conv.ref or "",
        style="danger",
        confirm=confirm("Cancel interview?", text, "Cancel it", no="Keep it"),
    )


def private_actions(conv: ConversationRecord, title: str) -> list[Block]:
    usable_invite = conv.status == "failed" and conv.expires_at and not conv.conversation_id
    if (conv.status not in ("invited", "waiting", "live") and not usable_invite) or not (
        conv.conversation_id or conv.ref
    ):
        return []
    return [{"type": "actions", "block_id": "card", "elements": [end_button(conv)]}]
