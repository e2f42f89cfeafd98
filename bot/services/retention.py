"""Erasure and retention (issue 14): `forget` one interview on request, and delete stored content
after RETENTION_DAYS. The audit keeps who did what and when, without content."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.slack.blocks import esc
from bot.tavus import errors as te

if TYPE_CHECKING:
    from bot.deps import Deps
    from bot.store import ConversationRecord

log = logging.getLogger(__name__)

PURGE_EVERY = timedelta(hours=1)


async def forget(deps: Deps, team_id: str, user_id: str, ref: str) -> str:
    """Delete an interview's stored content, the result messages we posted, and the conversation
    at Tavus; the answer is a sentence for the user."""
    conv = deps.store.conversation_by_ref(team_id, ref[:60]) if ref else None
    if conv is None:
        return f"I found no interview `{esc(ref[:40])}` in this workspace."
    if not await deps.people.can_manage(team_id, user_id, conv):
        return f"Only <@{conv.owner_id}> or an admin can forget *{esc(conv.name)}*."
    if conv.status in ("invited", "failed") and not conv.conversation_id:
        deps.store.close_invite(conv.token, "invite_cancelled", user_id)
    elif conv.status in ("creating", "waiting", "live"):
        return f"*{esc(conv.name)}* is still running: end it first, then forget it."
    deleted, failed = await deps.results.delete_posted(conv)
    note = (
        f" {failed} message(s) or file(s) could not be deleted from Slack (Slack refused or did not "
        "answer): delete them by hand."
        if failed
        else ""
    )
    at_tavus = await _delete_at_tavus(deps, conv) if conv.conversation_id else ""
    deps.store.forget_content(conv.token, user_id)
    await deps.interviews.refresh_card(conv.token)
    return (
        f"Forgot the interview: its transcript, analysis and stored events are deleted, "
        f"{deleted} result message(s) removed from Slack{at_tavus}.{note}"
    )


async def _delete_at_tavus(deps: Deps, conv: ConversationRecord) -> str:
    """Delete the conversation in the account that made it (a 404 from another account would say
    nothing); the end of forget's sentence."""
    try:
        client = await deps.db.run(deps.ws.tavus_for, conv)
        await client.delete_conversation(conv.conversation_id or "")
    except te.NotFoundError:
        return ", and Tavus no longer had the conversation"
    except te.AccountKeyGoneError:
        return (
            ". The conversation was NOT deleted at Tavus: it was made with a Tavus key this workspace "
            "no longer has; delete it in that account's Tavus portal"
        )
    except te.TavusError as exc:
        return f". Tavus could not delete its copy yet ({esc(exc.message[:100])}); try again later"
    return ", and the conversation deleted at Tavus"


class Retention:
    """Runs with the reconciler on the leading instance, at most once an hour."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.last: datetime | None = None

    async def run(self) -> int | None:
        """Every round: close invites whose window passed; hourly: purge old content."""
        await self.deps.invite_flow.expire_due()
        now = datetime.now(UTC)
        if self.last and now - self.last < PURGE_EVERY:
            return None
        self.last = now
        return self.purge(now)

    def purge(self, now: datetime | None = None) -> int:
        """Delete content older than RETENTION_DAYS; returns how many callback bodies went."""
        cutoff = (now or datetime.now(UTC)) - timedelta(days=self.deps.settings.RETENTION_DAYS)
        gone = self.deps.store.purge_before(cutoff.isoformat(timespec="milliseconds"))
        if gone:
            log.info("retention: deleted %d stored Tavus events older than %s days", gone, cutoff.date())
        return gone
