"""What each outbox job does, and the jobs a change owes. Every runner is idempotent: a card is
drawn from the stored state, a reply records its ts once posted and is never posted twice."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import duration_seconds
from bot.config import Settings
from bot.services.access.workspaces import Workspaces
from bot.services.outbox.job_kinds import (  # noqa: F401 (re-exported: services import them from here)
    NotYet,
    announce_jobs,
    calls_end_job,
    card_job,
    dm_job,
    end_tavus_job,
    ended_jobs,
    post_job,
    reply_job,
    tell_owner_job,
)
from bot.services.outbox.pacing import answered, call_turn, priority, slack_cost, turn_key
from bot.services.results.forgotten import keep_posted, stopped, unless_forgotten
from bot.services.results.report_jobs import ReportRunners
from bot.services.starting.candidate_dm import run_candidate_dm
from bot.services.steps.steps import StepRunners, final_state
from bot.slack.blocks import Block
from bot.slack.budget import SlackBudget
from bot.slack.card import build_interview_card
from bot.slack.errors import REFUSED_PLACE, slack_failed
from bot.store import ConversationRecord, OutboxRecord
from bot.store.aio import AsyncStore
from bot.store.records import marker_for
from bot.tavus import errors as te

log = logging.getLogger(__name__)


class JobRunners(ReportRunners, StepRunners):
    """Runs one job against Slack or Tavus; raises on failure (any exception is an attempt)."""

    def __init__(
        self,
        settings: Settings,
        db: AsyncStore,
        ws: Workspaces,
        slack: AsyncWebClient,
        budget: SlackBudget | None = None,
    ) -> None:
        self.settings, self.db, self.ws, self.slack = settings, db, ws, slack
        self.budget = budget or SlackBudget()
        self.kinds: dict[str, Any] = {}  # kind -> runner (`async run(job)`) of jobs owned elsewhere

    async def run(self, job: OutboxRecord) -> str | None:
        if (runner := self.kinds.get(job.kind)) is not None:
            return await runner.run(job)
        return await self.run_slack(job)

    async def run_slack(self, job: OutboxRecord) -> str | None:
        """Wait for the job's turn in its workspace's rate budget, then run it."""
        conv = await self.db.conversation_by_token(job.token) if job.token else None
        if stopped(job, conv):  # gone, forgotten, or its content deleted: nothing left to do
            return None
        method, channel, calls = slack_cost(job, conv)
        turn, team = turn_key(job), job.team_id or ""
        if method and team:  # a 429 is Throttled: the job runs again at Slack's Retry-After
            await self.budget.admit(turn, team, method, channel, calls, priority(job, conv))
            if job.kind == "card":  # the card shows the state at the moment it is drawn
                conv = await self.db.conversation_by_token(job.token) or conv
        try:
            async with answered(self.budget, turn, team, method, channel):
                return await unless_forgotten(self.db, job, getattr(self, f"run_{job.kind}")(job, conv))
        finally:
            self.settle_calls(job)

    async def _token(self, team_id: str | None) -> str | None:
        return await self.db.run(self.ws.slack_token, team_id)

    async def run_post(self, job: OutboxRecord, conv: ConversationRecord) -> str | None:
        if conv.message_ts:
            return conv.message_ts
        token = await self._token(conv.team_id)
        calls = self.settings.SLACK_CALLS and not conv.call_id and conv.url and not conv.has_candidate
        if calls and await call_turn(self.budget, job, conv):
            conv.call_id = await self.calls_add(conv, token, f"{job.id}:calls.add")
        text, blocks = build_interview_card(conv, await self.report_where(conv))
        answer = await self.slack.chat_postMessage(
            token=token, channel=conv.channel_id, text=text, blocks=blocks, unfurl_links=False
        )
        await self.db.set_message(conv.token, answer["channel"], answer["ts"])
        await self.db.card_drawn(conv.token, conv.status)
        latest = await self.db.conversation_by_token(conv.token)
        if latest is not None and latest.status != conv.status:  # changed while we posted
            await self.db.add_jobs([card_job(latest)])
        return answer["ts"]

    async def calls_add(self, conv: ConversationRecord, token: str | None, turn: str = "") -> str | None:
        """Register the call with Slack's Calls API; without it the card still goes out (a 429
        defers the post instead: it waits for calls.add's turn)."""
        try:
            answer = await self.slack.calls_add(
                token=token,  # the conversation id, never the callback token: Slack shows it to apps
                external_unique_id=conv.conversation_id or marker_for(conv.token),
                join_url=conv.url,
                title=conv.name,
                created_by=conv.owner_id,
                date_start=int(time.time()),
                users=[{"slack_id": conv.owner_id}],
            )
        except SlackApiError as exc:
            if getattr(exc.response, "status_code", 200) == 429:
                raise
            slack_failed(exc, "register a Slack call (calls.add)")
            return None
        except Exception as exc:  # a reset or a timeout: the card matters more than the call card
            log.warning("could not register a Slack call (calls.add): %s", type(exc).__name__)
            return None
        finally:
            self.budget.settle(turn, conv.team_id, "calls.add")
        await self.db.set_call(conv.token, answer["call"]["id"])
        return answer["call"]["id"]

    async def run_card(self, job: OutboxRecord, conv: ConversationRecord) -> str | None:
        await self.db.follow_steps(conv.token) if final_state(conv) else None  # workflows wait on it
        if not conv.message_ts:
            return None  # the card post draws the latest state itself
        text, blocks = build_interview_card(conv, await self.report_where(conv))
        await self.slack.chat_update(
            token=await self._token(conv.team_id),
            channel=conv.channel_id,
            ts=conv.message_ts,
            text=text,
            blocks=blocks,
        )
        await self.db.card_drawn(conv.token, conv.status)
        await self.invites.changed(conv.token)  # the candidate's DM follows the end too
        return conv.status

    async def run_reply(self, job: OutboxRecord, conv: ConversationRecord) -> str | None:
        """Results go where the workspace decided (the owner's DM thread by default); a place that
        refuses us falls back to the owner. Each message posted is recorded once, for `forget`."""
        kind, channel = await self._destination(conv)
        token = await self._token(conv.team_id)
        where = await self._where(conv, kind, channel, token)
        posted: list[str] = json.loads(job.result or "[]")
        messages = job.data["messages"]
        for i, (text, blocks) in enumerate(messages[len(posted) :]):
            if i and job.team_id:  # the first one waited for its turn in run()
                await self.budget.admit(
                    turn_key(job, len(posted)), job.team_id, "chat.postMessage", where["channel"]
                )
            try:
                answer = await self._post(token, text, blocks, where)
            except SlackApiError as exc:
                if kind == "owner" or exc.response.get("error") not in REFUSED_PLACE:
                    raise
                kind, where = "owner", await self._where(conv, "owner", None, token)
                answer = await self._post(token, text, blocks, where)
            posted.append(answer["ts"])
            await keep_posted(self.db, self.slack, token, conv, answer)
            await self.db.job_progress(job, json.dumps(posted))
        return json.dumps(posted)

    async def _destination(self, conv: ConversationRecord) -> tuple[str, str | None]:
        """Where the results go; a card-thread result whose card is still on its way waits for it."""
        kind, channel = await self.db.run(self.results.destination, conv)
        if kind == "owner" and conv.channel_id and not conv.message_ts:
            chosen = await self.db.interview_settings(conv.team_id)
            post = await self.db.job(f"post:{conv.token}")
            if chosen["results_to"] == "thread" and post is not None and post.state == "pending":
                raise NotYet("the card is still being posted")
        return kind, channel

    async def _where(
        self, conv: ConversationRecord, kind: str, channel: str | None, token: str | None
    ) -> dict:
        if kind == "thread":
            return {"channel": conv.channel_id, "thread_ts": conv.message_ts}
        return await self.results.thread_root(conv, channel or conv.owner_id, token)

    async def _post(self, token: str | None, text: str, blocks: list[Block], where: dict, **extra) -> dict:
        return await self.slack.chat_postMessage(
            token=token, text=text, blocks=blocks, unfurl_links=False, **where, **extra
        )

    async def run_dm(self, job: OutboxRecord, conv: ConversationRecord | None) -> str | None:
        data = job.data
        if data.get("candidate") and conv is not None:  # drawn when it runs: it carries a link
            return await run_candidate_dm(self, job, conv)
        token = await self._token(job.team_id)
        answer = await self.slack.chat_postMessage(
            token=token,
            channel=data["channel"],
            text=data["text"],
            blocks=data.get("blocks"),
            unfurl_links=False,
        )
        if conv is not None:  # about an interview (a guardrail alert): recorded, so forget deletes it
            await keep_posted(self.db, self.slack, token, conv, answer)
        return answer["ts"]

    async def run_calls_end(self, job: OutboxRecord, conv: ConversationRecord) -> str | None:
        if not conv.call_id:
            return None
        seconds = duration_seconds(conv.live_at or conv.created_at, conv.ended_at)
        await self.slack.calls_end(token=await self._token(conv.team_id), id=conv.call_id, duration=seconds)
        return None

    async def run_end_tavus(self, job: OutboxRecord, conv: ConversationRecord) -> str | None:
        if not conv.conversation_id:
            return None
        client = await self.db.run(self.ws.tavus_for, conv)
        try:
            await client.end_conversation(conv.conversation_id)
        except te.NotFoundError:
            log.info("conversation %s was already gone at Tavus", conv.conversation_id)
        return None
