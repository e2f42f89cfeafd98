"""Starting and ending interviews: intent in the store, Tavus, then the channel card (queued in
the outbox with the new state, bot/services/outbox/worker.py)."""

from __future__ import annotations

import logging
import secrets
from dataclasses import replace

from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.records import FINAL, ConversationRecord, DuplicateRequest, StartOutcome, marker_for
from bot.services.access.people import People
from bot.services.access.workspaces import Workspaces
from bot.services.outbox.job_kinds import announce_jobs, card_job, ended_jobs
from bot.services.outbox.worker import OutboxWorker
from bot.services.starting.invites import InviteService
from bot.services.starting.lawful import notice_refusal_of, perception_refusal
from bot.services.starting.request import InterviewRequest, callback_url, conversation_request
from bot.services.starting.request import intent as make_intent
from bot.services.starting.usage import Usage
from bot.slack.blocks import esc
from bot.slack.messages import slack_post_failure, tavus_failure
from bot.store import utcnow
from bot.store.aio import AsyncStore
from bot.tavus import errors as te

log = logging.getLogger(__name__)

OPEN_OFF = (
    "Open interviews (with no candidate) are turned off in this workspace: choose a candidate, "
    "a Slack user or an external person."
)


class InterviewService:
    """Starts interviews (now, or as an invite the candidate starts) and ends them."""

    def __init__(
        self,
        settings: Settings,
        db: AsyncStore,
        ws: Workspaces,
        people: People,
        outbox: OutboxWorker,
        slack: AsyncWebClient,
        invites: InviteService,
        usage: Usage,
    ) -> None:
        self.settings, self.db, self.ws, self.people, self.outbox = settings, db, ws, people, outbox
        self.store, self.slack, self.invites, self.usage = db.store, slack, invites, usage

    def callback_url(self, token: str) -> str | None:
        """Our callback address for the interview of this token (bot/services/starting/request.py)."""
        return callback_url(self.settings, token)

    async def start(self, req: InterviewRequest, team_settings: dict | None = None) -> StartOutcome:
        """Record the intent, create at Tavus, then commit the card post with the new state; the
        card is posted at once when Slack lets us, else by the outbox. With a candidate and a
        public URL, an invite instead: Tavus is called when the candidate presses Start. At the
        workspace's monthly cap of Tavus minutes, nothing starts (issue 25). `team_settings`:
        the workspace's interview settings, when the caller has just read them."""
        chosen = team_settings or await self.db.interview_settings(req.team_id)  # read once for the start
        if refused := await self.usage.refusal(req.team_id, chosen):
            return StartOutcome(error=refused)
        if not req.policy:  # the policy in force is fixed with the interview (issue 24)
            req.policy = chosen["policy"]
        if refusal := await perception_refusal(self.db, self.ws, req, req.policy) or notice_refusal_of(
            req, self.settings.PUBLIC_URL
        ):
            return StartOutcome(error=refusal)
        if req.candidate_id or req.candidate_name:
            return await self.invites.create(req, chosen)
        if not chosen["open_interviews"]:
            return StartOutcome(error=OPEN_OFF)
        return await self.start_now(req)

    async def start_now(self, req: InterviewRequest) -> StartOutcome:
        """An open interview: the intent recorded, the conversation created at Tavus, the card."""
        token = req.token or secrets.token_urlsafe(24)
        intent = make_intent(self.settings, req, token, status="creating")
        try:
            await self.db.begin_conversation(intent)
        except DuplicateRequest as dup:
            return StartOutcome(conv=dup.existing, duplicate=True)
        try:
            tavus = await self.db.run(self.ws.tavus_to_create, intent)
            created = await tavus.create_conversation(
                conversation_request(self.settings, req, token), marker=marker_for(token)
            )
        except te.TavusError as exc:
            await self.db.conversation_failed(token, str(exc))
            limited = isinstance(exc, te.ConcurrencyLimitError)  # say what is running
            running = await self.db.active_of(req.team_id, req.user_id) if limited else []
            return StartOutcome(error=tavus_failure(exc, "start the interview"), running=running)
        intent.conversation_id, intent.url = created.conversation_id, created.conversation_url
        posts = [replace(job, held=self.outbox.lease) for job in announce_jobs(intent)]  # ours to run
        await self.db.conversation_created(
            token, created.conversation_id, created.conversation_url, posts, tavus.fingerprint
        )
        if created.status == "ended":  # adopted after an ambiguous create, and already over
            await self.db.mark_ended(token, at=utcnow(), reason=None)
        return await self.announce(token, mine=True)

    async def announce(self, token: str, *, mine: bool = False) -> StartOutcome:
        """Post the queued card now, so the starter hears how it went (the outbox retries it). An
        invite's card is already out: redraw it."""
        conv = await self.db.conversation_by_token(token)
        if conv is not None and conv.message_ts:
            await self.refresh_card(token)
            return StartOutcome(conv=conv)
        _, error = await self.outbox.run_now(f"post:{token}", mine=mine)
        self.outbox.kick()
        conv = await self.db.conversation_by_token(token)
        post_error = slack_post_failure(error, conv.channel_id or "") if error and conv else None
        return StartOutcome(conv=conv, post_error=post_error)

    async def refresh_card(self, token: str) -> None:
        """Queue a redraw of the card from the stored state, and follow up the candidate's DM."""
        conv = await self.db.conversation_by_token(token)
        if conv is None:
            return
        await self.db.add_jobs([card_job(conv)])
        self.outbox.kick()
        await self.invites.changed(token)

    async def find(self, team_id: str, user_id: str, ref: str, *, admin: bool) -> list[ConversationRecord]:
        """By id or ref (end() then says who may end it), else the waiting or live ones and the
        invites of that name the person may end: their own, or the whole workspace's for an admin."""
        wanted = ref.strip()
        if conv := await self.db.conversation(team_id, wanted) or await self.db.conversation_by_ref(
            team_id, wanted[:60]
        ):
            return [conv]
        if admin:  # the workspace's invites too
            pool = await self.db.active_in_team(team_id)
        else:
            pool = await self.db.active_of(team_id, user_id) + await self.db.invites_of(team_id, user_id)
        return [c for c in pool if (c.name or "").casefold() == wanted.casefold()]

    async def end(self, team_id: str, user_id: str, conversation_id: str) -> str:
        """End an interview for its owner or an admin; the answer is a sentence for the user."""
        conv = await self.db.conversation(team_id, conversation_id)
        if conv is None:
            return f"I found no interview `{esc(conversation_id[:40])}` in this workspace."
        if not await self.people.can_manage(team_id, user_id, conv):
            return f"Only <@{conv.owner_id}> or an admin can end *{esc(conv.name)}*."
        if conv.status in FINAL:
            return f"*{esc(conv.name)}* has already ended."
        await self.db.set_ending(conv.token, user_id)
        try:
            tavus = await self.db.run(self.ws.tavus_for, conv)  # the account that made it: a 404
            await tavus.end_conversation(conversation_id)  # from another account would mean nothing
        except te.NotFoundError:
            log.info("conversation %s was already gone at Tavus", conversation_id)
        except te.TavusError as exc:
            await self.db.set_ending(conv.token, None)
            return tavus_failure(exc, f"end *{esc(conv.name)}*")
        await self.db.mark_ended(
            conv.token, at=utcnow(), reason="end_conversation_endpoint_hit", by=user_id, jobs=ended_jobs(conv)
        )
        self.outbox.kick()
        return f"Ended *{esc(conv.name)}*."
