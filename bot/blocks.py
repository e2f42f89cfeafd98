"""Pure builders for every message the app posts: cards, lists, help."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot import ids
from bot.messages import shutdown_words
from bot.store import ConversationRecord, PersonaRecord

if TYPE_CHECKING:
    from bot.interviews import StartOutcome

Block = dict[str, Any]
MAX_SECTION = 3000
MAX_BUTTON = 75
MAX_LIST = 15  # rows in a list message; each row takes up to three blocks (50 max)


def esc(text: str | None) -> str:
    """Escape user text for mrkdwn, so it cannot mention or link."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str | None, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = MAX_BUTTON) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(text, limit) or " ", "emoji": True}


def section(text: str, **extra: Any) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, MAX_SECTION)}, **extra}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": cut(text, 2000)}]}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, 150)}


def button(
    text: str,
    action_id: str,
    *,
    value: str | None = None,
    url: str | None = None,
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    el: dict[str, Any] = {"type": "button", "text": plain(text), "action_id": action_id}
    for key, val in (("value", value), ("url", url), ("style", style), ("confirm", confirm)):
        if val is not None:
            el[key] = val
    return el


def confirm(title: str, text: str, yes: str) -> dict[str, Any]:
    return {
        "title": plain(title, 100),
        "text": {"type": "mrkdwn", "text": cut(text, 300)},
        "confirm": plain(yes, 30),
        "deny": plain("Cancel", 30),
        "style": "danger",
    }


def slack_date(iso: str | None, fmt: str = "{date_short_pretty} at {time}") -> str:
    """Slack renders this in each reader's own time zone."""
    moment = parse_time(iso)
    if moment is None:
        return esc(iso) or "unknown time"
    return f"<!date^{int(moment.timestamp())}^{fmt}|{esc(iso)}>"


def parse_time(iso: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat((iso or "").replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def duration_seconds(start: str | None, end: str | None) -> int | None:
    begin, finish = parse_time(start), parse_time(end)
    if begin is None or finish is None:
        return None
    return max(0, int((finish - begin).total_seconds()))


def duration_text(start: str | None, end: str | None) -> str | None:
    seconds = duration_seconds(start, end)
    if seconds is None:
        return None
    minutes, secs = divmod(seconds, 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


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


def build_interview_card(conv: ConversationRecord) -> tuple[str, list[Block]]:
    """The channel message that follows one interview."""
    title = conv.name or "AI interview"
    who = f"*Persona:* {esc(conv.persona_name or conv.persona_id)}\n*Started by:* <@{conv.owner_id}>"
    if conv.candidate_id:
        who += f"\n*Candidate:* <@{conv.candidate_id}>"
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
                    button(
                        "End",
                        ids.END,
                        value=conv.conversation_id,
                        style="danger",
                        confirm=confirm(
                            "End interview?", f"This ends *{esc(cut(title, 100))}* for everyone.", "End it"
                        ),
                    ),
                ],
            }
        )
    return f"{esc(title)}: {status_line(conv)}", blocks


def build_help(command: str) -> tuple[str, list[Block]]:
    c = command
    rows = [
        (f"`{c} persona`", "create a Tavus persona (opens a form)"),
        (f"`{c} personas`", "list your personas, with Start interview and Delete"),
        (f"`{c} interview`", "start an AI interview (opens a form)"),
        (f"`{c} interview <persona id or name> [@candidate] [title]`", "start one right here"),
        (f"`{c} interviews`", "your waiting and live interviews, with Join and End"),
        (f"`{c} end <conversation id>`", "end an interview (owner or admin)"),
        (f"`{c} delete <persona id>`", "delete a persona (owner or admin)"),
        (f"`{c} help`", "this help"),
    ]
    text = "\n".join(f"• {cmd} — {what}" for cmd, what in rows)
    example = f"Example: `{c} interview Interviewer @casey Backend engineer, round 1`"
    return "Tavus interviews: commands", [
        section("*Tavus AI interviews in Slack*"),
        section(text),
        context(example),
    ]


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
        blocks.append(section(f"*{esc(conv.name)}*  `{conv.conversation_id}`{where}\n{status_line(conv)}"))
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


def build_notice(text: str, extra: list[Block] | None = None) -> tuple[str, list[Block]]:
    """A plain sentence for the user, with optional blocks after it."""
    return text, [section(text), *(extra or [])]


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
    join = f"<{conv.url}|Join the call>" if conv.url else "the link is on its way"
    if outcome.duplicate:
        return build_notice(f"*{title}* was already started ({conv.status}). {join}")
    if outcome.post_error:
        return build_notice(
            f":warning: *{title}* is ready, but {outcome.post_error}\n"
            f"Share the link yourself meanwhile: {conv.url}"
        )
    return build_notice(f":white_check_mark: Started *{title}* in <#{conv.channel_id}>. {join}")
