"""The call's outbox jobs: the card posted and redrawn, the Slack call registered and ended, DMs, the
call ended at Tavus. Every runner is idempotent: a card is drawn from the stored state, a DM records
its ts once posted and is never posted twice."""

from __future__ import annotations

import logging
import time

from slack_sdk.errors import SlackApiError

from bot.clock import duration_seconds
from bot.records import ConversationRecord, marker_for
from bot.services.outbox.job_kinds import card_job
from bot.services.outbox.pacing import call_turn
from bot.services.results.forgotten import keep_posted
from bot.services.results.outcome import final_state
from bot.services.results.runner import LinkRunner
from bot.services.starting.candidate_dm import run_candidate_dm
from bot.slack.card import build_interview_card
from bot.slack.errors import slack_failed
from bot.store import OutboxRecord
from bot.tavus import errors as te

log = logging.getLogger(__name__)


class CallRunners(LinkRunner):
    """The card's jobs (post, redraw, the Slack call's end), DMs, and ending the call at Tavus."""

    KINDS = ("post", "card", "dm", "calls_end", "end_tavus")

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
        latest = await self.db.set_message(conv.token, answer["channel"], answer["ts"], conv.status)
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
        await self.invites.changed(conv.token)  # the candidate's DM follows the end too (claimed next)
        return conv.status

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
