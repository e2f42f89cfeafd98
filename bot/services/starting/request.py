"""The request to start an interview, and how it becomes a stored intent and a Tavus body; both
ways of starting (now, or an invite the candidate starts) build on it. Imports the store's records,
the Tavus models and access's derived tokens only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.config import Settings
from bot.logs import keep_secret
from bot.records import ConversationRecord, PersonaRecord, marker_for
from bot.services.access.keys import derived_token
from bot.store import utcnow
from bot.store.migrations import token_hash
from bot.tavus.models import ConversationCreate, ConversationProperties


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


def callback_secret(settings: Settings, token: str) -> str:
    """The callback URL's credential, derived from the record's token: stored only hashed."""
    secret = derived_token(settings, "callback", token)
    keep_secret(secret)  # never in a log line
    return secret


def callback_url(settings: Settings, token: str) -> str | None:
    """Our callback address; it also carries the marker, which Tavus echoes back on GET."""
    base = settings.PUBLIC_URL
    if not base:
        return None
    return f"{base.rstrip('/')}/tavus/callback/{callback_secret(settings, token)}?ref={marker_for(token)}"


def conversation_request(settings: Settings, req: InterviewRequest, token: str) -> ConversationCreate:
    title = req.name or f"Interview with {req.persona.name}"
    callback = callback_url(settings, token)
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


def intent(settings: Settings, req: InterviewRequest, token: str, **extra: Any) -> ConversationRecord:
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
        token_hash=token_hash(callback_secret(settings, token)),
        tavus_account=req.persona.tavus_account,  # a persona lives in one account: its calls too
        recording=int(req.recording),
        opening_id=req.opening_id,
        policy=req.policy,
        **extra,
    )
