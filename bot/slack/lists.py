"""Lists of personas and interviews, the delete prompt, and what a starter sees."""

from __future__ import annotations

from typing import Any

from bot.records import ConversationRecord, PersonaRecord, StartOutcome
from bot.slack import ids
from bot.slack.blocks import (
    MAX_LIST,
    Block,
    build_notice,
    button,
    channel_ref,
    confirm,
    context,
    cut,
    esc,
    link,
    section,
    user_ref,
)
from bot.slack.card import end_button, status_line
from bot.slack.documents import document_words


def replica_words(replica_id: str | None, replica_names: dict[str, str] | None) -> str:
    """The replica's name where Tavus told us, else its id."""
    name = (replica_names or {}).get(replica_id or "")
    return esc(name) if name else f"`{replica_id or '?'}`"


def persona_detail(p: PersonaRecord, replica_names: dict[str, str] | None) -> str:
    detail = f"*{esc(p.name)}*  `{p.persona_id}`\n{p.pipeline_mode} pipeline · replica "
    detail += replica_words(p.replica_id, replica_names)
    detail += f" · perception {esc(p.perception_model or 'off')}"  # issue 24: always said
    if words := document_words(p):
        detail += f"\n{words}"
    return detail


def persona_buttons(p: PersonaRecord, *, mine: bool) -> Block:
    elements = [
        button("Start interview", ids.START_FROM_PERSONA, value=p.persona_id, style="primary"),
        button("Test", ids.TEST_PERSONA, value=p.persona_id),  # test mode: free, no interview
    ]
    if mine:
        elements += [button("Edit", ids.EDIT_PERSONA, value=p.persona_id), delete_button(p)]
    return {"type": "actions", "elements": elements}


def build_personas_list(
    personas: list[PersonaRecord],
    command: str,
    *,
    shared: list[PersonaRecord] | None = None,
    replica_names: dict[str, str] | None = None,
) -> tuple[str, list[Block]]:
    """Your personas, then the ones others share with the workspace."""
    shared = shared or []
    if not personas and not shared:
        return "You have no personas yet.", [
            section(f"You have no personas yet. Create one with `{command} persona`.")
        ]
    blocks: list[Block] = [section(f"*Your personas* ({len(personas)})")]
    if not personas:
        blocks.append(context(f"None of your own yet: `{command} persona` creates one."))
    rows = [(p, True) for p in personas] + [(p, False) for p in shared]
    for i, (p, mine) in enumerate(rows[:MAX_LIST]):
        if not mine and (i == 0 or rows[i - 1][1]):
            blocks.append(section(f"*Shared with you* ({len(shared)})"))
        blocks += [section(persona_detail(p, replica_names)), persona_buttons(p, mine=mine)]
    if len(rows) > MAX_LIST:
        blocks.append(context(f"…and {len(rows) - MAX_LIST} more."))
    return f"Your personas ({len(personas)}), shared with you ({len(shared)})", blocks


def delete_confirm(persona: PersonaRecord) -> dict[str, Any]:
    return confirm(
        "Delete persona?",
        f"Delete *{esc(cut(persona.name, 100))}* (`{persona.persona_id}`) "
        "at Tavus? Interviews already started keep running.",
        "Delete",
    )


def delete_button(persona: PersonaRecord, *, ask: bool = True) -> dict[str, Any]:
    """Delete, behind Slack's own confirmation dialog unless the message itself is the question."""
    return button(
        "Delete",
        ids.DELETE_PERSONA,
        value=persona.persona_id,
        style="danger",
        confirm=delete_confirm(persona) if ask else None,
    )


def build_delete_prompt(persona: PersonaRecord) -> tuple[str, list[Block]]:
    """The one question `/tavus delete` asks: its button deletes at once."""
    return f"Delete persona {esc(persona.name)}?", [
        section(
            f"Delete persona *{esc(persona.name)}* (`{persona.persona_id}`) at Tavus? "
            "Interviews already started keep running."
        ),
        {"type": "actions", "elements": [delete_button(persona, ask=False)]},
    ]


