"""Interviews with a candidate (issue 14): private invite links, created at Tavus only when the
candidate presses Start; without PUBLIC_URL created at once, still private (require_auth)."""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import parse_time
from bot.config import Settings
from bot.logs import keep_secret
from bot.records import ConversationRecord, DuplicateRequest, StartOutcome, marker_for
from bot.services.access.workspaces import Workspaces
from bot.services.outbox.job_kinds import post_job
from bot.services.outbox.worker import OutboxWorker
from bot.services.starting.invite_links import InviteLinks, candidate_dm_job, room_link  # noqa: F401
from bot.services.starting.lawful import earliest_open, notice_refusal, person_name, plan_topics
from bot.services.starting.request import InterviewRequest, callback_url, conversation_request, intent
from bot.slack.messages import slack_post_failure, tavus_failure
from bot.store import Job, OutboxRecord, utcnow
from bot.store.aio import AsyncStore
from bot.store.migrations import token_hash
from bot.tavus import errors as te
from bot.tavus.client import TavusClient
from bot.tavus.models import Conversation, ConversationCreate

log = logging.getLogger(__name__)

DEFAULT_HOURS = 72
MAX_HOURS = 30 * 24


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


class InviteService:
    """Interviews with a candidate: the invite recorded, its card posted, Tavus called at Start."""

    def __init__(
        self,
        settings: Settings,
        db: AsyncStore,
        ws: Workspaces,
        slack: AsyncWebClient,
        outbox: OutboxWorker,
        links: InviteLinks,
    ) -> None:
        self.settings, self.db, self.ws, self.slack, self.outbox = settings, db, ws, slack, outbox
        self.links, self.background = links, links.background  # `background`: work nobody waits on

    def link(self, conv: ConversationRecord) -> str | None:
        """The invite link or private room, with a synchronous read (the playground, tests)."""
        return self.links.link(conv)

    async def find_link(self, conv: ConversationRecord) -> str | None:
        """The invite link or private room the owner may copy, the invite read off the loop."""
        return await self.links.find_link(conv)

    async def changed(self, token: str, db: AsyncStore | None = None) -> None:
        """Once the interview is over, the candidate's DM is edited (InviteLinks.changed)."""
        if await self.links.changed(token, db):
            self.outbox.kick()

    async def post_card(self, conv: ConversationRecord, job: OutboxRecord | None = None) -> str | None:
        """Post a card now through the outbox (which retries it); a sentence saying how to fix it.
        `job`: its post, queued and leased to us already (start_room)."""
        if job is not None:
            _, error = await self.outbox.run(job, tell=False)
        else:
            await self.db.add_jobs([replace(post_job(conv), held=self.outbox.lease)])  # ours to run
            _, error = await self.outbox.run_now(f"post:{conv.token}", mine=True)
        self.outbox.kick()
        return slack_post_failure(error, conv.channel_id or "") if error else None

    # starting
    async def create(self, req: InterviewRequest, team_settings: dict | None = None) -> StartOutcome:
        """An invite (or, without PUBLIC_URL, a private room made now) and its card. `team_settings`:
        the workspace's interview settings, when the caller has just read them."""
        token = req.token or secrets.token_urlsafe(24)
        now = datetime.now(UTC)
        invite = bool(self.settings.PUBLIC_URL)
        posted = (team_settings or await self.db.interview_settings(req.team_id))["notice_in_posting"]
        if earliest := earliest_open(req.policy, bool(posted), now):  # New York City (issue 24)
            chosen = parse_time(req.opens_at) if invite else now
            if chosen is not None and chosen < earliest:
                return StartOutcome(error=notice_refusal(req.policy, earliest))
            req.opens_at = req.opens_at or iso(earliest)  # no time chosen: the earliest allowed
        opens = parse_time(req.opens_at) or now
        hours = min(max(req.expires_hours or DEFAULT_HOURS, 1), MAX_HOURS)
        conv = intent(
            self.settings,
            req,
            token,
            status="invited" if invite else "creating",
            candidate_name=req.candidate_name,
            candidate_email=req.candidate_email,
            opens_at=iso(opens) if invite else None,
            expires_at=iso(opens + timedelta(hours=hours)) if invite else None,
        )
        conv.ref = marker_for(token)
        create = conversation_request(self.settings, req, token)
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
        # a Slack-user candidate's DM is queued with what its link needs: the invite, or the room
        dm = [candidate_dm_job(conv)] if conv.candidate_id else []
        try:  # the intent and its invite in one write
            await self.db.begin_invite(
                conv,
                jobs=dm if invite else [],
                nonce=nonce,
                token_hash=token_hash(self.links.link_token(nonce)) if nonce else None,
                request=json.dumps(request),
            )
        except DuplicateRequest as dup:
            return StartOutcome(conv=dup.existing, duplicate=True, link=await self.find_link(dup.existing))
        if invite:
            post_error = await self.post_card(conv)
        else:
            made = await self.start_room(conv, create, dm)
            if isinstance(made, StartOutcome):
                return made
            post_error = made
        store = self.db.store  # what the starter is told, in one trip to a store thread
        fresh, row = await self.db.run(lambda: (store.conversation_by_token(token), store.invite(token)))
        fresh = fresh or conv
        return StartOutcome(conv=fresh, post_error=post_error, link=self.links.link_from(fresh, row))

    async def start_room(
        self, conv: ConversationRecord, create: ConversationCreate, dm: list[Job]
    ) -> StartOutcome | str | None:
        """Without PUBLIC_URL: the room made now and recorded with the candidate's DM and the card's
        post (held, leased to us) in one write, then the card posted; as post_card, or the failure."""
        made = await self.make_room(conv, create)
        if isinstance(made, te.TavusError):
            error = tavus_failure(made, "start the interview")
            await self.db.conversation_failed(conv.token, error)
            return StartOutcome(error=error)
        client, created = made
        room = (created.conversation_id, created.conversation_url, created.meeting_token)
        post = replace(post_job(conv), held=self.outbox.lease)  # ours to run
        job = await self.db.room_created(conv.token, room, client.fingerprint, dm, post)
        if created.status == "ended":
            await self.db.mark_ended(conv.token, at=utcnow(), reason=None)
        return await self.post_card(conv, job)

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
        invite = await self.db.invite(conv.token) or {}
        request = json.loads(invite.get("request") or "{}")
        made = await self.make_room(conv, ConversationCreate.model_validate(request.get("create") or {}))
        if isinstance(made, te.TavusError):
            return made
        client, created = made
        await self.db.update_invite(conv.token, meeting_token=created.meeting_token)
        await self.db.conversation_created(
            conv.token, created.conversation_id, created.conversation_url, jobs or [], client.fingerprint
        )
        if created.status == "ended":
            await self.db.mark_ended(conv.token, at=utcnow(), reason=None)
        return None

    async def make_room(
        self, conv: ConversationRecord, create: ConversationCreate
    ) -> tuple[TavusClient, Conversation] | te.TavusError:
        """The private room created at Tavus, with its meeting token; Tavus's refusal."""
        create.callback_url = callback_url(self.settings, conv.token)
        try:  # a trip to a store thread only when workspaces may keep keys of their own there
            if self.ws.keys_stored():
                client = await self.db.run(self.ws.tavus_to_create, conv)
            else:
                client = self.ws.tavus_to_create(conv)
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
        return client, created
