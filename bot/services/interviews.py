"""Starting and ending interviews: intent in the store, Tavus, then the channel card."""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import duration_seconds
from bot.config import Settings
from bot.services.people import People
from bot.services.workspaces import Workspaces
from bot.slack.blocks import esc
from bot.slack.card import build_interview_card
from bot.slack.errors import slack_failed
from bot.slack.messages import slack_post_failure, tavus_failure
from bot.store import FINAL, ConversationRecord, DuplicateRequest, PersonaRecord, Store, utcnow
from bot.tavus import errors as te
from bot.tavus.models import ConversationCreate, ConversationProperties

if TYPE_CHECKING:
    from bot.services.invites import InviteService

log = logging.getLogger(__name__)

REDRAWS = 3  # card updates per refresh at most, when other instances keep changing the call


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


@dataclass
class StartOutcome:
    conv: ConversationRecord | None = None
    error: str | None = None  # Tavus refused or failed: nothing is running
    post_error: str | None = None  # running, but the card could not go to the channel
    duplicate: bool = False
    running: list[ConversationRecord] = field(default_factory=list)  # at the concurrency limit
    link: str | None = None  # issue 14: the private invite or room link, for the owner only


def marker_for(token: str) -> str:
    """A reference derived from the token, safe to show in a conversation name."""
    return "ref-" + hashlib.sha256(token.encode()).hexdigest()[:10]


