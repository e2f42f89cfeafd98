"""Poll Tavus for waiting and live interviews whose callbacks never came, and recover, every round,
what errors and crashes left behind: starts stuck in `creating`, running calls without a card,
cards that do not show their call's state."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.clock import ago
from bot.records import ConversationRecord, marker_for
from bot.services.access.workspaces import Workspaces
from bot.services.calls.callbacks import CallbackService
from bot.services.calls.reconcile_reads import ReadBudget, by_key, pick_reads
from bot.services.outbox.job_kinds import announce_jobs, card_job, ended_jobs, post_job, tell_owner_job
from bot.services.outbox.worker import OutboxWorker
from bot.slack.blocks import esc, link
from bot.store import utcnow
from bot.store.aio import AsyncStore
from bot.tavus import errors as te
from bot.tavus.client import RECENT_PAGES

if TYPE_CHECKING:
    from bot.deps import Deps
    from bot.services.rights.retention import Retention

log = logging.getLogger(__name__)

PACE_SECONDS = 0.2  # between two Tavus reads: at most 5 a second, well under any rate limit
RATE_LIMIT_PAUSE = 10.0  # when Tavus says 429 without Retry-After
LATE_CREATE_WINDOW = timedelta(hours=2)  # how long a timed-out create may still turn up
CREATE_GRACE = timedelta(minutes=3)  # longer than any create in flight (timeouts and retries)
MIN_AGE = timedelta(seconds=1)  # a start younger than this is surely still in flight
DONE_JOBS_KEPT = timedelta(days=7)


class Reconciler:
    def __init__(
        self,
        db: AsyncStore,
        ws: Workspaces,
        callbacks: CallbackService,
        outbox: OutboxWorker,
        *,
        interval: float,
        pace: float = PACE_SECONDS,
        grace: timedelta = CREATE_GRACE,
        retention: Retention | None = None,
    ) -> None:
        self.db, self.ws, self.callbacks, self.outbox = db, ws, callbacks, outbox
        self.interval, self.pace, self.grace = interval, pace, grace
        self.retention = retention  # invite expiry and RETENTION_DAYS, every round
        self.budget = ReadBudget()  # Tavus reads per key and minute
        self.last_read: dict[str, float] = {}  # when each conversation was last read, by token

    @classmethod
    def of(cls, deps: Deps, **options) -> Reconciler:
        """The reconciler over an app's collaborators."""
        return cls(  # background store threads
            deps.outbox.db, deps.ws, deps.callbacks, deps.outbox, retention=deps.retention(), **options
        )

    async def run_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval * random.uniform(0.8, 1.2))
            try:
                await self.round_if_leader()
            except Exception:  # one bad round must not end reconciliation
                log.exception("reconciler round failed")

    async def recover_if_leader(self) -> bool:
        """Recover what errors and crashes left, on the leading instance only."""
        if not await self.db.lead():
            return False
        await self.recover(at_start=True)
        return True

    async def round_if_leader(self) -> bool:
        """Run a round only on the leading instance: one reconciler at a time. A follower takes
        over when the leader dies (or loses its database session)."""
        if not await self.db.lead():
            return False
        await self.round()
        return True

    async def recover(self, *, at_start: bool = False) -> None:
        """Starts stuck in `creating` past the grace period, late creates, running calls without
        a card, stale cards. Another instance's create younger than the grace is left alone."""
        for conv in await self.db.creating(ago(timedelta(0) if at_start else MIN_AGE)):
            try:
                since = conv.updated_at if conv.expires_at else conv.created_at  # an invite: its Start
                await self.resolve_creating(conv, old=(since or conv.created_at) < ago(self.grace))
            except te.TavusError as exc:  # cannot tell yet: the next round tries again
                log.warning("could not resolve an interrupted interview start: %s", exc)
        try:
            await self.adopt_late_creates()
        except te.TavusError as exc:
            log.info("could not look for late creates: %s", exc)
        queued = [post_job(c) for c in await self.db.without_card()]
        queued += [card_job(c) for c in await self.db.stale_cards()]
        if queued:
            log.info("recovery queued %d card posts and redraws", len(queued))
            await self.db.add_jobs(queued)
            self.outbox.kick()
        await self.db.purge_claims()
        await self.db.recover_steps(ago(self.grace))  # workflow steps a dead instance was handling
        await self.db.purge_jobs(ago(DONE_JOBS_KEPT))

    async def resolve_creating(self, conv: ConversationRecord, *, old: bool) -> None:
        """Adopt a start Tavus has (safe at any age: the card post is one job however many
        instances queue it); fail it only once it is older than the grace period, so a create
        another instance still has in flight is left alone."""
        tavus = await self.db.run(self.ws.tavus_for, conv)
        found = await tavus.find_by_marker(marker_for(conv.token))
        if conv.expires_at:  # an invite's Start cut short: reopen it once it is surely not in flight
            if old:
                if found is not None:  # its private room opens only with the token its lost answer carried
                    with contextlib.suppress(te.TavusError):
                        await tavus.end_conversation(found.conversation_id)
                await self.db.unclaim(conv.token, None)
            return
        if found is None and not old:
            return
        if found is None:
            text = (
                f"Your interview *{esc(conv.name)}* was not started: something failed at that "
                "moment. Please start it again."
            )
            await self.db.conversation_failed(
                conv.token, "interrupted before Tavus created it", [tell_owner_job(conv, "notstarted", text)]
            )
            self.outbox.kick()
            return
        log.info("recovered conversation %s left in creating", found.conversation_id)
        ended = found.status == "ended"
        await self.adopt(conv, found.conversation_id, found.conversation_url, ended, tell=ended)

    async def adopt(
        self, conv: ConversationRecord, cid: str, url: str | None, ended: bool, *, tell: bool = True
    ) -> None:
        """Tavus has it after all: record it, post its card, tell its owner."""
        conv.conversation_id, conv.url = cid, url
        if ended:
            text = f"Your interview *{esc(conv.name)}* did start at Tavus after all, and has already ended."
        else:
            text = (
                f"Your interview *{esc(conv.name)}* did start after all: Tavus answered late. "
                f"{link(url, 'Join link')}"
            )
        told = [tell_owner_job(conv, "adopted", text)] if tell else []
        await self.db.conversation_created(conv.token, cid, url, [*announce_jobs(conv), *told])
        if ended:
            await self.db.mark_ended(conv.token, at=utcnow(), reason=None)
        self.outbox.kick()

    async def adopt_late_creates(self) -> int:
        """A create that timed out may finish later at Tavus: find it by its marker."""
        waiting = {
            marker_for(c.token): c
            for c in await self.db.unconfirmed_since(ago(LATE_CREATE_WINDOW))
            if c.status == "failed"
        }
        adopted, recent = 0, []
        accounts = {(t := await self.db.run(self.ws.tavus_for, c)).fingerprint: t for c in waiting.values()}
        for tavus in accounts.values():  # each in the account its persona lives in
            recent += await tavus.list_conversations(max_pages=RECENT_PAGES)
        for remote in recent:
            carried = f"{remote.conversation_name or ''} {remote.callback_url or ''}"
            conv = next((c for m, c in waiting.items() if m in carried), None)
            if conv is not None:
                log.warning("adopting conversation %s that Tavus created late", remote.conversation_id)
                await self.adopt(
                    conv, remote.conversation_id, remote.conversation_url, remote.status == "ended"
                )
                adopted += 1
        return adopted

    async def round(self) -> int:
        """Recover, then check the active conversations within each Tavus key's read budget;
        returns how many events were applied."""
        await self.recover()
        if self.retention is not None:
            await self.retention.run()
        pairs = []
        for conv in await self.db.active_everywhere():
            if not conv.conversation_id:
                continue
            try:
                pairs.append((await self.db.run(self.ws.tavus_for, conv), conv))
            except te.TavusError as exc:  # no usable key: nothing to read it with
                log.info("reconciler cannot read workspace %s's calls: %s", conv.team_id, exc)
        self.last_read = {c.token: self.last_read.get(c.token, 0.0) for _, c in pairs}
        applied = 0
        for key, (tavus, convs) in by_key(pairs).items():
            if (left := self.budget.left(key)) < 1:
                continue  # this key's reads for the minute are spent: the next round goes on
            try:
                picked, listed = await pick_reads(tavus, convs, left, self.last_read)
            except te.TavusError as exc:
                log.info("reconciler could not list conversations: %s", exc)
                continue
            self.budget.spend(key, listed + len(picked))
            applied += await self.check_all(picked)
        return applied

    async def check_all(self, convs: list[ConversationRecord]) -> int:
        applied = 0
        for conv in convs:
            self.last_read[conv.token] = time.monotonic()
            try:
                applied += await self.check(conv)
            except te.RateLimitError as exc:
                log.warning("Tavus rate limited the reconciler; pausing this round")
                await asyncio.sleep(exc.retry_after or RATE_LIMIT_PAUSE)
                break
            except te.AuthenticationError as exc:  # a refused key says nothing about the call: leave it
                log.error(
                    "reconciler: Tavus refused workspace %s's key (%s); its calls stay as they are",
                    conv.team_id,
                    exc,
                )
            except te.TavusError as exc:
                log.info("reconciler could not read a conversation: %s", exc)
            await asyncio.sleep(self.pace)
        return applied

    async def check(self, conv: ConversationRecord) -> int:
        if not conv.conversation_id:
            return 0
        tavus = await self.db.run(self.ws.tavus_for, conv)
        try:
            remote = await tavus.get_conversation(conv.conversation_id, verbose=True)
        except te.NotFoundError:  # from the account that made it (issue 23): gone indeed
            await self._ended(conv, "daily_room_has_been_deleted")
            return 0
        applied = 0
        for event in remote.events or []:
            applied += await self.callbacks.apply(conv, event)
        if remote.status == "ended":
            await self._ended(conv, None)
        return applied

    async def _ended(self, conv: ConversationRecord, reason: str | None) -> None:
        if await self.db.mark_ended(conv.token, at=utcnow(), reason=reason, jobs=ended_jobs(conv)):
            self.outbox.kick()
