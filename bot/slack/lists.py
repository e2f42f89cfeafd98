"""Lists of personas and interviews, the delete prompt, and what a starter sees."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.slack import ids
from bot.slack.blocks import MAX_LIST, Block, build_notice, button, confirm, context, cut, esc, section
from bot.slack.card import end_button, status_line
from bot.store import ConversationRecord, PersonaRecord

if TYPE_CHECKING:
    from bot.services.interviews import StartOutcome


def build_personas_list(personas: list[PersonaRecord], command: str) -> tuple[str, list[Block]]:
    if not personas:
        return "You have no personas yet.", [
            section(f"You have no personas yet. Create one with `{command} persona`.")
        ]
    blocks: list[Block] = [section(f"*Your personas* ({len(personas)})")]
    for p in personas[:MAX_LIST]:
        detail = f"*{esc(p.name)}*  `{p.persona_id}`\n{p.pipeline_mode} pipeline · replica `{p.replica_id}`"
        if p.perception_model:
            detail += f" · perception {esc(p.perception_model)}"
        blocks.append(section(detail))
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    button("Start interview", ids.START_FROM_PERSONA, value=p.persona_id, style="primary"),
                    delete_button(p),
                ],
            }
        )
    if len(personas) > MAX_LIST:
        blocks.append(context(f"…and {len(personas) - MAX_LIST} more."))
    return f"Your personas ({len(personas)})", blocks


def delete_confirm(persona: PersonaRecord) -> dict[str, Any]:
    return confirm(
        "Delete persona?",
        f"Delete *{esc(cut(persona.name, 100))}* (`{persona.persona_id}`) "
        "at Tavus? Interviews already started keep running.",
        "Delete",
    )


def delete_button(persona: PersonaRecord) -> dict[str, Any]:
    """Delete, behind Slack's own confirmation dialog."""
    return button(
        "Delete",
        ids.DELETE_PERSONA,
        value=persona.persona_id,
        style="danger",
        confirm=delete_confirm(persona),
    )


def build_delete_prompt(persona: PersonaRecord) -> tuple[str, list[Block]]:
    return f"Delete persona {esc(persona.name)}?", [
        section(f"Delete persona *{esc(persona.name)}* (`{persona.persona_id}`)?"),
        {
            "type": "actions",
            "elements": [delete_button(persona)],
        },
    ]


def interview_rows(convs: list[ConversationRecord]) -> list[Block]:
    """A section and a Join/End row per waiting or live interview."""
    blocks: list[Block] = []
    for conv in convs[:MAX_LIST]:
        where = f" in <#{conv.channel_id}>" if conv.channel_id else ""
        ref = conv.conversation_id or conv.ref
        blocks.append(section(f"*{esc(conv.name)}*  `{ref}`{where}\n{status_line(conv)}"))
        if conv.has_candidate:  # issue 14: a candidate's room is theirs; the owner may end it
            blocks.append({"type": "actions", "elements": [end_button(conv, conv.name or "")]})
            continue
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    button("Join", ids.JOIN, url=conv.url, value=conv.conversation_id, style="primary"),
                    button("End", ids.END, value=conv.conversation_id, style="danger"),
                ],
            }
        )
    return blocks


def build_interviews_list(convs: list[ConversationRecord], command: str) -> tuple[str, list[Block]]:
    if not convs:
        return "You have no waiting or live interviews.", [
            section(f"You have no waiting or live interviews. Start one with `{command} interview`.")
        ]
    return (
        f"Your interviews ({len(convs)})",
        [section(f"*Your waiting and live interviews* ({len(convs)})"), *interview_rows(convs)],
    )


def build_start_outcome(outcome: StartOutcome) -> tuple[str, list[Block]]:
    """What the starter sees once Tavus has answered."""
    conv = outcome.conv
    if outcome.error:
        extra = []
        if outcome.running:
            extra = [section("*Still running:*"), *interview_rows(outcome.running)]
        return build_notice(f":warning: {outcome.error}", extra)
    assert conv is not None
    title = esc(conv.name)
    if conv.has_candidate:
        return build_notice(private_outcome(outcome))
    join = f"<{conv.url}|Join the call>" if conv.url else "the link is on its way"
    if outcome.duplicate:
        return build_notice(f"*{title}* was already started ({conv.status}). {join}")
    if outcome.post_error:
        return build_notice(
            f":warning: *{title}* is ready, but {outcome.post_error}\n"
            f"Share the link yourself meanwhile: {conv.url}"
        )
    return build_notice(f":white_check_mark: Started *{title}* in <#{conv.channel_id}>. {join}")


def private_outcome(outcome: StartOutcome) -> str:
    """What the owner of an interview with a candidate sees: the private link, only here."""
    conv = outcome.conv
    assert conv is not None
    title = esc(conv.name)
    who = f"<@{conv.candidate_id}>" if conv.candidate_id else esc(conv.candidate_name)
    sent = " I sent it to them by DM." if conv.candidate_id else " Send it to them yourself (by email)."
    head = f"*{title}* was already started ({conv.status})." if outcome.duplicate else ""
    if not head:
        head = f":white_check_mark: Invited {who} to *{title}*; the card is in <#{conv.channel_id}>."
        if outcome.post_error:
            head = f":warning: *{title}* is ready, but {outcome.post_error}"
    link = f"\nTheir private link (only for {who}):\n```{outcome.link}```" if outcome.link else ""
    return head + link + (sent if outcome.link and not outcome.duplicate else "")
