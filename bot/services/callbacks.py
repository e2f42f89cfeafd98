"""Apply Tavus's conversation events to the store and the interview's Slack card.

The same path serves callbacks and events found by the reconciler. Each event is applied once
(de-duplicated by conversation, type and timestamp), and the transitions commute, so the final
state does not depend on the order in which events arrive.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import Block, esc_cut, section
from bot.slack.errors import slack_failed
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
                [section(f":eyes: *Perception analysis*\n{esc_cut(analysis, 2800)}")],
            )
        else:
            await self.reply(conv, "Recording ready", [section(recording_text(event.properties))])
        return True

    async def reply(self, conv: ConversationRecord, text: str, blocks: list[Block]) -> None:
        """A reply in the card's thread; the owner's DM when the card never made it to a channel."""
        fresh = self.store.conversation_by_token(conv.token) or conv
        where = (
            {"channel": fresh.channel_id, "thread_ts": fresh.message_ts}
            if fresh.message_ts
            else {"channel": fresh.owner_id}
        )
        try:
            token = self.interviews.ws.slack_token(fresh.team_id)
            await self.slack.chat_postMessage(
                token=token, text=text, blocks=blocks, unfurl_links=False, **where
            )
        except SlackApiError as exc:
            slack_failed(exc, f"post {text} in an interview's thread")


def recording_text(props: dict[str, Any]) -> str:
    where = props.get("storage_uri") or (
        f"s3://{props.get('bucket_name')}/{props.get('s3_key')}" if props.get("s3_key") else None
    )
    duration = props.get("duration")
    seconds = int(duration) if isinstance(duration, int | float) and 0 <= duration < 86_400 * 7 else None
    took = f" ({seconds // 60} min {seconds % 60} s)" if seconds is not None else ""
    if not where:
        return f":film_frames: *Recording ready*{took}; find it in your Tavus storage."
    return f":film_frames: *Recording ready*{took}: `{esc_cut(str(where), 500)}`"
