"""Poll Tavus for waiting and live interviews whose callbacks never came, and recover crashes."""

from __future__ import annotations

import asyncio
import logging
import random

from bot import tavus_errors as te
from bot.blocks import esc
from bot.deps import Deps
from bot.interviews import marker_for
from bot.store import ConversationRecord, utcnow

log = logging.getLogger(__name__)

PACE_SECONDS = 0.2  # between two Tavus reads: at most 5 a second, well under any rate limit
RATE_LIMIT_PAUSE = 10.0  # when Tavus says 429 without Retry-After


class Reconciler:
    def __init__(self, deps: Deps, *, interval: float, pace: float = PACE_SECONDS) -> None:
        self.deps, self.interval, self.pace = deps, interval, pace

    async def run_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval * random.uniform(0.8, 1.2))
            try:
                await self.round()
            except Exception:  # one bad round must not end reconciliation
                log.exception("reconciler round failed")

    async def round(self) -> int:
        """Check every active conversation once; returns how many events were applied."""
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
            remote = await self.deps.tavus.get_conversation(conv.conversation_id, verbose=True)
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


async def recover(deps: Deps) -> None:
    """Resolve what a crash left behind: intents with no known outcome, cards never posted."""
    for conv in deps.store.creating():
        try:
            found = await deps.tavus.find_by_marker(marker_for(conv.token))
        except te.TavusError as exc:  # cannot tell yet: leave it for the next start
            log.warning("could not resolve an interrupted interview start: %s", exc)
            continue
        if found is None:
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
        await announce_or_tell(deps, conv.token)
    for conv in deps.store.active_everywhere():
        if conv.message_ts is None and conv.error is None:
            await announce_or_tell(deps, conv.token)


async def announce_or_tell(deps: Deps, token: str) -> None:
    outcome = await deps.interviews.announce(token)
    if outcome.post_error and outcome.conv:
        await tell_owner(
            deps,
            outcome.conv,
            f"Your interview *{esc(outcome.conv.name)}* is ready, but "
            f"{outcome.post_error} Join link: {outcome.conv.url}",
        )


async def tell_owner(deps: Deps, conv: ConversationRecord, text: str) -> None:
    from slack_sdk.errors import SlackApiError

    try:
        await deps.slack.chat_postMessage(channel=conv.owner_id, text=text, unfurl_links=False)
    except SlackApiError as exc:
        log.error("could not tell the owner of %s: %s", conv.token[:6], exc.response.get("error"))
