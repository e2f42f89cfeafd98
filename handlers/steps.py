"""Issue 27: the app's two Workflow Builder steps (manifest.yml `functions`). Bolt acknowledges the
`function_executed` event; each listener records the step, and its end goes to Slack through the
outbox (bot/services/steps.py), so it is told once, within the rate budget, across restarts."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from bot.deps import Deps
from bot.services.channels import channel_problem
from bot.services.interviews import InterviewRequest
from bot.store import PersonaRecord

log = logging.getLogger(__name__)

SEND, WAIT = "send_ai_interview", "wait_for_ai_interview"
MAX_HOURS = 720  # an invite's link lives 30 days at most, as in the form
STEP_FAILED = "Something went wrong on the Tavus Interviews app's side (it is logged); please run it again."


def register(app, deps: Deps) -> None:
    async def send(event: dict, body: dict, client) -> None:
        await failing_step(deps, body, event, send_step(deps, client, body.get("team_id") or "", event))

    async def wait(event: dict, body: dict) -> None:
        await failing_step(deps, body, event, wait_step(deps, body.get("team_id") or "", event))

    app.function(SEND)(send)
    app.function(WAIT)(wait)


async def failing_step(deps: Deps, body: dict, event: dict, work) -> None:
    """Run a step's listener; if it fails on our side the step fails with a sentence, so the
    workflow does not wait forever (a redelivery of the same step then changes nothing)."""
    try:
        await work
    except Exception as exc:
        log.error("workflow step %s failed: %s", event.get("function_execution_id"), exc, exc_info=exc)
        execution = event.get("function_execution_id")
        if execution:
            await deps.db.add_step(execution, body.get("team_id") or "", "failed", None, STEP_FAILED)
            deps.outbox.kick()


def inputs_of(event: dict) -> dict:
    inputs = event.get("inputs")
    return inputs if isinstance(inputs, dict) else {}


def text_input(inputs: dict, name: str) -> str:
    value = inputs.get(name)
    return value.strip() if isinstance(value, str) else ""


async def send_step(deps: Deps, client, team: str, event: dict) -> None:
    execution, inputs = event.get("function_execution_id") or "", inputs_of(event)
    if not execution:
        return
    req, error = await interview_request(deps, client, team, execution, inputs)
    conv_token = None
    if error is None:
        outcome = await deps.interviews.start(req)
        error = (
            None if outcome.conv and not outcome.error else outcome.error or "The interview did not start."
        )
        conv_token = outcome.conv.token if outcome.conv else None
    await deps.db.add_step(execution, team, "send", conv_token, error)
    deps.outbox.kick()


async def interview_request(
    deps: Deps, client, team: str, execution: str, inputs: dict
) -> tuple[InterviewRequest | None, str | None]:
    """The inputs as an interview to start, or the sentence a workflow's author reads."""
    owner, channel = text_input(inputs, "owner"), text_input(inputs, "channel")
    who, name, email = text_input(inputs, "candidate_user"), text_input(inputs, "candidate_name"), ""
    email = text_input(inputs, "candidate_email")
    if not team or not owner:
        return None, "Set Owner to the person who used this workflow: the interview needs an owner."
    if not channel:
        return None, "Choose the channel where the interview's card goes."
    if not (who or name):
        return None, "Give the candidate's name or their Slack user."
    persona, problem = await find_persona(deps, team, owner, text_input(inputs, "persona"))
    if problem:
        return None, problem
    window, problem = invite_window(inputs)
    if problem:
        return None, problem
    if problem := await channel_problem(client, channel):
        return None, problem
    return InterviewRequest(
        team_id=team,
        user_id=owner,
        persona=persona,
        channel_id=channel,
        name=text_input(inputs, "title")[:150],
        candidate_id=who or None,
        candidate_name=name[:80] or None,
        candidate_email=email[:254] or None,
        request_key=f"workflow:{execution}",
        **window,
    ), None


async def find_persona(
    deps: Deps, team: str, owner: str, ref: str
) -> tuple[PersonaRecord | None, str | None]:
    if not ref:
        return None, "Name the persona (its name or id) that interviews the candidate."
    visible = await deps.db.visible_personas(team, owner)
    persona = deps.personas.find(visible, owner, ref)
    if persona is None:
        return None, f"No persona called “{ref[:80]}” is available to the workflow's owner."
    return persona, None


def invite_window(inputs: dict) -> tuple[dict, str | None]:
    window: dict = {}
    opens, hours = inputs.get("opens_at"), inputs.get("hours")
    if opens not in (None, ""):
        try:
            window["opens_at"] = datetime.fromtimestamp(float(opens), UTC).isoformat(timespec="milliseconds")
        except (TypeError, ValueError, OverflowError):
            return {}, "The invite's opening time is not a time."
    if hours not in (None, ""):
        try:
            window["expires_hours"] = int(hours)
        except (TypeError, ValueError):
            return {}, "The link's validity must be a whole number of hours."
        if not 1 <= window["expires_hours"] <= MAX_HOURS:
            return {}, f"The link's validity must be between 1 and {MAX_HOURS} hours (30 days)."
    return window, None


async def wait_step(deps: Deps, team: str, event: dict) -> None:
    execution, inputs = event.get("function_execution_id") or "", inputs_of(event)
    if not execution:
        return
    ref = text_input(inputs, "interview_id")
    conv = await deps.db.conversation_by_ref(team, ref[:60]) if ref and team else None
    error = None if conv else f"No interview with the id “{ref[:60]}” in this workspace."
    await deps.db.add_step(execution, team, "wait", conv.token if conv else None, error)
    deps.outbox.kick()
