"""Issue 27's `send` step after its ack, as an outbox job (kind `step_send`, keyed by the
execution id): the step is recorded before Slack's event is acknowledged and its job queued with
it; a worker reads the inputs, starts the interview (its request key `workflow:<execution>`, so a
rerun meets the first run's record and never starts a second) and records the step's end, whose
completion job tells Slack. A step the reconciler resolved meanwhile (bot/store/steps.py's
recover_steps, after a dead instance) is left as it is."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from slack_sdk.web.async_client import AsyncWebClient

from bot.records import PersonaRecord
from bot.services.access.answers import ListenerRunner
from bot.services.access.channels import channel_problem
from bot.services.starting.interviews import InterviewRequest
from bot.slack.candidate_form import EMAIL
from bot.store import Job, OutboxRecord

if TYPE_CHECKING:
    from bot.deps import Services

log = logging.getLogger(__name__)

STEP_SEND = "step_send"
MAX_HOURS = 720  # an invite's link lives 30 days at most, as in the form
MAX_AHEAD = 30 * 86400  # an invite opens within 30 days, as the form allows
STEP_FAILED = "Something went wrong on the Tavus Interviews app's side (it is logged); please run it again."
Result = tuple[str | None, str | None]  # the interview's token, or the sentence why there is none


def step_send_job(execution: str, team: str, body: dict, event: dict) -> Job:
    data = {"enterprise": body.get("enterprise_id") or None, "inputs": inputs_of(event)}
    return Job(STEP_SEND, f"step_send:{execution}", None, team, {"execution": execution, **data})


class StepSendRunner(ListenerRunner):
    """Runs `step_send` jobs in a worker."""

    KINDS = (STEP_SEND,)

    async def run(self, job: OutboxRecord) -> str | None:
        deps, data, team = self.deps, job.data, job.team_id or ""
        if not data:
            return None
        execution = data["execution"]
        step = await deps.db.step(execution)
        if step is None or step.get("state") != "received":
            return None  # the reconciler resolved it meanwhile
        try:
            conv_token, error = await send_step(deps, team, execution, data)
        except Exception as exc:
            log.error("workflow step %s failed: %s", execution, exc, exc_info=exc)
            conv_token, error = None, STEP_FAILED
        await deps.db.start_step(execution, conv_token, error)
        await deps.db.clear_job_content(
            job.key
        )  # the candidate's name and email stay with the interview only
        deps.queue.kick()
        return None


async def send_step(deps: Services, team: str, execution: str, data: dict) -> Result:
    req, error = await interview_request(deps, team, execution, data["inputs"])
    if error is not None:
        return None, error
    req.enterprise_id = data.get("enterprise")
    outcome = await deps.interviews.start(req)
    if outcome.error or not outcome.conv:
        return None, outcome.error or "The interview did not start."
    return outcome.conv.token, None


def inputs_of(event: dict) -> dict:
    inputs = event.get("inputs")
    return inputs if isinstance(inputs, dict) else {}


def text_input(inputs: dict, name: str) -> str:
    value = inputs.get(name)
    return value.strip() if isinstance(value, str) else ""


def interactor(inputs: dict) -> str:
    """Who runs the workflow, as Slack fills it in (`slack#/types/interactivity`): no author can
    forge it, unlike a user id typed into an input."""
    given = inputs.get("interactivity")
    person = given.get("interactor") if isinstance(given, dict) else None
    found = person.get("id") if isinstance(person, dict) else None
    return found if isinstance(found, str) else ""


async def interview_request(
    deps: Services, team: str, execution: str, inputs: dict
) -> tuple[InterviewRequest | None, str | None]:
    """The inputs as an interview to start, or the sentence a workflow's author reads."""
    owner, channel = interactor(inputs), text_input(inputs, "channel")
    who, name = text_input(inputs, "candidate_user"), text_input(inputs, "candidate_name")
    email = text_input(inputs, "candidate_email")
    if not owner:
        return None, "Set “Who runs it” to the person who used this workflow: the interview needs an owner."
    if not channel:
        return None, "Choose the channel where the interview's card goes."
    if bool(who) == bool(name):
        return None, "Give either the candidate's name (someone outside Slack) or their Slack user, not both."
    if email and (who or not EMAIL.match(email)):
        return None, "The candidate's email must be an email address (name@example.com), for a name only."
    persona, problem = await find_persona(deps, team, owner, text_input(inputs, "persona"))
    window, problem = (None, problem) if problem else invite_window(inputs)
    if problem or (problem := await channel_problem(await bot_client(deps, team), channel)):
        return None, problem
    return InterviewRequest(
        team_id=team, user_id=owner, persona=persona, channel_id=channel,
        name=text_input(inputs, "title")[:150], candidate_id=who or None,
        candidate_name=name[:80] or None, candidate_email=email[:254] or None,
        request_key=f"workflow:{execution}", **window,
    ), None  # fmt: skip


async def bot_client(deps: Services, team: str) -> AsyncWebClient:
    """The workspace's own bot token, as the card will be posted with (not the step's short-lived
    token), so the channel check shares the workspace's cache and rate budget."""
    token = await deps.db.run(deps.ws.slack_token, team)
    return AsyncWebClient(token=token, base_url=deps.slack.base_url, timeout=deps.slack.timeout)


async def find_persona(
    deps: Services, team: str, owner: str, ref: str
) -> tuple[PersonaRecord | None, str | None]:
    if not ref:
        return None, "Name the persona (its name or id) that interviews the candidate."
    visible = await deps.db.visible_personas(team, owner)
    persona = deps.personas.find(visible, owner, ref)
    if persona is None:
        return None, f"No persona called “{ref[:80]}” is available to the person who runs the workflow."
    return persona, None


def invite_window(inputs: dict) -> tuple[dict, str | None]:
    window: dict = {}
    opens, hours = inputs.get("opens_at"), inputs.get("hours")
    if opens not in (None, ""):
        try:
            at = max(float(opens), time.time())  # a time already past opens the invite now
        except (TypeError, ValueError):
            return {}, "The invite's opening time is not a time."
        if at > time.time() + MAX_AHEAD:
            return {}, "The invite must open within 30 days."
        window["opens_at"] = datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds")
    if hours not in (None, ""):
        try:
            window["expires_hours"] = int(hours)
        except (TypeError, ValueError):
            return {}, "The link's validity must be a whole number of hours."
        if not 1 <= window["expires_hours"] <= MAX_HOURS:
            return {}, f"The link's validity must be between 1 and {MAX_HOURS} hours (30 days)."
    return window, None
