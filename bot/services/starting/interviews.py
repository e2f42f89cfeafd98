"""Starting and ending interviews: intent in the store, Tavus, then the channel card (queued in
the outbox with the new state, bot/services/outbox/worker.py)."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.logs import keep_secret
from bot.services.access.keys import derived_token
from bot.services.access.people import People
from bot.services.access.workspaces import Workspaces
from bot.services.calls.jobs import announce_jobs, card_job, ended_jobs, post_job
from bot.services.outbox.worker import OutboxWorker
from bot.services.starting.lawful import notice_refusal_of, perception_refusal
from bot.slack.blocks import esc
from bot.slack.messages import slack_post_failure, tavus_failure
from bot.store import FINAL, ConversationRecord, DuplicateRequest, PersonaRecord, utcnow
from bot.store.aio import AsyncStore
from bot.store.migrations import token_hash
from bot.store.records import marker_for
from bot.tavus import errors as te
from bot.tavus.models import ConversationCreate, ConversationProperties

if TYPE_CHECKING:
    from bot.services.starting.invites import InviteService
    from bot.services.starting.usage import Usage

log = logging.getLogger(__name__)


@dataclass
class InterviewRequest:
    team_id: str
    user_id: str
    persona: PersonaRecord
    channel_id: str
    name: str = ""
    enterprise_id: str | None = None
    candidate_id: str | None = None
    greeting: str = ""
    extra_context: str = ""
    minutes: int = 30
    recording: bool = False
    captions: bool = False
    language: str = "english"
    request_key: str | None = None
    # issue 14: an external candidate, and an invite's window
    candidate_name: str | None = None
    candidate_email: str | None = None
    opens_at: str | None = None
    expires_hours: int | None = None
    opening_id: str | None = None  # issue 25: the opening it interviews for
    policy: str | None = None  # issue 24: None takes the workspace's (bot/policy.py)
    token: str | None = None  # chosen when the start was queued (bot/services/starting/start_job.py)


@dataclass
class StartOutcome:
    conv: ConversationRecord | None = None
    error: str | None = None  # Tavus refused or failed: nothing is running
    post_error: str | None = None  # running, but the card could not go to the channel
    duplicate: bool = False
    running: list[ConversationRecord] = field(default_factory=list)  # at the concurrency limit
    link: str | None = None  # issue 14: the private invite or room link, for the owner only


class InterviewService:
    invites: InviteService  # set by Deps.build (issue 14); .results and .usage (issue 25) too
    usage: Usage

    def __init__(
        self,
        settings: Settings,
        db: AsyncStore,
        ws: Workspaces,
        people: People,
        outbox: OutboxWorker,
        slack: AsyncWebClient,
    ) -> None:
        self.settings, self.db, self.ws, self.people, self.outbox = settings, db, ws, people, outbox
        # results still calls these directly: see its module
        self.store, self.slack = db.store, slack

    def callback_secret(self, token: str) -> str:
        """The callback URL's credential, derived from the record's token: stored only hashed."""
        secret = derived_token(self.settings, "callback", token)
        keep_secret(secret)  # never in a log line
        return secret

    def callback_url(self, token: str) -> str | None:
        """Our callback address; it also carries the marker, which Tavus echoes back on GET."""
        base = self.settings.PUBLIC_URL
        if not base:
            return None
        return f"{base.rstrip('/')}/tavus/callback/{self.callback_secret(token)}?ref={marker_for(token)}"

    def conversation_request(self, req: InterviewRequest, token: str) -> ConversationCreate:
        title = req.name or f"Interview with {req.persona.name}"
        callback = self.callback_url(token)
        # the candidate sees the name: the marker goes there only when no callback URL can carry it
        name = title[:200] if callback else f"{title[:200]} [{marker_for(token)}]"
        return ConversationCreate(
            persona_id=req.persona.persona_id,
            conversation_name=name,
            conversational_context=req.extra_context or None,
            custom_greeting=req.greeting or None,
            callback_url=callback,
            properties=ConversationProperties(
                max_call_duration=req.minutes * 60,
                enable_recording=req.recording or None,
                enable_closed_captions=req.captions or None,
                language=req.language,
            ),
        )

    def intent(self, req: InterviewRequest, token: str, **extra: Any) -> ConversationRecord:
        """The record of a start before Tavus is called, keyed by a fresh random token."""
        return ConversationRecord(
            token=token,
            team_id=req.team_id,
            enterprise_id=req.enterprise_id,
            owner_id=req.user_id,
            created_at=utcnow(),
            persona_id=req.persona.persona_id,
            persona_name=req.persona.name,
            channel_id=req.channel_id,
            name=req.name or f"Interview with {req.persona.name}",
            candidate_id=req.candidate_id,
            request_key=req.request_key,
            token_hash=token_hash(self.callback_secret(token)),
            tavus_account=req.persona.tavus_account,  # a persona lives in one account: its calls too
            recording=int(req.recording),
            opening_id=req.opening_id,
            policy=req.policy,
            **extra,
        )

    async def start(self, req: InterviewRequest) -> StartOutcome:
        """Record the intent, create at Tavus, then commit the card post with the new state; the
        card is posted at once when Slack lets us, else by the outbox. With a candidate and a
        public URL, an invite instead: Tavus is called when the candidate presses Start. At the
        workspace's monthly cap of Tavus minutes, nothing starts (issue 25)."""
        if refused := await self.usage.refusal(req.team_id):
            return StartOutcome(error=refused)
        if not req.policy:  # the policy in force is fixed with the interview (issue 24)
            req.policy = (await self.db.interview_settings(req.team_id))["policy"]
        if refusal := await perception_refusal(self.db, self.ws, req, req.policy) or notice_refusal_of(
            req, self.settings.PUBLIC_URL
        ):
            return StartOutcome(error=refusal)
        if (routed := await self.invites.route(req)) is not None:
            return routed
        token = req.token or secrets.token_urlsafe(24)
        intent = self.intent(req, token, status="creating")
        try:
            await self.db.begin_conversation(intent)
        except DuplicateRequest as dup:
            return StartOutcome(conv=dup.existing, duplicate=True)
        try:
            tavus = await self.db.run(self.ws.tavus_to_create, intent)
            created = await tavus.create_conversation(
                self.conversation_request(req, token), marker=marker_for(token)
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

    async def post_card(self, conv: ConversationRecord) -> str | None:
        """Post a card now through the outbox (which retries it); a sentence saying how to fix it."""
        await self.db.add_jobs([replace(post_job(conv), held=self.outbox.lease)])  # ours to run
        _, error = await self.outbox.run_now(f"post:{conv.token}", mine=True)
        self.outbox.kick()
        return slack_post_failure(error, conv.channel_id or "") if error else None

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
