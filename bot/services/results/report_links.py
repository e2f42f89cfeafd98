"""Issue 22: pointing at an interview's report. The ended card says where the report goes (the
owner's DM with the app, the card's thread or the chosen channel), and the report's permalink is
asked of Slack once, when the report is out, and kept, so Home's *Recently ended* links it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.records import ConversationRecord
from bot.services.results.refusals import _code
from bot.services.results.results import destination_of
from bot.slack.card import report_place_words
from bot.store import OutboxRecord, Store

if TYPE_CHECKING:
    from bot.services.results.runner import SlackRunner

log = logging.getLogger(__name__)


def card_report_words(store: Store, conv: ConversationRecord) -> str | None:
    """What the card says of the report once the call took place and ended: where it was posted,
    else where the results go now; None before (or with no report due: a no-show, an invite)."""
    if conv.status != "ended" or not conv.live_at:
        return None
    row = store.report(conv.token) or {}
    if channel := row.get("channel"):
        if channel.startswith("D"):
            kind = "owner"
        elif channel == conv.channel_id and row.get("thread_ts") == conv.message_ts:
            kind = "thread"
        else:
            kind = "channel"
    else:
        kind, channel = destination_of(store, conv)
    return report_place_words(conv, kind, channel)


class ReportLinks:
    """A report's place and permalink; mixed into the runners that show or link it."""

    async def report_where(self: SlackRunner, conv: ConversationRecord) -> str | None:
        if conv.status != "ended" or not conv.live_at:  # as card_report_words, without a store trip
            return None
        return await self.db.run(card_report_words, self.db.store, conv)

    async def keep_permalink(
        self: SlackRunner, job: OutboxRecord, conv: ConversationRecord, token: str | None, row: dict
    ) -> None:
        """Ask Slack for the report message's permalink once and keep it; a refusal is logged and
        asked again at the report's next redraw (Home shows the report without a link meanwhile)."""
        if row.get("permalink") or not row.get("ts"):
            return
        permalink = await self.permalink(job, token, row["channel"], row["ts"])
        if permalink:
            await self.db.save_report(conv.token, conv.team_id, permalink=permalink)

    async def permalink(
        self: SlackRunner, job: OutboxRecord, token: str | None, channel: str, ts: str
    ) -> str:
        """A message's permalink, in its turn of the rate budget; "" (logged) when Slack will not
        give one (a message deleted meanwhile)."""
        await self._admit(job, "chat.getPermalink")
        try:
            answer = await self.slack.chat_getPermalink(token=token, channel=channel, message_ts=ts)
        except SlackApiError as exc:
            log.warning("could not get the permalink of a message (%s): %s", job.kind, _code(exc))
            return ""
        permalink = answer.get("permalink")
        return permalink if isinstance(permalink, str) and permalink.startswith("https://") else ""
