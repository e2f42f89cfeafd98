"""Issue 27: the app's two Workflow Builder steps (manifest.yml `functions`). Each step is recorded
before Slack's event is acknowledged (a crash then leaves it to the reconciler, never lost; a
redelivery changes nothing), and its end goes to Slack through the outbox (bot/services/steps/steps.py):
once, within the rate budget, across restarts."""

from __future__ import annotations

import logging

from bot.deps import Deps
from bot.services.steps.send_job import STEP_FAILED, Result, inputs_of, interactor, step_send_job, text_input

log = logging.getLogger(__name__)

SEND, WAIT = "send_ai_interview", "wait_for_ai_interview"


def register(app, deps: Deps) -> None:
    async def send(ack, event: dict, body: dict) -> None:
        await handle(deps, ack, body, event, "send", None)

    async def wait(ack, event: dict, body: dict) -> None:
        await handle(deps, ack, body, event, "wait", lambda team: wait_step(deps, team, event))

    app.function(SEND, auto_acknowledge=False)(send)
    app.function(WAIT, auto_acknowledge=False)(wait)


def team_of_step(body: dict) -> str:
    """The workspace the step runs in; an org-wide install may leave the envelope's team_id out."""
    auths = body.get("authorizations") if isinstance(body.get("authorizations"), list) else []
    first = auths[0] if auths and isinstance(auths[0], dict) else {}
    return str(body.get("team_id") or first.get("team_id") or "")


async def handle(deps: Deps, ack, body: dict, event: dict, kind: str, work) -> None:
    """`work` is None for `send`: its work (a Tavus create) is a job, queued before the ack with the
    step's record (bot/services/steps/send_job.py); `wait` only reads, so it is answered here."""
    execution = str(event.get("function_execution_id") or "")
    team = team_of_step(body)
    run = event.get("workflow_execution_id")
    fresh = bool(execution) and await deps.db.receive_step(execution, team, kind, run)
    queued = fresh and bool(team) and work is None
    if queued:
        await deps.db.add_jobs([step_send_job(execution, team, body, event)])
    await ack()  # after the step is recorded: a crash from here on is the reconciler's to finish
    if not fresh or queued:
        deps.outbox.kick()
        return  # no execution id, a redelivery of a step already being handled, or a queued send
    try:
        conv_token, error = await work(team) if team else (None, "Slack named no workspace for this step.")
    except Exception as exc:
        log.error("workflow step %s failed: %s", execution, exc, exc_info=exc)
        conv_token, error = None, STEP_FAILED
    await deps.db.start_step(execution, conv_token, error)
    deps.outbox.kick()


async def wait_step(deps: Deps, team: str, event: dict) -> Result:
    """Wait on an interview this workflow run sent, or one the person running it may manage."""
    inputs = inputs_of(event)
    ref = text_input(inputs, "interview_id")
    conv = await deps.db.conversation_by_ref(team, ref[:60]) if ref else None
    if conv is None:
        return None, f"No interview with the id “{ref[:60]}” in this workspace."
    sent = await deps.db.sent_by(conv.token)
    run = event.get("workflow_execution_id")
    if (sent and run and sent.get("workflow_run") == run) or (
        (person := interactor(inputs)) and await deps.people.can_manage(team, person, conv)
    ):
        return conv.token, None
    return None, "That interview was not sent by this workflow, and the person running it cannot manage it."
