"""Modal submissions: validate before ack (inline errors), then show progress, then the result."""

from __future__ import annotations

import json
import logging

from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.services.access.answers import in_view
from bot.services.access.channels import channel_problem
from bot.services.personas.persona_jobs import CREATE, persona_job
from bot.services.starting.interviews import InterviewRequest
from bot.services.starting.start_job import new_token, start_job
from bot.slack import ids
from bot.slack.blocks import as_plain, esc
from bot.slack.errors import slack_failed
from bot.slack.forms import read_interview_form, read_persona_form
from bot.slack.modals import build_progress_view
from bot.slack.persona_modal import build_persona_modal
from handlers.guard import queue, submission_key, team_of, user_of, values_of
from handlers.openings import choose_opening

log = logging.getLogger(__name__)


async def update_view(client, view_id: str, view: dict) -> None:
    try:
        await client.views_update(view_id=view_id, view=view)
    except SlackApiError as exc:  # the user closed the modal: the result is in their lists
        slack_failed(exc, "show a submission's result", level=logging.INFO)


def register(app, deps: Deps) -> None:
    async def on_new_persona(ack, body, client) -> None:
        view, team, user = body.get("view") or {}, team_of(body), user_of(body)
        form, errors = read_persona_form(values_of(view))
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        # queued before the ack (a double click is the same key: queued once); a worker creates
        # it at Tavus and shows the outcome in this modal (persona_jobs.py)
        enterprise = (body.get("enterprise") or {}).get("id")
        job = persona_job(
            CREATE, team, user, key=submission_key(view), values=values_of(view), enterprise=enterprise,
            channel=metadata_channel(view), where=in_view(view["id"]),
        )  # fmt: skip
        await queue(deps, job)
        progress = build_progress_view("New persona", f"Creating *{esc(form.name)}* at Tavus…")
        await ack(response_action="update", view=progress)

    async def on_start_interview(ack, body, client) -> None:
        view, team, user = body.get("view") or {}, team_of(body), user_of(body)
        personas = await deps.db.visible_personas(team, user)
        values, opening_id = await choose_opening(deps, team, values_of(view))  # issue 25
        form, errors = read_interview_form(values, personas)
        if not errors and (problem := await channel_problem(client, form.channel)):
            errors = {ids.I_CHANNEL: as_plain(problem)}  # Slack shows inline errors as plain text
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        assert form.persona is not None
        req = InterviewRequest(
            team_id=team,
            enterprise_id=(body.get("enterprise") or {}).get("id"),
            user_id=user,
            persona=form.persona,
            channel_id=form.channel,
            name=form.name,
            candidate_id=form.candidate,
            greeting=form.greeting,
            extra_context=form.extra_context,
            minutes=form.minutes,
            recording=form.recording,
            captions=form.captions,
            language=form.language,
            request_key=submission_key(view),
            opening_id=opening_id,
            token=new_token(),
            **form.extra,
        )
        # queued before the ack; a worker starts it and shows the outcome in this modal
        # (bot/services/starting/start_job.py); a double click queues it once (one key)
        answer = {"view_id": view.get("id"), "channel": metadata_channel(view), "values": form.values}
        await queue(deps, start_job(req, answer, key="start:" + submission_key(view)))
        await ack(
            response_action="update",
            view=build_progress_view(
                "Start interview", f"Creating the interview with *{esc(form.persona.name)}*…"
            ),
        )

    async def on_more_options(ack, body, client) -> None:
        """More options: the same modal again with the rest of the fields below (views.update, as
        Slack documents for a button in a modal). Slack keeps what was typed in inputs whose block
        and action ids stay the same; the values of the click's view state are filled in too."""
        await ack()
        view = body.get("view") or {}
        if view.get("callback_id") != ids.NEW_PERSONA or not view.get("id"):
            return
        form, _ = read_persona_form((view.get("state") or {}).get("values") or {})
        longer = build_persona_modal(
            await deps.personas.replicas(body["team"]["id"]),
            deps.settings.TAVUS_DEFAULT_REPLICA_ID,
            values=form.values,
            channel_id=metadata_channel(view),
            more=True,
        )
        # no hash: the replica list may have been filled in since this view was drawn, and this
        # view carries the same list and every value, so the newer one loses nothing
        await update_view(client, view["id"], longer)

    app.view(ids.NEW_PERSONA)(on_new_persona)
    app.action(ids.MORE_PERSONA_OPTIONS)(on_more_options)
    app.view(ids.START_INTERVIEW)(on_start_interview)
    app.view(ids.PROGRESS)(ack_only)


async def ack_only(ack) -> None:
    await ack()


def metadata_channel(view: dict) -> str | None:
    try:
        return json.loads(view.get("private_metadata") or "{}").get("channel_id")
    except ValueError:
        return None
