"""The slash command: ack at once, then do any slow work and replace the progress hint."""

from __future__ import annotations

import asyncio
import hashlib
import logging

from bot.deps import Deps
from bot.services.access.answers import by_url
from bot.services.access.channels import NOT_A_CHANNEL
from bot.services.results.sharing import sharing_text
from bot.services.starting.claims import Claim
from bot.services.starting.end_job import CANCEL, end_job
from bot.services.starting.interviews import InterviewRequest
from bot.services.starting.start_job import new_token, start_job
from bot.slack.blocks import as_plain, build_notice, esc
from bot.slack.commands import QuickInterview, parse_quick_interview, split_command
from bot.slack.help import build_help
from bot.slack.lists import (
    build_delete_prompt,
    build_interview_choices,
    build_interviews_list,
    build_persona_choices,
)
from handlers.forget import forget_command
from handlers.guard import queue, team_of, user_of
from handlers.home import personas_list
from handlers.modals import open_interview_modal, open_persona_modal
from handlers.notes import note_command
from handlers.openings import COMMANDS as OPENING_COMMANDS
from handlers.openings import opening_finder, openings_command
from handlers.persona_test import test_command
from handlers.stats import stats_command

log = logging.getLogger(__name__)
ADMIN_CHECK_SECONDS = 1.0


def register(app, deps: Deps) -> None:
    async def handle_command(ack, body, respond, client) -> None:
        sub, rest = split_command(body.get("text"))
        team, user = team_of(body), user_of(body)
        command = deps.settings.SLACK_COMMAND
        if sub in ("help", "unknown"):
            admin = await quick_is_admin(deps, team, user)
            text, blocks = build_help(command, admin=admin, unknown=rest if sub == "unknown" else None)
            await ack(response_type="ephemeral", text=text, blocks=blocks)
        elif sub == "persona":  # `/tavus persona Backend interviewer`: the whole rest is the name
            await ack()
            name, trigger = as_plain(rest) or None, body.get("trigger_id", "")  # Slack escapes &, <, >
            await open_persona_modal(deps, client, trigger, respond, team, body.get("channel_id"), name)
        elif sub == "personas":
            text, blocks = await personas_list(deps, team, user)
            await ack(response_type="ephemeral", text=text, blocks=blocks)
        elif sub == "interviews":
            mine = await deps.db.invites_of(team, user) + await deps.db.active_of(team, user)
            text, blocks = build_interviews_list(mine, command)
            await ack(response_type="ephemeral", text=text, blocks=blocks)
        elif sub == "interview" and not rest:
            await ack()
            await open_interview_modal(
                deps, client, body.get("trigger_id", ""), respond, team, user, body.get("channel_id")
            )
        elif sub == "interview":
            await quick_interview(deps, ack, respond, client, body, rest)
        elif sub == "end" and not rest:
            await ack(
                response_type="ephemeral",
                text=f"Which interview? `{command} end &lt;interview name or id&gt;`; "
                f"`{command} interviews` lists yours.",
            )
        elif sub == "end":
            await ack()  # finding what may be ended can ask Slack whether this is an admin
            await end_command(deps, respond, body, rest)
        elif sub == "note":
            await ack()  # who may send it can ask Slack whether this is an admin
            await note_command(deps, respond, body, rest)
        elif sub == "test":
            await ack()  # a test conversation at Tavus takes a moment; answered through response_url
            await test_command(deps, respond, body, rest)
        elif sub == "stats":
            await ack()  # whether this is an admin (the whole workspace's numbers) may ask Slack
            await stats_command(deps, respond, body, rest)
        elif sub in OPENING_COMMANDS:  # issue 25
            await openings_command(deps, ack, respond, body, sub, rest)
        elif sub == "forget":
            await ack()  # erasure, after a confirmation
            await forget_command(deps, respond, body, rest)
        elif sub == "sharing":
            await ack()  # the owner-or-admin check may ask Slack
            await respond(text=await sharing_text(deps, team, user, rest.strip()))
        else:
            await ack()  # the ownership check may ask Slack, so answer through response_url
            await delete_command(deps, respond, body, rest)

    app.command(deps.settings.SLACK_COMMAND)(handle_command)


