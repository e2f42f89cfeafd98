"""A start after its ack, as an outbox job (kind `start`): the web process validates, claims the
intent and queues the job before it acks; a worker creates the interview at Tavus, posts its card
and answers the starter (the command's response_url, or the modal still open).

The job's token is the conversation's own, and its request key too: a rerun (the worker died
mid-start, or its run was cut) meets the first run's record (DuplicateRequest) and never creates a
second conversation. A record still `creating` is left to the reconciler, which adopts what Tavus
made or fails it (bot/services/calls/reconciler.py); the job waits for that (NotYet), then answers.
`forget` stops a job that has not run (its kind is among bot/store/erasure.py's CONTENT_JOBS), and
retention clears its request like any job's content."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import secrets
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.services.access.channels import channel_problem
from bot.services.access.workspaces import Workspaces
from bot.services.outbox.job_kinds import NotYet, post_job
from bot.services.outbox.replies import answer_url, update_view, workspace_client
from bot.services.starting.interviews import InterviewRequest, InterviewService, StartOutcome
from bot.slack.blocks import section
from bot.slack.interview_modal import build_interview_modal
from bot.slack.lists import build_start_outcome
from bot.slack.modals import build_result_view
from bot.store import ConversationRecord, Job, OutboxRecord, PersonaRecord
from bot.store.aio import AsyncStore

log = logging.getLogger(__name__)

START = "start"
NOT_STARTED = "The interview did not start: something failed at that moment. Please start it again."
PERSONA_GONE = "The persona was deleted meanwhile: nothing was started."
STILL_TRYING = (
    ":warning: Something failed while starting the interview; I am trying again, "
    "and will say here how it went."
)


def new_token() -> str:
    """The conversation's token, chosen when its start is queued."""
    return secrets.token_urlsafe(24)


def start_job(req: InterviewRequest, answer: dict[str, Any], key: str | None = None) -> Job:
    """The job that starts `req` (its `token` set) and answers as `answer` says: {"response_url",
    "intent", "check_channel"} for a command, {"view_id", "channel", "values"} for the modal."""
    assert req.token is not None
    req.request_key = req.request_key or f"start:{req.token}"  # a rerun meets the first run's record
    request = {f.name: getattr(req, f.name) for f in dataclasses.fields(req) if f.name != "persona"}
    request["persona_id"] = req.persona.persona_id
    return Job(
        START, key or f"start:{req.token}", req.token, req.team_id, {"request": request, "answer": answer}
    )


class StartRunner:
    """Runs `start` jobs in a worker."""

    KINDS = (START,)

    def __init__(
        self,
        settings: Settings,
        db: AsyncStore,
        ws: Workspaces,
        interviews: InterviewService,
        slack: AsyncWebClient,
    ) -> None:
        self.settings, self.db, self.ws, self.interviews, self.slack = settings, db, ws, interviews, slack

    async def run(self, job: OutboxRecord) -> str | None:
        data = job.data
        if not data:  # forgotten before it ran, or its content cleared by retention
            return None
        answer, req = data["answer"], None
        try:
            request = dict(data["request"])
            persona_id = request.pop("persona_id", None)
            conv, persona, chosen = await self.db.run(self.first_look, job.token, job.team_id, persona_id)
            if conv is not None:
                # a rerun (the first run's worker died, or its run was cut): what that run made
                # stands, whatever changed since (the persona deleted, the cap reached, a policy)
                outcome = await self.resumed(conv)
            else:  # the persona read afresh; None once it is gone
                req = InterviewRequest(persona=persona, **request) if persona is not None else None
                outcome = await self.start(req, answer, chosen) if req else StartOutcome(error=PERSONA_GONE)
        except NotYet:
            raise
        except Exception:  # retried by the outbox; after a second failure the starter hears of it
            if job.attempts == 1:
                with contextlib.suppress(Exception):
                    await self.still_trying(job.team_id or "", answer)
            raise
        if outcome.error and answer.get("intent"):  # nothing started: the same command may come again
            await self.db.release_intent(answer["intent"])
        await self.answer(job.team_id or "", answer, outcome, req)
        return None

    def first_look(
        self, token: str | None, team: str | None, persona_id: str | None
    ) -> tuple[ConversationRecord | None, PersonaRecord | None, dict | None]:
        """On a store thread, in one trip: the record a first run made, else the persona and the
        workspace's interview settings."""
        store = self.db.store
        if token and (conv := store.conversation_by_token(token)) is not None:
            return conv, None, None
        persona = store.persona(team, persona_id)
        return None, persona, store.interview_settings(team) if persona is not None and team else None

    async def _token(self, team: str | None) -> str | None:
        if not self.settings.oauth:  # the one token in the settings: no trip to a store thread
            return self.ws.slack_token(team)
        return await self.db.run(self.ws.slack_token, team)

    async def start(self, req: InterviewRequest, answer: dict[str, Any], chosen: dict | None) -> StartOutcome:
        if answer.get("check_channel"):  # before Tavus bills for a card nobody sees
            client = workspace_client(self.slack, await self._token(req.team_id))
            if problem := await channel_problem(client, req.channel_id):
                return StartOutcome(error=problem)
        outcome = await self.interviews.start(req, chosen)
        if outcome.duplicate and outcome.conv is not None and outcome.conv.token == req.token:
            return await self.resumed(outcome.conv)  # this job ran before: never a second create
        return outcome

    async def resumed(self, conv: ConversationRecord) -> StartOutcome:
        """A rerun: where the first run got to, as the first run would have answered it."""
        if conv.status == "creating" and not conv.expires_at:
            raise NotYet("the reconciler resolves a start cut short")
        if conv.status == "failed":
            return StartOutcome(error=NOT_STARTED)
        if conv.has_candidate:  # an invite: its card and DM are jobs of their own
            if not conv.message_ts:  # a run cut between the invite's write and its card's: once, by key
                await self.db.add_jobs([post_job(conv)])
            return StartOutcome(conv=conv)
        return await self.interviews.announce(conv.token)

    async def still_trying(self, team: str, answer: dict[str, Any]) -> None:
        """After a second failure: the starter hears it is being retried, in the command's thread
        or in the modal that still says "Creating…"."""
        if url := answer.get("response_url"):
            await answer_url(self.slack, url, STILL_TRYING)
        elif view_id := answer.get("view_id"):
            client = workspace_client(self.slack, await self._token(team))
            await update_view(client, view_id, build_result_view("Interview", [section(STILL_TRYING)]))

    async def answer(
        self, team: str, answer: dict[str, Any], outcome: StartOutcome, req: InterviewRequest | None
    ) -> None:
        if url := answer.get("response_url"):
            text, blocks = build_start_outcome(outcome)
            await answer_url(self.slack, url, text, blocks)
            return
        client = workspace_client(self.slack, await self._token(team))
        if outcome.error and not outcome.running:
            personas = await self.db.visible_personas(team, req.user_id) if req else []
            errors = {"_form": outcome.error}
            view = build_interview_modal(
                personas, answer.get("channel"), values=answer.get("values"), errors=errors
            )
        else:
            view = build_result_view("Interview", build_start_outcome(outcome)[1])
        await update_view(client, answer["view_id"], view)
