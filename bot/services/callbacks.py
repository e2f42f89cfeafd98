"""Apply Tavus's conversation events to the store and the interview's Slack card.

The same path serves callbacks and events found by the reconciler. Each event is applied once
(de-duplicated by conversation, type and timestamp), and the transitions commute, so the final
state does not depend on the order in which events arrive.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import TYPE_CHECKING

from slack_sdk.web.async_client import AsyncWebClient

from bot.services.results import recording_text
from bot.slack.blocks import Block, esc, section
from bot.slack.transcript import build_transcript_messages
from bot.store import ConversationRecord, Store, utcnow
from bot.tavus.models import CallbackEvent

if TYPE_CHECKING:
    from bot.services.interviews import InterviewService

log = logging.getLogger(__name__)

KNOWN = {
    "system.replica_joined",
    "system.shutdown",
    "application.transcription_ready",
    "application.perception_analysis",
    "application.recording_ready",
}


class CallbackService:
    def __init__(self, store: Store, slack: AsyncWebClient, interviews: InterviewService) -> None:
        self.store, self.slack, self.interviews = store, slack, interviews
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def apply_serially(self, conv: ConversationRecord, event: CallbackEvent) -> bool:
        """One event at a time per conversation, so card updates land in the order of the store."""
        lock = self._locks.get(conv.token)
        if lock is None:
            lock = self._locks[conv.token] = asyncio.Lock()
        async with lock:
            return await self.apply(conv, event)

    async def apply(self, conv: ConversationRecord, event: CallbackEvent) -> bool:
        """Apply one event; False when it was a duplicate or of a type we ignore."""
        if event.event_type not in KNOWN:
            log.info("ignoring Tavus event type %s", event.event_type[:60])
            return False
        if not self.store.record_event(conv.token, event.model_dump(mode="json")):
            return False
        at = event.timestamp or utcnow()
        kind = event.event_type
        if kind == "system.replica_joined":
            if self.store.mark_live(conv.token, at):
                await self.interviews.refresh_card(conv.token)
        elif kind == "system.shutdown":
            reason = str(event.properties.get("shutdown_reason") or "")[:200] or None
            if self.store.mark_ended(conv.token, at=at, reason=reason):
                await self.interviews.refresh_card(conv.token)
                await self.interviews.calls_end(conv.token)
        elif kind == "application.transcription_ready":
            for text, blocks in build_transcript_messages(event.properties.get("transcript")):
                await self.reply(conv, text, blocks)
        elif kind == "application.perception_analysis":
            analysis = str(event.properties.get("analysis") or "No analysis was returned.")
            await self.reply(
                conv,
                "Perception analysis",
                [section(f":eyes: *Perception analysis*\n{esc(analysis)[:2800]}")],
            )
        else:
            await self.reply(conv, "Recording ready", [section(recording_text(event.properties))])
        return True

    async def reply(self, conv: ConversationRecord, text: str, blocks: list[Block]) -> None:
        """A result goes where the workspace decided (issue 14: the owner's DM by default)."""
        await self.interviews.results.post(conv, text, blocks)
