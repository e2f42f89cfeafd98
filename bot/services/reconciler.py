"""Poll Tavus for waiting and live interviews whose callbacks never came, and recover crashes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from datetime import UTC, datetime, timedelta

from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.services.interviews import marker_for
from bot.services.retention import Retention
from bot.slack.blocks import esc
from bot.slack.errors import slack_failed
from bot.store import ConversationRecord, utcnow
from bot.tavus import errors as te
from bot.tavus.client import RECENT_PAGES

log = logging.getLogger(__name__)

PACE_SECONDS = 0.2  # between two Tavus reads: at most 5 a second, well under any rate limit
RATE_LIMIT_PAUSE = 10.0  # when Tavus says 429 without Retry-After
LATE_CREATE_WINDOW = timedelta(hours=2)  # how long a timed-out create may still turn up


class Reconciler:
    def __init__(self, deps: Deps, *, interval: float, pace: float = PACE_SECONDS) -> None:
        self.deps, self.interval, self.pace = deps, interval, pace
        self.recovered = False
        self.retention = Retention(deps)  # issue 14: invite expiry and RETENTION_DAYS

    async def run_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval * random.uniform(0.8, 1.2))
            try:
                await self.round_if_leader()
            except Exception:  # one bad round must not end reconciliation
                log.exception("reconciler round failed")

    async def recover_if_leader(self) -> bool:
        """Recover once, on the leading instance (a follower does it when it takes over)."""
        if not self.deps.store.lead():
            return False
        if not self.recovered:
            await recover(self.deps)
            self.recovered = True
        return True

    async def round_if_leader(self) -> bool:
        """Run a round only on the leading instance: one reconciler at a time. A follower takes
        over when the leader dies, and then first recovers what it left behind."""
        if not await self.recover_if_leader():
            return False
        await self.round()
        return True

    async def round(self) -> int:
        """Check every active conversation once; returns how many events were applied."""
        await self.retention.run()  # issue 14
        try:
            await adopt_late_creates(self.deps)
        except te.TavusError as exc:
            log.info("could not look for late creates: %s", exc)
        applied = 0
        for conv in self.deps.store.active_everywhere():
            try:
                applied += await self.check(conv)
            except te.RateLimitError as exc:
                log.warning("Tavus rate limited the reconciler; pausing this round")
                await asyncio.sleep(exc.retry_after or RATE_LIMIT_PAUSE)
                break
            except te.TavusError as exc:
                log.info("reconciler could not read a conversation: %s", exc)
            await asyncio.sleep(self.pace)
        return applied

    async def check(self, conv: ConversationRecord) -> int:
        if not conv.conversation_id:
            return 0
        try:
            remote = await self.deps.ws.tavus(conv.team_id).get_conversation(
                conv.conversation_id, verbose=True
            )
        except te.NotFoundError:
            if self.deps.store.mark_ended(conv.token, at=utcnow(), reason="daily_room_has_been_deleted"):
                await self.deps.interviews.refresh_card(conv.token)
            return 0
        applied = 0
        for event in remote.events or []:
            applied += await self.deps.callbacks.apply_serially(conv, event)
        if remote.status == "ended" and self.deps.store.mark_ended(conv.token, at=utcnow(), reason=None):
            await self.deps.interviews.refresh_card(conv.token)
        return applied


async def adopt_late_creates(deps: Deps) -> int:
    """A create that timed out may finish later at Tavus: find it by its marker, post its card
    and tell its owner, so no billed conversation runs unknown."""
    since = (datetime.now(UTC) - LATE_CREATE_WINDOW).isoformat(timespec="milliseconds")
    waiting = {marker_for(c.token): c for c in deps.store.unconfirmed_since(since) if c.status == "failed"}
    if not waiting:
        return 0
    adopted = 0
    recent = []
    for team in {c.team_id for c in waiting.values()}:
        recent += await deps.ws.tavus(team).list_conversations(max_pages=RECENT_PAGES)
    for remote in recent:
        carried = f"{remote.conversation_name or ''} {remote.callback_url or ''}"
        conv = next((c for m, c in waiting.items() if m in carried), None)
        if conv is None:
            continue
        log.warning("adopting conversation %s that Tavus created late", remote.conversation_id)
        deps.store.conversation_created(conv.token, remote.conversation_id, remote.conversation_url)
        if remote.status == "ended":  # it came and went while we thought it had failed
            deps.store.mark_ended(conv.token, at=utcnow(), reason=None)
            await tell_owner(
                deps,
                conv,
                f"Your interview *{esc(conv.name)}* did start at Tavus after all, and has already ended.",
            )
            adopted += 1
            continue
        await announce_or_tell(deps, conv.token)
        await tell_owner(
            deps,
            conv,
            f"Your interview *{esc(conv.name)}* did start after all: Tavus "
            f"answered late. Join link: {remote.conversation_url}",
        )
        adopted += 1
    return adopted


async def recover(deps: Deps) -> None:
    """Resolve what a crash left behind: intents with no known outcome, cards never posted."""
    for conv in deps.store.creating():
        try:
            found = await deps.ws.tavus(conv.team_id).find_by_marker(marker_for(conv.token))
        except te.TavusError as exc:  # cannot tell yet: leave it for the next start
            log.warning("could not resolve an interrupted interview start: %s", exc)
            continue
        if found is None:
            if conv.expires_at:  # issue 14: an invite's Start was cut short; the candidate may press again
                deps.store.unclaim(conv.token, None)
                continue
            deps.store.conversation_failed(conv.token, "the app restarted before Tavus created it")
            await tell_owner(
                deps,
                conv,
                f"Your interview *{esc(conv.name)}* was not started: the app "
                "restarted at that moment. Please start it again.",
            )
            continue
        log.info("recovered conversation %s after a restart", found.conversation_id)
        deps.store.conversation_created(conv.token, found.conversation_id, found.conversation_url)
        if found.status == "ended":
            deps.store.mark_ended(conv.token, at=utcnow(), reason=None)
            await tell_owner(
                deps,
                conv,
                f"Your interview *{esc(conv.name)}* started while the app restarted, and has already ended.",
            )
            continue
        await announce_or_tell(deps, conv.token)
    for conv in deps.store.active_everywhere():
        if conv.message_ts is None and conv.error is None:
            await announce_or_tell(deps, conv.token)


async def announce_or_tell(deps: Deps, token: str) -> None:
    """After a crash: post the card; if that cannot be done, end the call (nobody would know to
    join it, and it is billed while it runs) and tell its owner why."""
    outcome = await deps.interviews.announce(token)
    conv = outcome.conv
    if not outcome.post_error or conv is None:
        return
    with contextlib.suppress(te.TavusError):
        await deps.ws.tavus(conv.team_id).end_conversation(conv.conversation_id or "")
    deps.store.mark_ended(token, at=utcnow(), reason="the card could not be posted after a restart")
    await tell_owner(
        deps,
        conv,
        f"Your interview *{esc(conv.name)}* was ended: after a restart "
        f"{outcome.post_error} Please start it again.",
    )


async def tell_owner(deps: Deps, conv: ConversationRecord, text: str) -> None:
    try:
        await deps.slack.chat_postMessage(
            token=deps.ws.slack_token(conv.team_id), channel=conv.owner_id, text=text, unfurl_links=False
        )
    except SlackApiError as exc:
        slack_failed(exc, "tell an interview's owner", level=logging.ERROR)
