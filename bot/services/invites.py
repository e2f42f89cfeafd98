"""Interviews with a candidate (issue 14): private invite links, created at Tavus only when the
candidate presses Start; without PUBLIC_URL created at once, still private (require_auth)."""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote

from slack_sdk.errors import SlackApiError

from bot.clock import parse_time
from bot.logs import keep_secret
from bot.services.keys import derived_token
from bot.slack.blocks import esc, slack_date
from bot.slack.errors import slack_failed
from bot.slack.messages import tavus_failure
from bot.store import ConversationRecord, DuplicateRequest, utcnow
from bot.store.migrations import token_hash
from bot.tavus import errors as te

if TYPE_CHECKING:
    from bot.services.interviews import InterviewRequest, InterviewService, StartOutcome

log = logging.getLogger(__name__)

DEFAULT_HOURS = 72
MAX_HOURS = 30 * 24
OPEN_OFF = (
    "Open interviews (with no candidate) are turned off in this workspace: choose a candidate, "
    "a Slack user or an external person."
)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def room_link(url: str | None, meeting_token: str | None) -> str | None:
    """The private room: Tavus's URL with the meeting token require_auth asked for."""
    if not url or not meeting_token:
        return url
    return f"{url}{'&' if '?' in url else '?'}t={quote(meeting_token)}"


