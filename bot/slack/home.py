"""The App Home tab: a person's personas and interviews, with buttons to make more."""

from __future__ import annotations

from typing import Any

from bot.slack import ids
from bot.slack.blocks import Block, button, context, esc, header, section
from bot.slack.card import end_button, status_line
from bot.slack.lists import delete_button, interview_rows
from bot.store import ConversationRecord, PersonaRecord

MAX_ROWS = 10


def build_home(
    personas: list[PersonaRecord],
    active: list[ConversationRecord],
    ended: list[ConversationRecord],
    *,
    command: str = "/tavus",
    notice: str | None = None,
    can_set_key: bool = False,
    can_configure: bool = False,
    invites: list[tuple[ConversationRecord, str | None]] | None = None,
) -> dict[str, Any]:
    blocks: list[Block] = [header("Tavus AI interviews")]
    if notice:
        blocks.append(section(notice))
    blocks.append(
        {
            "type": "actions",
            "block_id": "home_buttons",
            "elements": [
                button("New persona", ids.OPEN_NEW_PERSONA, style="primary"),
                button("Start interview", ids.OPEN_START_INTERVIEW),
                *([button("Tavus key", ids.OPEN_TAVUS_KEY)] if can_set_key else []),
                *([button("Interview settings", ids.OPEN_INTERVIEW_SETTINGS)] if can_configure else []),
            ],
        }
    )
    blocks += [{"type": "divider"}, section(f"*Your personas* ({len(personas)})")]
    if not personas:
        blocks.append(context(f"None yet: press New persona, or type `{command} persona`."))
    for p in personas[:MAX_ROWS]:
        blocks.append(
            section(
                f"*{esc(p.name)}*  `{p.persona_id}` · {p.pipeline_mode}",
                accessory=button("Start interview", ids.START_FROM_PERSONA, value=p.persona_id),
            )
        )
        blocks.append(
            {
                "type": "actions",
                "elements": [delete_button(p)],
            }
        )
    blocks += invite_rows(invites or [])
    blocks += [{"type": "divider"}, section(f"*Waiting and live* ({len(active)})")]
    if not active:
        blocks.append(context("No interview is waiting or live."))
    blocks += interview_rows(active[:MAX_ROWS])
    blocks += [{"type": "divider"}, section("*Recently ended*")]
    if not ended:
        blocks.append(context("Nothing has ended yet."))
    for conv in ended[:MAX_ROWS]:
        blocks.append(context(f"*{esc(conv.name)}* `{conv.conversation_id}` — {status_line(conv)}"))
    return {"type": "home", "blocks": blocks[:100]}


def invite_rows(invites: list[tuple[ConversationRecord, str | None]]) -> list[Block]:
    """Issue 14: the owner's open invites, each with its private link to copy (only they see it)."""
    if not invites:
        return []
    blocks: list[Block] = [
        {"type": "divider"},
        section(f"*Invites waiting for their candidate* ({len(invites)})"),
    ]
    for conv, link in invites[:MAX_ROWS]:
        who = f"<@{conv.candidate_id}>" if conv.candidate_id else esc(conv.candidate_name)
        text = f"*{esc(conv.name)}* for {who} · `{conv.ref}`\n{status_line(conv)}"
        if link:
            text += f"\nPrivate link to send them:\n```{link}```"
        blocks.append(section(text, accessory=end_button(conv, conv.name or "")))
    return blocks
