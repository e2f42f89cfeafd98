"""The slash command: ack at once, then do any slow work and replace the progress hint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.deps import Deps
from bot.services.channels import channel_problem
from bot.services.interviews import InterviewRequest
from bot.slack.blocks import build_notice, esc
from bot.slack.commands import parse_quick_interview, split_command
from bot.slack.help import build_help
from bot.slack.lists import (
    build_delete_prompt,
    build_interviews_list,
    build_personas_list,
    build_start_outcome,
)
from handlers.forget import forget_command
from handlers.modals import open_interview_modal, open_persona_modal

DUPLICATE_WINDOW = timedelta(seconds=15)  # a command sent twice this fast is one intent


def register(app, deps: Deps) -> None:
    async def handle_command(ack, body, respond, client) -> None:
        sub, rest = split_command(body.get("text"))
        team, user = body["team_id"], body["user_id"]
        command = deps.settings.SLACK_COMMAND
        if sub == "help":
            text, blocks = build_help(command)
            await ack(response_type="ephemeral", text=text, blocks=blocks)
        elif sub == "persona":
            await ack()
            await open_persona_modal(deps, client, body["trigger_id"], respond, team)
        elif sub == "personas":
            text, blocks = build_personas_list(deps.store.personas_of(team, user), command)
            await ack(response_type="ephemeral", text=text, blocks=blocks)
        elif sub == "interviews":
            mine = deps.store.invites_of(team, user) + deps.store.active_of(team, user)  # issue 14
            text, blocks = build_interviews_list(mine, command)
            await ack(response_type="ephemeral", text=text, blocks=blocks)
        elif sub == "interview" and not rest:
            await ack()
            personas = deps.store.visible_personas(team, user)
            await open_interview_modal(
                deps, client, body["trigger_id"], respond, personas, body.get("channel_id")
            )
        elif sub == "interview":
            await quick_interview(deps, ack, respond, client, body, rest)
        elif sub == "end":
            await end_command(deps, ack, respond, body, rest)
        elif sub == "forget":
            await ack()  # issue 14: erasure, after a confirmation
            await forget_command(deps, respond, body, rest)
        else:
            await ack()  # the ownership check may ask Slack, so answer through response_url
            await delete_command(deps, respond, body, rest)

    app.command(deps.settings.SLACK_COMMAND)(handle_command)


async def quick_interview(deps: Deps, ack, respond, client, body: dict, rest: str) -> None:
    team, user, channel = body["team_id"], body["user_id"], body["channel_id"]
    parsed = parse_quick_interview(rest, lambda ref: deps.personas.find(team, user, ref))
    if parsed.error or parsed.persona is None:
        await ack(
            response_type="ephemeral", text=f"{parsed.error} Try `{deps.settings.SLACK_COMMAND} personas`."
        )
        return
    since = (datetime.now(UTC) - DUPLICATE_WINDOW).isoformat(timespec="milliseconds")
    if deps.store.recent_duplicate(team, user, parsed.persona.persona_id, channel, since):
        await ack(
            response_type="ephemeral",
            text="You started this interview moments ago; it is on its way. "
            f"See `{deps.settings.SLACK_COMMAND} interviews`.",
        )
        return
    await ack(
        response_type="ephemeral",
        text=f":hourglass_flowing_sand: Creating an interview with *{esc(parsed.persona.name)}*…",
    )
    if problem := await channel_problem(client, channel):  # before Tavus bills for a card nobody sees
        await respond(text=f":warning: {problem}", replace_original=True)
        return
    outcome = await deps.interviews.start(
        InterviewRequest(
            team_id=team,
            enterprise_id=body.get("enterprise_id"),
            user_id=user,
            persona=parsed.persona,
            channel_id=channel,
            name=parsed.title,
            candidate_id=parsed.candidate_id,
            candidate_email=parsed.candidate_email,
            candidate_name=parsed.candidate_email,  # issue 14: the email stands for the name
        )
    )
    text, blocks = build_start_outcome(outcome)
    await respond(text=text, blocks=blocks, replace_original=True)


async def end_command(deps: Deps, ack, respond, body: dict, rest: str) -> None:
    conversation_id = rest.split()[0] if rest else ""
    if not conversation_id:
        await ack(
            response_type="ephemeral",
            text=f"Which interview? `{deps.settings.SLACK_COMMAND} end <conversation id>`; "
            f"`{deps.settings.SLACK_COMMAND} interviews` lists yours.",
        )
        return
    await ack(response_type="ephemeral", text=":hourglass_flowing_sand: Ending the interview…")
    # issue 14: an interview's ref (ref-…) or its conversation id; an unused invite is cancelled
    answer = await deps.invite_flow.cancel(body["team_id"], body["user_id"], conversation_id)
    await respond(text=answer, replace_original=True)


async def delete_command(deps: Deps, respond, body: dict, rest: str) -> None:
    persona_id = rest.split()[0] if rest else ""
    persona = deps.store.persona(body["team_id"], persona_id) if persona_id else None
    if persona is None:
        text, blocks = build_notice(
            f"I found no persona `{esc(persona_id[:40]) or '?'}` in this workspace. "
            f"Usage: `{deps.settings.SLACK_COMMAND} delete <persona id>`."
        )
    elif not await deps.people.can_manage(body["team_id"], body["user_id"], persona):
        text, blocks = build_notice(
            f"Only <@{persona.owner_id}> or an admin can delete *{esc(persona.name)}*."
        )
    else:
        text, blocks = build_delete_prompt(persona)
    await respond(text=text, blocks=blocks)
