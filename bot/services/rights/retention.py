"""Erasure and retention (issues 14, 22, 23): `forget` one interview on request, and delete stored
content after RETENTION_DAYS. The audit keeps who did what and when, without content. Store calls
run in the store's thread pool (`deps.db`), never on the event loop."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.records import ConversationRecord
from bot.services.decisions.nudges import nudge_undecided
from bot.services.rights.erasure import erase, retry_erasures
from bot.services.starting.usage import Usage
from bot.slack.blocks import esc

if TYPE_CHECKING:
    from bot.deps import Deps, Services
    from bot.records import ConversationRecord

log = logging.getLogger(__name__)

PURGE_EVERY = timedelta(hours=1)


async def find_to_forget(deps: Services, team_id: str, user_id: str, text: str) -> list[ConversationRecord]:
    """By id or ref, else by its whole name among the person's interviews (the workspace's, for an
    admin), as `end` finds them; forgotten ones are not found by name."""
    wanted = text.strip()
    if conv := await deps.db.conversation(team_id, wanted) or await deps.db.conversation_by_ref(
        team_id, wanted[:60]
    ):
        return [conv]
    admin = await deps.people.is_admin(team_id, user_id)
    return await deps.db.conversations_named(team_id, wanted[:200], None if admin else user_id)


async def forget(deps: Services, team_id: str, user_id: str, ref: str) -> str:
    """Delete an interview's stored content, the messages we posted about it, and the conversation
    at Tavus; the answer is a sentence for the user, claiming only what was done."""
    db = deps.db
    conv = await db.conversation_by_ref(team_id, ref[:60]) if ref else None
    if conv is None:
        return f"I found no interview `{esc(ref[:60])}` in this workspace."
    if not await deps.people.can_manage(team_id, user_id, conv):
        return f"Only <@{conv.owner_id}> or an admin can forget *{esc(conv.name)}*."
    if conv.status in ("creating", "waiting", "live"):
        return f"*{esc(conv.name)}* is still running: end it first, then forget it."
    done = await erase(deps, conv, user_id)
    notes = []
    if slack_left := [i for i in done.left if i["kind"] != "tavus"]:
        notes.append(
            f"{len(slack_left)} message(s) or file(s) could not be deleted from Slack (Slack refused or "
            "did not answer): I retry every hour and tell an admin each day it stays; or delete them "
            "by hand."
        )
    if done.busy:
        notes.append(
            "A result was still being posted to Slack when I finished: it deletes itself once Slack "
            "answers; if it stays, delete it by hand."
        )
    at_tavus = {
        "gone": "; the conversation was already gone at Tavus",
        "deleted": "; the conversation is deleted at Tavus",
    }.get(done.tavus, "")
    why = next((i.get("why") or "" for i in done.left if i["kind"] == "tavus"), "")
    if done.tavus == "left" and "no longer has" in why:
        notes.append(
            "The conversation was NOT deleted at Tavus: it was made with a Tavus key this workspace no "
            "longer has; delete it in that account's Tavus portal."
        )
    elif done.tavus == "left":
        notes.append("Tavus could not delete its copy yet; I retry every hour.")
    return " ".join(
        [
            f"Forgot the interview: its transcript, analysis and stored events are deleted, and "
            f"{done.deleted} message(s) or file(s) about it deleted from Slack{at_tavus}.",
            *notes,
        ]
    )


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
        gone = await self.purge(now)
        await retry_erasures(self.deps, now)  # what erasures left: retried, an admin told daily
        return gone

    async def purge(self, now: datetime | None = None) -> int:
        """Delete content older than RETENTION_DAYS, jobs' too; returns how many callback bodies went."""
        cutoff = (now or datetime.now(UTC)) - timedelta(days=self.deps.settings.RETENTION_DAYS)
        # the background's store threads (the reconciler's round): requests never wait behind it
        gone = await self.deps.outbox.db.purge_before(cutoff.isoformat(timespec="milliseconds"))
        if gone:
            log.info("retention: deleted %d stored Tavus events received before %s", gone, cutoff.date())
        return gone