class InterviewService:
    invites: InviteService  # set by Deps.build (issue 14); .results too

    def __init__(
        self, settings: Settings, store: Store, ws: Workspaces, slack: AsyncWebClient, people: People
    ) -> None:
        self.settings, self.store, self.ws, self.slack, self.people = settings, store, ws, slack, people

    def callback_url(self, token: str) -> str | None:
        base = self.settings.PUBLIC_URL
        return f"{base.rstrip('/')}/tavus/callback/{token}" if base else None

    def conversation_request(self, req: InterviewRequest, token: str) -> ConversationCreate:
        title = req.name or f"Interview with {req.persona.name}"
        return ConversationCreate(
            persona_id=req.persona.persona_id,
            conversation_name=f"{title[:200]} [{marker_for(token)}]",
            conversational_context=req.extra_context or None,
            custom_greeting=req.greeting or None,
            callback_url=self.callback_url(token),
            properties=ConversationProperties(
                max_call_duration=req.minutes * 60,
                enable_recording=req.recording or None,
                enable_closed_captions=req.captions or None,
                language=req.language,
            ),
        )

    async def start(self, req: InterviewRequest) -> StartOutcome:
        """Record the intent, create at Tavus, post the card, DM the candidate."""
        if (routed := await self.invites.route(req)) is not None:  # issue 14: candidates, invites
            return routed
        token = secrets.token_urlsafe(24)
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
            self.store.begin_conversation(intent)
        except DuplicateRequest as dup:
            return StartOutcome(conv=dup.existing, duplicate=True)
        try:
            created = await self.ws.tavus(req.team_id).create_conversation(
                self.conversation_request(req, token), marker=marker_for(token)
            )
        except te.TavusError as exc:
            self.store.conversation_failed(token, str(exc))
            running = (
                self.store.active_of(req.team_id, req.user_id)
                if isinstance(exc, te.ConcurrencyLimitError)
                else []
            )
            return StartOutcome(error=tavus_failure(exc, "start the interview"), running=running)
        self.store.conversation_created(token, created.conversation_id, created.conversation_url)
        if created.status == "ended":  # adopted after an ambiguous create, and already over
            self.store.mark_ended(token, at=utcnow(), reason=None)
        return await self.announce(token)

    async def announce(self, token: str) -> StartOutcome:
        """Post the card and DM the candidate for a created conversation."""
        conv = self.store.conversation_by_token(token)
        assert conv is not None
        if conv.message_ts:  # issue 14: an invite's card is already in the channel
            await self.refresh_card(token)
            return StartOutcome(conv=conv)
        post_error = await self.post_card(conv)
        if conv.candidate_id:
            await self.invites.dm_candidate(conv)  # issue 14: the private link, not the room
        return StartOutcome(conv=self.store.conversation_by_token(token), post_error=post_error)

    async def post_card(self, conv: ConversationRecord) -> str | None:
        """Post the interview's card in its channel; a sentence saying how to fix it on failure."""
        if self.settings.SLACK_CALLS and not conv.call_id and not conv.has_candidate:
            conv.call_id = await self.calls_add(conv)
        text, blocks = build_interview_card(conv)
        try:
            answer = await self.slack.chat_postMessage(
                token=self.ws.slack_token(conv.team_id),
                channel=conv.channel_id,
                text=text,
                blocks=blocks,
                unfurl_links=False,
            )
        except SlackApiError as exc:
            error = slack_failed(exc, f"post an interview card in {conv.channel_id}")
            self.store.note_error(conv.token, f"post_failed: {error}")
            return slack_post_failure(error, conv.channel_id or "")
        self.store.set_message(conv.token, answer["channel"], answer["ts"])
        return None

    async def refresh_card(self, token: str) -> None:
        """Redraw the card from the store. Another instance may change the call while our update
        is on its way, and Slack keeps whichever edit lands last: so draw again until what we drew
        is what the store holds (usually once)."""
        await self.invites.changed(token)  # issue 14: the candidate's DM follows the end
        for _ in range(REDRAWS):
            conv = self.store.conversation_by_token(token)
            if conv is None or not conv.message_ts:
                return
            card = build_interview_card(conv)
            try:
                await self.slack.chat_update(
                    token=self.ws.slack_token(conv.team_id),
                    channel=conv.channel_id,
                    ts=conv.message_ts,
                    text=card[0],
                    blocks=card[1],
                )
            except SlackApiError as exc:
                slack_failed(exc, "update an interview card")
                return
            latest = self.store.conversation_by_token(token)
            if latest is None or build_interview_card(latest) == card:
                return

    async def end(self, team_id: str, user_id: str, conversation_id: str) -> str:
        """End an interview for its owner or an admin; the answer is a sentence for the user."""
        conv = self.store.conversation(team_id, conversation_id)
        if conv is None:
            return f"I found no interview `{esc(conversation_id[:40])}` in this workspace."
        if not await self.people.can_manage(team_id, user_id, conv):
            return f"Only <@{conv.owner_id}> or an admin can end *{esc(conv.name)}*."
        if conv.status in FINAL:
            return f"*{esc(conv.name)}* has already ended."
        self.store.set_ending(conv.token, user_id)
        try:
            await self.ws.tavus(team_id).end_conversation(conversation_id)
        except te.NotFoundError:
            log.info("conversation %s was already gone at Tavus", conversation_id)
        except te.TavusError as exc:
            self.store.set_ending(conv.token, None)
            return tavus_failure(exc, f"end *{esc(conv.name)}*")
        if self.store.mark_ended(conv.token, at=utcnow(), reason="end_conversation_endpoint_hit", by=user_id):
            await self.refresh_card(conv.token)
            await self.calls_end(conv.token)
        return f"Ended *{esc(conv.name)}*."

    async def calls_add(self, conv: ConversationRecord) -> str | None:
        """Register the interview with Slack's Calls API, so Slack draws a native call card."""
        try:
            answer = await self.slack.calls_add(
                token=self.ws.slack_token(conv.team_id),
                external_unique_id=conv.token[:32],
                join_url=conv.url,
                title=conv.name,
                created_by=conv.owner_id,
                date_start=int(time.time()),
                users=[{"slack_id": conv.owner_id}],
            )
        except SlackApiError as exc:
            slack_failed(exc, "register a Slack call (calls.add)")
            return None
        call_id = answer["call"]["id"]
        self.store.set_call(conv.token, call_id)
        return call_id

    async def calls_end(self, token: str) -> None:
        conv = self.store.conversation_by_token(token)
        if conv is None or not conv.call_id:
            return
        seconds = duration_seconds(conv.live_at or conv.created_at, conv.ended_at)
        try:
            await self.slack.calls_end(
                token=self.ws.slack_token(conv.team_id), id=conv.call_id, duration=seconds
            )
        except SlackApiError as exc:
            slack_failed(exc, "end a Slack call (calls.end)")
