"""The App Home tab: a person's personas and interviews, with buttons to make more."""

from __future__ import annotations

from typing import Any

from bot.records import ConversationRecord, PersonaRecord
from bot.slack import ids
from bot.slack.blocks import Block, button, context, esc, header, link, section, user_ref
from bot.slack.card import end_button, status_line
from bot.slack.documents import document_words
from bot.slack.lists import interview_rows, persona_buttons, replica_words

MAX_ROWS = 10
MAX_SHARED = 5


def build_home(
    personas: list[PersonaRecord],
    active: list[ConversationRecord],
    ended: list[ConversationRecord],
    *,
    command: str = "/tavus",
    notice: str | None = None,
    can_set_key: bool = False,
    shared: list[PersonaRecord] | None = None,
    everyone: list[ConversationRecord] | None = None,
    replica_names: dict[str, str] | None = None,
    can_configure: bool = False,
    invites: list[tuple[ConversationRecord, str | None]] | None = None,
    report_links: dict[str, str] | None = None,
    openings: list[Block] | None = None,
    decisions: dict[str, str] | None = None,
) -> dict[str, Any]:
    """`shared`: others' personas this person may use; `everyone`: the workspace's invites,
    waiting and live interviews, for an admin (None for everyone else); `report_links`: the
    ended interviews' report permalinks, by token."""
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
        blocks.append(section(_persona_line(p, replica_names)))
        blocks.append(persona_buttons(p, mine=True))
    if shared:
        blocks.append(section(f"*Shared with you* ({len(shared)})"))
        for p in shared[:MAX_SHARED]:
            blocks.append(
                section(
                    _persona_line(p, replica_names) + f" · by {user_ref(p.owner_id)}",
                    accessory=button("Start interview", ids.START_FROM_PERSONA, value=p.persona_id),
                )
            )
    blocks += invite_rows(invites or [])
    blocks += openings or []  # issue 25: built by bot/slack/openings.py
    blocks += [{"type": "divider"}, section(f"*Waiting and live* ({len(active)})")]
    if not active:
        blocks.append(context("No interview is waiting or live."))
    blocks += interview_rows(active[:MAX_ROWS])
    if everyone is not None:
        blocks += [
            {"type": "divider"},
            section(
                f"*Everyone's invites, waiting and live interviews* ({len(everyone)}) · you are an admin"
            ),
        ]
        if not everyone:
            blocks.append(context("No interview in this workspace is invited, waiting or live."))
        blocks += interview_rows(everyone[:MAX_ROWS], owners=True)
    blocks += [{"type": "divider"}, section("*Recently ended*")]
    if not ended:
        blocks.append(context("Nothing has ended yet."))
    for conv in ended[: max(0, min(MAX_ROWS, 99 - len(blocks)))]:
        ref = esc(conv.conversation_id or conv.ref)
        report = (report_links or {}).get(conv.token)
        seen = f" · {link(report, 'open the report')}" if report else ""
        verdict = (decisions or {}).get(conv.token)
        decided = f" · decision: *{verdict.capitalize()}*" if verdict else ""  # issue 25
        blocks.append(context(f"*{esc(conv.name)}* `{ref}` — {status_line(conv)}{seen}{decided}"))
    return {"type": "home", "blocks": blocks[:100]}


def _persona_line(p: PersonaRecord, replica_names: dict[str, str] | None) -> str:
    replica = replica_words(p.replica_id, replica_names)
    line = f"*{esc(p.name)}*  `{p.persona_id}` · {p.pipeline_mode} · replica {replica}"
    return line + (f"\n{words}" if (words := document_words(p)) else "")


def invite_rows(invites: list[tuple[ConversationRecord, str | None]]) -> list[Block]:
    """The owner's open invites, each with its private link to copy (only they see it)."""
    if not invites:
        return []
    blocks: list[Block] = [
        {"type": "divider"},
        section(f"*Invites waiting for their candidate* ({len(invites)})"),
    ]
    for conv, invite_link in invites[:MAX_ROWS]:
        who = user_ref(conv.candidate_id) if conv.candidate_id else esc(conv.candidate_name)
        text = f"*{esc(conv.name)}* for {who} · `{esc(conv.ref)}`\n{status_line(conv)}"
        if invite_link:
            text += f"\nPrivate link to send them:\n```{esc(invite_link)}```"
        blocks.append(section(text, accessory=end_button(conv)))
    return blocks
