"""An invite's links and the candidate's DM text (issue 14): what the owner may copy, what the
candidate is sent, and the DM's follow-up once the interview is over. No outbox worker and no Tavus
here, so the outbox's runners (the DM, workflow steps) use it as the invite service does."""

from __future__ import annotations

from urllib.parse import quote

from bot.config import Settings
from bot.records import ConversationRecord
from bot.services.access.keys import derived_token
from bot.slack.blocks import esc
from bot.slack.messages import invite_dm_text
from bot.store import Job
from bot.store.aio import AsyncStore


def room_link(url: str | None, meeting_token: str | None) -> str | None:
    """The private room: Tavus's URL with the meeting token require_auth asked for."""
    if not url or not meeting_token:
        return url
    return f"{url}{'&' if '?' in url else '?'}t={quote(meeting_token)}"


def candidate_dm_job(conv: ConversationRecord) -> Job:
    """The candidate's DM: posted once, edited once the interview is over (bot/services/starting/
    candidate_dm.py). Drawn when it runs: its text carries the private link, never stored."""
    data = {"channel": conv.candidate_id, "candidate": True}
    return Job("dm", f"dm:candidate:{conv.token}", conv.token, conv.team_id, data, rearm=True)


class InviteLinks:
    """An invite's links and its candidate's DM, from the settings and the store alone."""

    def __init__(self, settings: Settings, db: AsyncStore, background: AsyncStore | None = None) -> None:
        # the store off the loop: `db` on a request's path, `background` for work nobody waits on
        self.settings, self.db, self.background = settings, db, background or db
        self.store = db.store

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

    async def changed(self, token: str, db: AsyncStore | None = None) -> bool:
        """After a state change: once the interview is over, queue the edit of the candidate's DM
        (its job re-armed: a DM still on its way is then drawn in its final state); whether it was
        queued. A running job's worker claims it when that job ends; others kick the worker."""
        db = db or self.background
        conv = await db.conversation_by_token(token)
        if conv is None or not conv.candidate_id or conv.status != "ended":
            return False
        invite = await db.invite(token) or {}
        job = candidate_dm_job(conv)
        if invite.get("dm_final"):
            return False
        if not invite.get("dm_channel"):  # not sent yet: only a pending DM is redrawn (never a
            queued = await db.job(job.key)  # parked one: its owner was told once)
            if queued is None or queued.state != "pending":
                return False
        await db.add_jobs([job])
        return True
