"""The App Home tab: a person's personas and interviews, with buttons to make more."""

from __future__ import annotations

from typing import Any

from bot.slack import ids
from bot.slack.blocks import Block, button, context, esc, header, section
from bot.slack.card import status_line
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
