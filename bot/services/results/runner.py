"""The base of the outbox's runners that call Slack: a job waits for its turn in its workspace's rate
budget, each further Slack call for its own, and a job whose interview was forgotten meanwhile records
nothing (bot/services/results/forgotten.py). Each capability's runner builds on it: the call's
(bot/services/calls/jobs.py), the results' (report_jobs.py), the workflow step's (steps/steps.py)."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.services.access.workspaces import Workspaces
from bot.services.outbox.pacing import answered, priority, slack_cost, turn_key
from bot.services.results.forgotten import stopped, unless_forgotten
from bot.services.results.report_links import ReportLinks
from bot.services.starting.invite_links import InviteLinks
from bot.slack.blocks import Block
from bot.slack.budget import SlackBudget
from bot.store import OutboxRecord
from bot.store.aio import AsyncStore


class SlackRunner:
    """Runs one job of its KINDS (by its `run_<kind>` method); raises on failure (an attempt)."""

    KINDS: tuple[str, ...] = ()

    def __init__(
        self, settings: Settings, db: AsyncStore, ws: Workspaces, slack: AsyncWebClient, budget: SlackBudget
    ) -> None:
        self.settings, self.db, self.ws, self.slack, self.budget = settings, db, ws, slack, budget

    async def run(self, job: OutboxRecord) -> str | None:
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
        if not self.settings.oauth:  # the one token in the settings: no trip to a store thread
            return self.ws.slack_token(team_id)
        return await self.db.run(self.ws.slack_token, team_id)

    async def _admit(self, job: OutboxRecord, method: str, channel: str | None = None) -> None:
        """The next call's turn; the job's calls run one after another, so the earlier ones have
        been answered by now and count from now (the budget counts each call from its answer)."""
        if job.team_id:
            self.settle_calls(job)
            await self.budget.admit(f"{job.id}:{method}", job.team_id, method, channel)
            self.__dict__.setdefault("_flights", {}).setdefault(job.id, []).append((method, channel))

    def settle_calls(self, job: OutboxRecord) -> None:
        """Every call admitted by `_admit` for this job was answered (or failed)."""
        for method, channel in self.__dict__.get("_flights", {}).pop(job.id, []):
            self.budget.settle(f"{job.id}:{method}", job.team_id or "", method, channel)

    async def _post(self, token: str | None, text: str, blocks: list[Block], where: dict, **extra) -> dict:
        return await self.slack.chat_postMessage(
            token=token, text=text, blocks=blocks, unfurl_links=False, **where, **extra
        )


class LinkRunner(SlackRunner, ReportLinks):
    """A Slack runner that also shows where a report is and the candidate's invite link: the
    card's jobs and DMs (bot/services/calls/jobs.py), the workflow step (bot/services/steps/)."""

    def __init__(
        self,
        settings: Settings,
        db: AsyncStore,
        ws: Workspaces,
        slack: AsyncWebClient,
        budget: SlackBudget,
        invites: InviteLinks,
    ) -> None:
        super().__init__(settings, db, ws, slack, budget)
        self.invites = invites  # the candidate's link and DM