class InviteService:
    def __init__(self, interviews: InterviewService) -> None:
        self.interviews = interviews
        self.settings, self.store, self.ws, self.slack = (
            interviews.settings,
            interviews.store,
            interviews.ws,
            interviews.slack,
        )

    # links
    def link_token(self, nonce: str) -> str:
        """The link's token is derived from a stored nonce and a server secret, so the database
        alone (which keeps only the nonce and the token's hash) cannot open an invite."""
        return derived_token(self.settings, "invite", nonce)

    def link(self, conv: ConversationRecord) -> str | None:
        """What the owner may copy: the invite link, or the private room when there is no invite."""
        invite = self.store.invite(conv.token)
        if invite is None:
            return None
        if invite.get("nonce") and self.settings.PUBLIC_URL:
            return f"{self.settings.PUBLIC_URL.rstrip('/')}/i/{self.link_token(invite['nonce'])}"
        return room_link(conv.url, invite.get("meeting_token"))

    # starting
    async def route(self, req: InterviewRequest) -> StartOutcome | None:
        """Hook for InterviewService.start: None lets an allowed open interview start as before."""
        from bot.services.interviews import StartOutcome

        if not (req.candidate_id or req.candidate_name):
            if not self.store.interview_settings(req.team_id)["open_interviews"]:
                return StartOutcome(error=OPEN_OFF)
            return None
        return await self.create(req)

    async def create(self, req: InterviewRequest) -> StartOutcome:
        from bot.services.interviews import StartOutcome

        token = secrets.token_urlsafe(24)
        now = datetime.now(UTC)
        opens = parse_time(req.opens_at) or now
        hours = min(max(req.expires_hours or DEFAULT_HOURS, 1), MAX_HOURS)
        invite = bool(self.settings.PUBLIC_URL)
        conv = self.interviews.intent(
            req,
            token,
            status="invited" if invite else "creating",
            candidate_name=req.candidate_name,
            candidate_email=req.candidate_email,
            opens_at=iso(opens) if invite else None,
            expires_at=iso(opens + timedelta(hours=hours)) if invite else None,
        )
        from bot.services.interviews import marker_for

        conv.ref = marker_for(token)
        create = self.interviews.conversation_request(req, token)
        create.callback_url = None  # derived again at Start: no credential rests in the database
        create.require_auth = True  # the room opens only with the meeting token
        request = {
            "create": create.to_json(),
            "minutes": req.minutes,
            "recording": req.recording,
            "perception": bool(req.persona.perception_model and req.persona.perception_model != "off"),
        }
        nonce = secrets.token_urlsafe(16) if invite else None
        try:
            self.store.begin_conversation(conv)
        except DuplicateRequest as dup:
            return StartOutcome(conv=dup.existing, duplicate=True, link=self.link(dup.existing))
        self.store.save_invite(
            token,
            req.team_id,
            nonce=nonce,
            token_hash=token_hash(self.link_token(nonce)) if nonce else None,
            request=json.dumps(request),
        )
        if not invite:
            failure = await self.create_at_tavus(conv)
            if failure:
                error = tavus_failure(failure, "start the interview")
                self.store.conversation_failed(token, error)
                return StartOutcome(error=error)
        post_error = await self.interviews.post_card(self.store.conversation_by_token(token) or conv)
        fresh = self.store.conversation_by_token(token) or conv
        if fresh.candidate_id:
            await self.dm_candidate(fresh)
        return StartOutcome(conv=fresh, post_error=post_error, link=self.link(fresh))

    async def create_at_tavus(self, conv: ConversationRecord) -> te.TavusError | None:
        """Create the conversation now (require_auth); Tavus's refusal, if it refused."""
        from bot.tavus.models import ConversationCreate

        invite = self.store.invite(conv.token) or {}
        request = json.loads(invite.get("request") or "{}")
        create = ConversationCreate.model_validate(request.get("create") or {})
        create.callback_url = self.interviews.callback_url(conv.token)
        client = self.ws.tavus(conv.team_id)
        try:
            created = await client.create_conversation(create, marker=conv.ref or "")
        except te.TavusError as exc:
            log.info("could not create an interview's conversation: %s", exc)
            return exc
        if not created.meeting_token:  # found by its marker after a lost answer: its private room
            # opens only with the token that answer carried, so end it and let the candidate retry
            with contextlib.suppress(te.TavusError):
                await client.end_conversation(created.conversation_id)
            return te.TavusError("the room could not be opened; please press Start again")
        keep_secret(created.meeting_token)  # it opens the room: never in a log line
        self.store.update_invite(conv.token, meeting_token=created.meeting_token)
        self.store.conversation_created(conv.token, created.conversation_id, created.conversation_url)
        if created.status == "ended":
            self.store.mark_ended(conv.token, at=utcnow(), reason=None)
        return None

    # the candidate's DM
    def dm_text(self, conv: ConversationRecord) -> str:
        title = f"*{esc(conv.name)}*"
        if conv.status == "ended":
            if conv.shutdown_reason == "invite_cancelled":
                return f"The AI video interview {title} was cancelled; its link no longer works."
            if conv.shutdown_reason == "invite_expired":
                return f"The invitation to the AI video interview {title} has expired."
            return f"The AI video interview {title} has ended. Thank you for your time."
        window = ""
        if conv.opens_at and conv.expires_at:
            window = f" It opens {slack_date(conv.opens_at)} and expires {slack_date(conv.expires_at)}."
        return (
            f"<@{conv.owner_id}> invited you to an AI video interview, {title}. "
            f"Your private link (for you only): {self.link(conv)}{window}"
        )

    async def dm_candidate(self, conv: ConversationRecord) -> None:
        try:
            answer = await self.slack.chat_postMessage(
                token=self.ws.slack_token(conv.team_id),
                channel=conv.candidate_id,
                text=self.dm_text(conv),
                unfurl_links=False,
            )
        except SlackApiError as exc:
            slack_failed(exc, "DM the candidate")
            return
        except Exception as exc:  # a reset: the owner has the link too; never undo the start for it
            log.warning("could not DM the candidate: %s", type(exc).__name__)
            return
        self.store.update_invite(conv.token, dm_channel=answer["channel"], dm_ts=answer["ts"])

    async def changed(self, token: str) -> None:
        """After a state change (the card's redraw job calls this): once the interview is over,
        update the candidate's DM. Marked done only after Slack took the edit, so a reset makes
        the redraw job retry it."""
        conv = self.store.conversation_by_token(token)
        invite = self.store.invite(token) or {}
        if conv is None or conv.status != "ended" or invite.get("dm_final") or not invite.get("dm_channel"):
            return
        try:
            await self.slack.chat_update(
                token=self.ws.slack_token(conv.team_id),
                channel=invite["dm_channel"],
                ts=invite["dm_ts"],
                text=self.dm_text(conv),
            )
        except SlackApiError as exc:
            slack_failed(exc, "update the candidate's DM")
        self.store.dm_done(token)
