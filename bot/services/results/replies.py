"""Replies where an interview's results go (the owner's DM thread by default, or the card's thread
or a chosen channel): the `reply` job, each message posted once and recorded for `forget`."""

from __future__ import annotations

import json

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.records import ConversationRecord
from bot.services.access.workspaces import Workspaces
from bot.services.outbox.job_kinds import NotYet
from bot.services.outbox.pacing import turn_key
from bot.services.results.forgotten import keep_posted
from bot.services.results.results import ResultsService
from bot.services.results.runner import SlackRunner
from bot.slack.budget import SlackBudget
from bot.slack.errors import REFUSED_PLACE
from bot.store import OutboxRecord
from bot.store.aio import AsyncStore


class Replies(SlackRunner):
    """The `reply` job, and where results go for the report's jobs too (report_jobs.py)."""

    KINDS = ("reply",)

    def __init__(
        self,
        settings: Settings,
        db: AsyncStore,
        ws: Workspaces,
        slack: AsyncWebClient,
        budget: SlackBudget,
        results: ResultsService,
    ) -> None:
        super().__init__(settings, db, ws, slack, budget)
        self.results = results

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
