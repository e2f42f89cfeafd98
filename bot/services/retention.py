"""Erasure and retention (issues 14, 22, 23): `forget` one interview on request, and delete stored
content after RETENTION_DAYS. The audit keeps who did what and when, without content. Store calls
run in the store's thread pool (`deps.db`), never on the event loop."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.services.nudges import nudge_undecided
from bot.services.usage import Usage
from bot.slack.blocks import esc
from bot.store import ConversationRecord
from bot.tavus import errors as te

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)

PURGE_EVERY = timedelta(hours=1)
SETTLE_POLL = 0.2  # seconds between looks at a forgotten interview's jobs still running


async def find_to_forget(deps: Deps, team_id: str, user_id: str, text: str) -> list[ConversationRecord]:
    """By id or ref, else by its whole name among the person's interviews (the workspace's, for an
    admin), as `end` finds them; forgotten ones are not found by name."""
    wanted = text.strip()
    if conv := await deps.db.conversation(team_id, wanted) or await deps.db.conversation_by_ref(
        team_id, wanted[:60]
    ):
        return [conv]
    admin = await deps.people.is_admin(team_id, user_id)
    return await deps.db.conversations_named(team_id, wanted[:200], None if admin else user_id)


async def forget(deps: Deps, team_id: str, user_id: str, ref: str) -> str:
    """Delete an interview's stored content, the messages we posted about it, and the conversation
    at Tavus; the answer is a sentence for the user, claiming only what was done."""
    db = deps.db
    conv = await db.conversation_by_ref(team_id, ref[:60]) if ref else None
    if conv is None:
        return f"I found no interview `{esc(ref[:60])}` in this workspace."
    if not await deps.people.can_manage(team_id, user_id, conv):
        return f"Only <@{conv.owner_id}> or an admin can forget *{esc(conv.name)}*."
    if conv.status in ("invited", "failed") and not conv.conversation_id:
        await db.close_invite(conv.token, "invite_cancelled", user_id)
    elif conv.status in ("creating", "waiting", "live"):
        return f"*{esc(conv.name)}* is still running: end it first, then forget it."
    # first: nothing more is recorded for it, and a job still running deletes what it posts next
    await db.begin_forget(conv.token, user_id)
    busy = await settle(deps, conv.token)
    deleted, failed = await deps.results.delete_posted(conv)
    await db.end_forget(conv.token)
    notes = []
    if failed:
        notes.append(
            f"{failed} message(s) or file(s) could not be deleted from Slack (Slack refused or did not "
            "answer): delete them by hand."
        )
    if busy:
        notes.append(
            "A result was still being posted to Slack when I finished: it deletes itself once Slack "
            "answers; if it stays, delete it by hand."
        )
    at_tavus = ""
    if conv.conversation_id:
        at_tavus, note = await forget_at_tavus(deps, team_id, conv.conversation_id)
        notes += [note] if note else []
    await deps.interviews.refresh_card(conv.token)
    return " ".join(
        [
            f"Forgot the interview: its transcript, analysis and stored events are deleted, and "
            f"{deleted} message(s) or file(s) about it deleted from Slack{at_tavus}.",
            *notes,
        ]
    )


async def settle(deps: Deps, token: str) -> int:
    """Wait (at most a job's lease) for its result jobs still running; how many still are."""
    deadline = time.monotonic() + deps.settings.OUTBOX_LEASE_SECONDS
    while (busy := await deps.db.forget_in_flight(token)) and time.monotonic() < deadline:
        await asyncio.sleep(SETTLE_POLL)
    return busy


async def forget_at_tavus(deps: Deps, team_id: str, conversation_id: str) -> tuple[str, str | None]:
    """Delete the conversation at Tavus: (what to add to the answer, a note when it failed)."""
    try:
        tavus = await deps.db.run(deps.ws.tavus, team_id)
        await tavus.delete_conversation(conversation_id)
    except te.NotFoundError:
        return "; the conversation was already gone at Tavus", None
    except te.TavusError as exc:
        return "", f"Tavus could not delete its copy yet ({esc(exc.message[:100])}); try again later."
    return "; the conversation is deleted at Tavus", None


class Retention:
    """Runs with the reconciler on the leading instance, at most once an hour."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.last: datetime | None = None
        self.usage = Usage(deps.settings, deps.outbox.db, deps.outbox)  # background store threads

    async def run(self) -> int | None:
        """Every round: close invites whose window passed, warn of the month's minutes at 80 %;
        hourly: remind owners to decide, purge old content."""
        await self.deps.invite_flow.expire_due()
        await self.usage.warn_all()
        now = datetime.now(UTC)
        if self.last and now - self.last < PURGE_EVERY:
            return None
        self.last = now
        await nudge_undecided(self.deps.settings, self.deps.outbox.db, self.deps.outbox)
        return await self.purge(now)

    async def purge(self, now: datetime | None = None) -> int:
        """Delete content older than RETENTION_DAYS, jobs' too; returns how many callback bodies went."""
        cutoff = (now or datetime.now(UTC)) - timedelta(days=self.deps.settings.RETENTION_DAYS)
        # the background's store threads (the reconciler's round): requests never wait behind it
        gone = await self.deps.outbox.db.purge_before(cutoff.isoformat(timespec="milliseconds"))
        if gone:
            log.info("retention: deleted %d stored Tavus events received before %s", gone, cutoff.date())
        return gone