async def quick_interview(deps: Deps, ack, respond, client, body: dict, rest: str) -> None:
    """Parse, claim and queue the start before the ack; a worker creates it and answers through
    the command's response_url (bot/services/starting/start_job.py)."""
    channel = body.get("channel_id") or ""
    if not channel:  # Slack sends one with every command; a request without it starts nothing
        await ack(response_type="ephemeral", text=NOT_A_CHANNEL)
        return
    parsed, claim = await deps.claims.before_ack(claim_quick, deps, body, rest)
    if parsed.error or parsed.persona is None:
        await ack(
            response_type="ephemeral", text=f"{parsed.error} Try `{deps.settings.SLACK_COMMAND} personas`."
        )
        return
    if claim is None:
        await ack(
            response_type="ephemeral",
            text="You started this interview moments ago; it is on its way. "
            f"See `{deps.settings.SLACK_COMMAND} interviews`.",
        )
        return
    if not await deps.claims.queued(claim):
        await ack(
            response_type="ephemeral",
            text=":warning: Something failed: nothing was started. Please try again.",
        )
        return
    await ack(
        response_type="ephemeral",
        text=f":hourglass_flowing_sand: Creating an interview with *{esc(parsed.persona.name)}*…",
    )
    deps.outbox.kick()  # a worker in this process (tests, the playground); others see the commit


async def quick_is_admin(deps: Deps, team: str, user: str) -> bool:
    """Whether to show admin help; never worth more than a second of Slack's three."""
    try:
        return await asyncio.wait_for(deps.people.is_admin(team, user), ADMIN_CHECK_SECONDS)
    except TimeoutError:
        return False


def claim_quick(deps: Deps, body: dict, rest: str) -> tuple[QuickInterview, Claim | None]:
    """In the store trip before the ack: the command parsed against the visible personas and, when
    it names one, its intent claimed and its start queued (bot/services/starting/claims.py)."""
    store, team, user, channel = deps.store, team_of(body), user_of(body), body.get("channel_id") or ""
    visible = store.visible_personas(team, user)
    find = opening_finder(store, team, visible, lambda ref: deps.personas.find(visible, user, ref))
    parsed = parse_quick_interview(rest, find)
    parsed.opening_id = find.hit  # issue 25: an opening's name picks its persona, and groups the interview
    if parsed.error or parsed.persona is None:
        return parsed, None
    candidate = parsed.candidate_id or (parsed.candidate_email or "").lower()  # a Slack user or an email
    intent = intent_key(team, user, parsed.persona.persona_id, channel, candidate, parsed.title)
    req = InterviewRequest(
        team_id=team,
        enterprise_id=body.get("enterprise_id"),
        user_id=user,
        persona=parsed.persona,
        channel_id=channel,
        name=parsed.title,
        candidate_id=parsed.candidate_id,
        candidate_email=parsed.candidate_email,
        candidate_name=parsed.candidate_email,  # issue 14: the email stands for the name
        opening_id=parsed.opening_id,
        token=new_token(),
    )
    answer = {"response_url": body.get("response_url"), "intent": intent, "check_channel": True}
    return parsed, deps.claims.claim(intent, start_job(req, answer))


def intent_key(*parts: str | None) -> str:
    """The whole intent (workspace, user, persona, channel, candidate, title) as one claim key."""
    return "quick:" + hashlib.sha256("\x1f".join(p or "" for p in parts).encode()).hexdigest()


async def end_command(deps: Deps, respond, body: dict, rest: str) -> None:
    team, user, command = team_of(body), user_of(body), deps.settings.SLACK_COMMAND
    admin = await deps.people.is_admin(team, user)
    found = await deps.interviews.find(team, user, rest, admin=admin)
    if not found:
        await respond(
            text=f"I found no interview `{esc(rest[:60])}` that you can end, by name or id. "
            f"`{command} interviews` lists yours."
        )
    elif len(found) > 1:
        text, blocks = build_interview_choices(rest[:60], found)
        await respond(text=text, blocks=blocks)
    else:
        await respond(text=":hourglass_flowing_sand: Ending the interview…")
        # End a created call; Cancel an invite nobody used yet (which revokes its link): a worker
        # does it and answers in place of the progress line (bot/services/starting/end_job.py)
        ref = found[0].conversation_id or found[0].ref or ""
        where = by_url(body.get("response_url") or "", replace=True)
        await queue(deps, end_job(CANCEL, team, user, ref, where))


async def delete_command(deps: Deps, respond, body: dict, rest: str) -> None:
    team, user, command = team_of(body), user_of(body), deps.settings.SLACK_COMMAND
    found = await deps.personas.find_all(team, user, rest) if rest else []
    manageable = [p for p in found if await deps.people.can_manage(team, user, p)]
    if not rest or not found:
        text, blocks = build_notice(
            f"I found no persona `{esc(rest[:40]) or '?'}` in this workspace. "
            f"Usage: `{command} delete &lt;persona name or id&gt;`; `{command} personas` lists them."
        )
    elif not manageable:
        text, blocks = build_notice(
            f"Only <@{found[0].owner_id}> or an admin can delete *{esc(found[0].name)}*."
        )
    elif len(manageable) > 1:
        text, blocks = build_persona_choices(rest[:60], manageable)
    else:
        text, blocks = build_delete_prompt(manageable[0])
    await respond(text=text, blocks=blocks)
