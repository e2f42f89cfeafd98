"""The Note to interviewer modal: one multiline input for a note the AI interviewer weighs."""

from __future__ import annotations

from typing import Any

from bot.records import ConversationRecord
from bot.slack import ids
from bot.slack.blocks import context, cut, esc, section
from bot.slack.modals import modal, text_input, with_errors

MAX_NOTE = 2000  # a note, not a new system prompt
EXPLAIN = (
    "The AI interviewer takes your note into account from its next turn, for example to dig "
    "deeper or move on. The candidate does not hear it or see it."
)


def note_title(conv: ConversationRecord) -> str:
    return esc(cut(conv.name or "the interview", 100))


def build_note_modal(
    conv: ConversationRecord, *, text: str | None = None, error: str | None = None
) -> dict[str, Any]:
    """The form; `text` and `error` come back when Tavus asked us to try again (after views.update
    Slack shows no inline errors, so the error is drawn under the input)."""
    blocks = [
        section(f"A note to the interviewer of *{note_title(conv)}*."),
        text_input(
            ids.N_TEXT,
            "Note",
            multiline=True,
            max_length=MAX_NOTE,
            initial=text,
            placeholder="e.g. Ask more about how they tested the payments service.",
        ),
        context(EXPLAIN),
    ]
    return modal(
        ids.NOTE_VIEW,
        "Note to interviewer",
        with_errors(blocks, {ids.N_TEXT: error} if error else None),
        submit="Send",
        metadata={"conversation_id": conv.conversation_id},
    )


def note_text(view: dict[str, Any]) -> str:
    """The note as typed (Slack sends None for an empty input)."""
    values = view.get("state", {}).get("values", {})
    return ((values.get(ids.N_TEXT) or {}).get(ids.VALUE) or {}).get("value") or ""