def build_persona_choices(ref: str, personas: list[PersonaRecord]) -> tuple[str, list[Block]]:
    """Several personas answer to one name: each with its own Delete."""
    blocks: list[Block] = [section(f"{len(personas)} personas are called *{esc(ref)}*: which one?")]
    for p in personas[:MAX_LIST]:
        blocks.append(section(persona_detail(p, None), accessory=delete_button(p)))
    return f"{len(personas)} personas are called {esc(ref)}", blocks


def build_interview_choices(ref: str, convs: list[ConversationRecord]) -> tuple[str, list[Block]]:
    """Several interviews answer to one name: each with its own Join and End."""
    return f"{len(convs)} interviews are called {esc(ref)}", [
        section(f"{len(convs)} waiting or live interviews are called *{esc(ref)}*: which one?"),
        *interview_rows(convs, owners=True),
    ]


def interview_rows(convs: list[ConversationRecord], *, owners: bool = False) -> list[Block]:
    """A section and a Join/Note/End row per waiting or live interview."""
    blocks: list[Block] = []
    for conv in convs[:MAX_LIST]:
        where = f" in {channel_ref(conv.channel_id)}" if conv.channel_id else ""
        by = f" · started by {user_ref(conv.owner_id)}" if owners else ""
        ref = conv.conversation_id or conv.ref
        blocks.append(section(f"*{esc(conv.name)}*  `{esc(ref)}`{where}{by}\n{status_line(conv)}"))
        # a candidate's room is theirs (no Join); the owner may still end it
        join = button("Join", ids.JOIN, url=conv.url, value=conv.conversation_id, style="primary")
        elements = [] if conv.has_candidate else [join]
        blocks.append({"type": "actions", "elements": [*elements, *note_button(conv), end_button(conv)]})
    return blocks


def note_button(conv: ConversationRecord) -> list[dict[str, Any]]:
    """*Note to interviewer*, only while the call is live: Tavus takes notes only for an active
    conversation, and one sent before the candidate joins would wait unseen. Only on the private
    views of whoever may manage the interview (these lists), never on the channel card."""
    if conv.status != "live" or not conv.conversation_id:
        return []
    return [button("Note to interviewer", ids.OPEN_NOTE, value=conv.conversation_id)]


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
    """What the starter sees once Tavus has answered (its error sentences are mrkdwn, escaped where built)."""
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
    join = link(conv.url, "Join the call") if conv.url else "the link is on its way"
    if outcome.duplicate:
        return build_notice(f"*{title}* was already started ({esc(conv.status)}). {join}")
    if outcome.post_error:
        return build_notice(
            f":warning: *{title}* is ready, but {outcome.post_error}\n"
            f"Share the link yourself meanwhile: {esc(conv.url)}"
        )
    return build_notice(f":white_check_mark: Started *{title}* in {channel_ref(conv.channel_id)}. {join}")


def private_outcome(outcome: StartOutcome) -> str:
    """What the owner of an interview with a candidate sees: the private link, only here."""
    conv = outcome.conv
    assert conv is not None
    title = esc(conv.name)
    who = user_ref(conv.candidate_id) if conv.candidate_id else esc(conv.candidate_name)
    sent = " I sent it to them by DM." if conv.candidate_id else " Send it to them yourself (by email)."
    head = f"*{title}* was already started ({esc(conv.status)})." if outcome.duplicate else ""
    if not head:
        where = channel_ref(conv.channel_id)
        head = f":white_check_mark: Invited {who} to *{title}*; the card is in {where}."
        if outcome.post_error:
            head = f":warning: *{title}* is ready, but {outcome.post_error}"
    private = f"\nTheir private link (only for {who}):\n```{esc(outcome.link)}```" if outcome.link else ""
    return head + private + (sent if outcome.link and not outcome.duplicate else "")
