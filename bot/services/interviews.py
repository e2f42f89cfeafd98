"""Starting and ending interviews: intent in the store, Tavus, then the channel card (queued in
the outbox with the new state, bot/services/outbox.py)."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field

from bot.config import Settings
from bot.logs import keep_secret
from bot.services.jobs import announce_jobs, ended_jobs
from bot.services.outbox import OutboxWorker
from bot.services.people import People
from bot.services.workspaces import Workspaces
from bot.slack.blocks import esc
from bot.slack.messages import slack_post_failure, tavus_failure
from bot.store import FINAL, ConversationRecord, DuplicateRequest, PersonaRecord, utcnow
from bot.store.aio import AsyncStore
from bot.store.records import marker_for
from bot.tavus import errors as te
from bot.tavus.models import ConversationCreate, ConversationProperties

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


@dataclass
class StartOutcome:
    conv: ConversationRecord | None = None
    error: str | None = None  # Tavus refused or failed: nothing is running
    post_error: str | None = None  # running, but the card could not go to the channel
    duplicate: bool = False
    running: list[ConversationRecord] = field(default_factory=list)  # at the concurrency limit


class InterviewService:
    def __init__(
        self, settings: Settings, db: AsyncStore, ws: Workspaces, people: People, outbox: OutboxWorker
    ) -> None:
        self.settings, self.db, self.ws, self.people, self.outbox = settings, db, ws, people, outbox

    def callback_url(self, token: str) -> str | None:
        """Our callback address; it also carries the marker, which Tavus echoes back on GET."""
        base = self.settings.PUBLIC_URL
        return f"{base.rstrip('/')}/tavus/callback/{token}?ref={marker_for(token)}" if base else None

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

    async def start(self, req: InterviewRequest) -> StartOutcome:
        """Record the intent, create at Tavus, then commit the card post and the candidate's DM
        with the new state; the card is posted at once when Slack lets us, else by the outbox."""
        token = secrets.token_urlsafe(24)
        keep_secret(token)  # the callback URL's credential: never in a log line
        intent = ConversationRecord(
            token=token,
            team_id=req.team_id,
            enterprise_id=req.enterprise_id,
            owner_id=req.user_id,
            status="creating",
            created_at=utcnow(),
            persona_id=req.persona.persona_id,
            persona_name=req.persona.name,
            channel_id=req.channel_id,
            name=req.name or f"Interview with {req.persona.name}",
            candidate_id=req.candidate_id,
            request_key=req.request_key,
        )
        try:
            await self.db.begin_conversation(intent)
        except DuplicateRequest as dup:
            return StartOutcome(conv=dup.existing, duplicate=True)
        try:
            tavus = await self.db.run(self.ws.tavus, req.team_id)
            created = await tavus.create_conversation(
                self.conversation_request(req, token), marker=marker_for(token)
            )
        except te.TavusError as exc:
            await self.db.conversation_failed(token, str(exc))
            running = (
                await self.db.active_of(req.team_id, req.user_id)
                if isinstance(exc, te.ConcurrencyLimitError)
                else []
            )
            return StartOutcome(error=tavus_failure(exc, "start the interview"), running=running)
        intent.conversation_id, intent.url = created.conversation_id, created.conversation_url
        await self.db.conversation_created(
            token, created.conversation_id, created.conversation_url, announce_jobs(intent)
        )
        if created.status == "ended":  # adopted after an ambiguous create, and already over
            await self.db.mark_ended(token, at=utcnow(), reason=None)
        return await self.announce(token)

    async def announce(self, token: str) -> StartOutcome:
        """Post the queued card now, so the starter hears how it went; the outbox retries it and
        sends the candidate's DM."""
        _, error = await self.outbox.run_now(f"post:{token}")
        self.outbox.kick()
        conv = await self.db.conversation_by_token(token)
        post_error = slack_post_failure(error, conv.channel_id or "") if error and conv else None
        return StartOutcome(conv=conv, post_error=post_error)

    async def find(self, team_id: str, user_id: str, ref: str, *, admin: bool) -> list[ConversationRecord]:
        """By id (end() then says who may end it), else the waiting or live ones of that name the
        person may end: their own, or the whole workspace's for an admin."""
        wanted = ref.strip()
        if conv := await self.db.conversation(team_id, wanted):
            return [conv]
        pool = await (self.db.active_in_team(team_id) if admin else self.db.active_of(team_id, user_id))
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
            tavus = await self.db.run(self.ws.tavus, team_id)
            await tavus.end_conversation(conversation_id)
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
