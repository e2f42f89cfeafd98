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

from bot.clock import parse_time
from bot.logs import keep_secret
from bot.services.access.keys import derived_token
from bot.services.starting.lawful import earliest_open, notice_refusal, person_name, plan_topics
from bot.slack.blocks import esc
from bot.slack.messages import invite_dm_text, tavus_failure
from bot.store import ConversationRecord, DuplicateRequest, Job, utcnow
from bot.store.aio import AsyncStore
from bot.store.migrations import token_hash
from bot.tavus import errors as te

if TYPE_CHECKING:
    from bot.services.starting.interviews import InterviewRequest, InterviewService, StartOutcome

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


def candidate_dm_job(conv: ConversationRecord) -> Job:
    """The candidate's DM: posted once, edited once the interview is over (bot/services/
    candidate_dm.py). Drawn when it runs: its text carries the private link, never stored."""
    data = {"channel": conv.candidate_id, "candidate": True}
    return Job("dm", f"dm:candidate:{conv.token}", conv.token, conv.team_id, data, rearm=True)


class InviteService:
    def __init__(self, interviews: InterviewService, background: AsyncStore | None = None) -> None:
        self.interviews = interviews
        # the store off the loop: `db` on a request's path, `background` for work nobody waits on
        self.db, self.background = interviews.db, background or interviews.db
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
        """link_from with a synchronous read (the playground, tests)."""
        return self.link_from(conv, self.store.invite(conv.token))

    async def find_link(self, conv: ConversationRecord) -> str | None:
        """link_from, the invite read off the event loop."""
        return self.link_from(conv, await self.db.invite(conv.token))

    def link_from(self, conv: ConversationRecord, invite: dict | None) -> str | None:
        """What the owner may copy: the invite link, or the private room when there is no invite."""
        if invite is None:
            return None
        if invite.get("nonce") and self.settings.PUBLIC_URL:
            return f"{self.settings.PUBLIC_URL.rstrip('/')}/i/{self.link_token(invite['nonce'])}"
        return room_link(conv.url, invite.get("meeting_token"))

    # starting
    async def route(self, req: InterviewRequest) -> StartOutcome | None:
        """Hook for InterviewService.start: None lets an allowed open interview start as before."""
        from bot.services.starting.interviews import StartOutcome

        if not (req.candidate_id or req.candidate_name):
            if not (await self.db.interview_settings(req.team_id))["open_interviews"]:
                return StartOutcome(error=OPEN_OFF)
            return None
        return await self.create(req)

    async def create(self, req: InterviewRequest) -> StartOutcome:
        from bot.services.starting.interviews import StartOutcome

        token = req.token or secrets.token_urlsafe(24)
        now = datetime.now(UTC)
        invite = bool(self.settings.PUBLIC_URL)
        posted = (await self.db.interview_settings(req.team_id))["notice_in_posting"]
        if earliest := earliest_open(req.policy, bool(posted), now):  # New York City (issue 24)
            chosen = parse_time(req.opens_at) if invite else now
            if chosen is not None and chosen < earliest:
                return StartOutcome(error=notice_refusal(req.policy, earliest))
            req.opens_at = req.opens_at or iso(earliest)  # no time chosen: the earliest allowed
        opens = parse_time(req.opens_at) or now
        hours = min(max(req.expires_hours or DEFAULT_HOURS, 1), MAX_HOURS)
        conv = self.interviews.intent(
            req,
            token,
            status="invited" if invite else "creating",
            candidate_name=req.candidate_name,
            candidate_email=req.candidate_email,
            opens_at=iso(opens) if invite else None,
            expires_at=iso(opens + timedelta(hours=hours)) if invite else None,
        )
        from bot.services.starting.interviews import marker_for

        conv.ref = marker_for(token)
        create = self.interviews.conversation_request(req, token)
        create.callback_url = None  # derived again at Start: no credential rests in the database
        create.require_auth = True  # the room opens only with the meeting token
        request = {
            "create": create.to_json(),
            "minutes": req.minutes,
            "recording": req.recording,
            "perception": bool(req.persona.perception_model and req.persona.perception_model != "off"),
            "perception_model": req.persona.perception_model or "off",  # what the page names
            **(await self.notice_facts(req) if invite else {}),
        }
        nonce = secrets.token_urlsafe(16) if invite else None
        try:
            await self.db.begin_conversation(conv)
        except DuplicateRequest as dup:
            return StartOutcome(conv=dup.existing, duplicate=True, link=await self.find_link(dup.existing))
        # a Slack-user candidate's DM is queued with what its link needs: the invite, or the room
        dm = [candidate_dm_job(conv)] if conv.candidate_id else []
        await self.db.save_invite(
            token,
            req.team_id,
            nonce=nonce,
            token_hash=token_hash(self.link_token(nonce)) if nonce else None,
            request=json.dumps(request),
            jobs=dm if invite else [],
        )
        if not invite:
            failure = await self.create_at_tavus(conv, jobs=dm)
            if failure:
                error = tavus_failure(failure, "start the interview")
                await self.db.conversation_failed(token, error)
                return StartOutcome(error=error)
        post_error = await self.interviews.post_card(await self.db.conversation_by_token(token) or conv)
        fresh = await self.db.conversation_by_token(token) or conv
        return StartOutcome(conv=fresh, post_error=post_error, link=await self.find_link(fresh))

    async def notice_facts(self, req: InterviewRequest) -> dict:
        """What the candidate's notice names (issue 24): the plan's topics and whom to contact."""
        try:
            tavus = await self.db.run(self.ws.tavus_for, req.persona)  # the plan lives in its account
        except te.TavusError:  # a key that cannot be used: Start will say so; no topics meanwhile
            tavus = None
        token = await self.ws.bot_token(req.team_id)
        return {
            "topics": await plan_topics(tavus, req.persona) if tavus else [],
            "owner_name": await person_name(self.slack, token, req.user_id),
        }

    async def create_at_tavus(
        self, conv: ConversationRecord, jobs: list[Job] | None = None
    ) -> te.TavusError | None:
        """Create the conversation now (require_auth), queueing `jobs` with it; Tavus's refusal."""
        from bot.tavus.models import ConversationCreate

        invite = await self.db.invite(conv.token) or {}
        request = json.loads(invite.get("request") or "{}")
        create = ConversationCreate.model_validate(request.get("create") or {})
        create.callback_url = self.interviews.callback_url(conv.token)
        try:
            client = await self.db.run(self.ws.tavus_to_create, conv)
        except te.TavusError as exc:
            return exc
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
        await self.db.update_invite(conv.token, meeting_token=created.meeting_token)
        await self.db.conversation_created(
            conv.token, created.conversation_id, created.conversation_url, jobs or [], client.fingerprint
        )
        if created.status == "ended":
            await self.db.mark_ended(conv.token, at=utcnow(), reason=None)
        return None

    # the candidate's DM (sent and edited by its outbox job, bot/services/starting/candidate_dm.py)
    def dm_text(self, conv: ConversationRecord, invite: dict | None) -> str:
        title = f"*{esc(conv.name)}*"
        if conv.status == "ended":
            if conv.shutdown_reason == "invite_cancelled":
                return f"The AI video interview {title} was cancelled; its link no longer works."
            if conv.shutdown_reason == "invite_expired":
                return f"The invitation to the AI video interview {title} has expired."
            return f"The AI video interview {title} has ended. Thank you for your time."
        url = self.link_from(conv, invite)
        return invite_dm_text(conv.owner_id, conv.name, url, conv.opens_at, conv.expires_at)

    async def changed(self, token: str, db: AsyncStore | None = None) -> None:
        """After a state change: once the interview is over, queue the edit of the candidate's DM
        (its job re-armed: a DM still on its way is then drawn in its final state)."""
        db = db or self.background
        conv = await db.conversation_by_token(token)
        if conv is None or not conv.candidate_id or conv.status != "ended":
            return
        invite = await db.invite(token) or {}
        job = candidate_dm_job(conv)
        if invite.get("dm_final"):
            return
        if not invite.get("dm_channel"):  # not sent yet: only a pending DM is redrawn (never a
            queued = await db.job(job.key)  # parked one: its owner was told once)
            if queued is None or queued.state != "pending":
                return
        await db.add_jobs([job])
        self.interviews.outbox.kick()
