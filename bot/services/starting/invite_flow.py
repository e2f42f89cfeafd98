"""What an invite link does when the candidate opens it or presses Start, and the owner's Cancel."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.clock import parse_time
from bot.records import ConversationRecord
from bot.services.outbox.job_kinds import dm_job, tell_owner_job
from bot.services.starting.interviews import InterviewService
from bot.services.starting.invites import InviteService, room_link
from bot.slack import ids
from bot.slack.blocks import button, esc, plain, section
from bot.store import utcnow
from bot.tavus import errors as te

log = logging.getLogger(__name__)

REQUESTS = {"person": "an interview with a person", "accommodation": "an accommodation"}
AMBIGUOUS = (te.TavusConnectionError, te.TavusTimeoutError)  # Tavus may have made it after all


@dataclass
class LinkState:
    """What the invite page shows: invalid, cancelled, ended, expired, not_open, ready, starting,
    live, busy, unavailable (the monthly cap), error or paused (the candidate asked for a person or
    an accommodation); `room` is where a live one redirects."""

    state: str
    conv: ConversationRecord | None = None
    invite: dict | None = None
    room: str | None = None
    message: str | None = None


class InviteFlow:
    def __init__(self, invites: InviteService, interviews: InterviewService) -> None:
        self.invites, self.interviews, self.db = invites, interviews, invites.db

    async def look(self, raw: str) -> LinkState:
        """The invite's state as the candidate sees it, without changing anything."""
        found = await self.db.invite_by_link(raw) if raw and len(raw) <= 100 else None
        if found is None:
            return LinkState("invalid")
        invite, conv = found
        out = LinkState("ready", conv, invite)
        now = datetime.now(UTC)
        if conv.shutdown_reason == "invite_cancelled" or (
            invite.get("revoked_at") and conv.status != "ended"
        ):
            out.state = "cancelled"
        elif conv.status in ("waiting", "live") and conv.url:
            out.state, out.room = "live", room_link(conv.url, invite.get("meeting_token"))
        elif conv.status == "ended":
            out.state = "expired" if conv.shutdown_reason == "invite_expired" else "ended"
        elif conv.status == "creating":
            out.state = "starting"
        elif invite.get("requested_at"):  # a person or an accommodation asked for (issue 24)
            out.state = "paused"
        elif (opens := parse_time(conv.opens_at)) and now < opens:
            out.state = "not_open"
        elif (expires := parse_time(conv.expires_at)) and now >= expires:
            out.state = "expired"
        return out

    async def start(self, raw: str, receipt: tuple | None = None) -> LinkState:
        """The Start button: create the conversation now, or rejoin the one already running.
        `receipt` (policy, notice version, its sha256, choices) is the consent given with this press;
        without one (the busy page's retry) only an invite already consented to starts."""
        seen = await self.look(raw)
        if seen.state != "ready" or seen.conv is None:
            return seen
        conv = seen.conv
        if receipt is None and not await self.db.receipt(conv.token):
            return seen  # no consent yet: the page asks for it (issue 24)
        if await self.interviews.usage.refuse_start(conv):  # the month's cap: nothing at Tavus
            return LinkState("unavailable", conv, seen.invite)
        if not await self.db.claim_start(conv.token):
            return await self.look(raw)  # another press got there first: live, or starting
        if receipt is not None:  # only the press that claimed the start leaves a receipt
            await self.db.save_receipt(conv.token, conv.team_id, *receipt)
        failure = await self.invites.create_at_tavus(conv)
        if isinstance(failure, te.ConcurrencyLimitError):
            await self.db.unclaim(conv.token, None)
            if await self.db.first_busy(conv.token):
                await self.tell_owner(
                    conv,
                    f"Your candidate opened *{esc(conv.name)}*, but your Tavus account is at its limit "
                    "of simultaneous conversations. Their page retries by itself; end a running "
                    "interview to let them in.",
                )
            return LinkState("busy", conv, seen.invite)
        if failure is not None:
            # an ambiguous failure stays `creating`: recovery looks for it at Tavus and then reopens
            # the invite, so a second press meanwhile finds it starting and never creates twice
            if not isinstance(failure, AMBIGUOUS):
                await self.db.unclaim(conv.token, str(failure))
            return LinkState("error", conv, seen.invite, message=str(failure))
        await self.db.audit(conv.team_id, None, "interview.candidate_started", conv.token, None)
        await self.interviews.refresh_card(conv.token)
        return await self.look(raw)

    async def ask(self, raw: str, kind: str, words: str) -> LinkState:
        """The candidate asks for an interview with a person or an accommodation (issue 24): the
        invite pauses, nothing is created at Tavus, and the owner is told with their words."""
        seen = await self.look(raw)
        if seen.state not in ("ready", "not_open", "error") or seen.conv is None:
            return seen
        conv = seen.conv
        what = REQUESTS[kind]
        text = f"Your candidate for *{esc(conv.name)}* asked for {what}. The AI interview is paused."
        blocks = [
            section(
                f":raising_hand: Your candidate ({esc(conv.candidate_name or '')}"
                f"{' <@' + conv.candidate_id + '>' if conv.candidate_id else ''}) for *{esc(conv.name)}* "
                f"asked for *{what}*. The AI interview is paused: its link no longer starts one. "
                "Contact them to arrange it, then mark it handled."
            ),
            {
                "type": "section",
                "text": plain(f"Their words: {words}" if words else "They wrote nothing.", 3000),
            },
            {"type": "actions", "elements": [button("Mark handled", ids.MARK_HANDLED, value=conv.ref)]},
        ]
        job = dm_job(conv, f"ask:{conv.token}", conv.owner_id, text, tell=True, blocks=blocks)
        if await self.db.pause_invite(conv.token, kind, words, [job]):
            self.interviews.outbox.kick()
        return await self.look(raw)

    async def mark_handled(self, team_id: str, user_id: str, ref: str) -> str:
        """The owner's *Mark handled* on a candidate's request: who and when, audited."""
        conv = await self.db.conversation_by_ref(team_id, ref[:60]) if ref else None
        if conv is None:
            return "I found no such interview in this workspace."
        if not await self.interviews.people.can_manage(team_id, user_id, conv):
            return f"Only <@{conv.owner_id}> or an admin can mark this request handled."
        if not await self.db.mark_request_handled(conv.token, team_id, user_id):
            return f"The candidate's request for *{esc(conv.name)}* was already marked handled."
        return (
            f":white_check_mark: The candidate's request for *{esc(conv.name)}* was marked handled "
            f"by <@{user_id}>."
        )

    async def cancel(self, team_id: str, user_id: str, ref: str) -> str:
        """The owner's Cancel (or End) on an interview in any state; cancelling revokes the link."""
        conv = await self.db.conversation_by_ref(team_id, ref[:60]) if ref else None
        if conv is None:
            return f"I found no interview `{esc(ref[:40])}` in this workspace."
        if conv.conversation_id:
            return await self.interviews.end(team_id, user_id, conv.conversation_id)
        if not await self.interviews.people.can_manage(team_id, user_id, conv):
            return f"Only <@{conv.owner_id}> or an admin can cancel *{esc(conv.name)}*."
        if conv.status == "creating":
            return f"*{esc(conv.name)}* is starting right now; end it in a moment."
        if not await self.db.close_invite(conv.token, "invite_cancelled", user_id):
            return f"*{esc(conv.name)}* has already ended."
        await self.interviews.refresh_card(conv.token)  # and the candidate's DM
        return f"Cancelled *{esc(conv.name)}*; its invite link no longer works."

    async def expire_due(self) -> int:
        """Close invites whose window passed unused, so their cards say so."""
        db = self.invites.background  # the reconciler's round: nobody waits for it
        tokens = await db.expired_invites(utcnow())
        for token in tokens:
            if await db.close_invite(token, "invite_expired", None):
                await self.interviews.refresh_card(token)  # and the candidate's DM
        return len(tokens)

    async def tell_owner(self, conv: ConversationRecord, text: str) -> None:
        """One message to the interview's owner, through the outbox (retried until Slack takes it)."""
        await self.interviews.db.add_jobs([tell_owner_job(conv, "busy", text)])
        self.interviews.outbox.kick()
