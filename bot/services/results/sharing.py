"""Issue 24: who received an interview's results. Each place a report (with its transcript and
recording link) went is recorded when it is posted: a DM, a thread, a channel with how many members
it had then (Slack's conversations.info with include_num_members), a canvas and whom it is open to.
`/tavus sharing <interview>` shows them to the owner and admins; erasure deletes from each."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.records import ConversationRecord
from bot.slack.blocks import esc
from bot.store import OutboxRecord

if TYPE_CHECKING:
    from bot.deps import Deps
    from bot.services.results.report_jobs import ReportRunners

log = logging.getLogger(__name__)

WHAT = "report, transcript and recording link"
DM_MEMBERS = 2  # a DM with the app: the person and the app, as Slack counts a DM's members


async def members_of(runner: ReportRunners, job: OutboxRecord, token: str | None, channel: str) -> int | None:
    """How many members a place has now: a DM's two, else Slack's count (None if Slack won't say)."""
    if channel.startswith("D"):
        return DM_MEMBERS
    await runner._admit(job, "conversations.info", channel)
    try:
        answer = await runner.slack.conversations_info(token=token, channel=channel, include_num_members=True)
    except SlackApiError as exc:
        log.warning("could not count the members of a report's channel: %s", exc.response.get("error"))
        return None
    return answer["channel"].get("num_members")


async def record_sharing(
    runner: ReportRunners,
    job: OutboxRecord,
    conv: ConversationRecord,
    token: str | None,
    answer: dict,
    where: dict,
    canvas_id: str | None,
) -> None:
    """Where a report just posted went (and its canvas's readers)."""
    channel = answer["channel"]
    card_thread = channel == conv.channel_id and where.get("thread_ts") == conv.message_ts
    place = "dm" if channel.startswith("D") else "thread" if card_thread else "channel"
    members = await members_of(runner, job, token, channel)
    await runner.db.add_recipient(conv.token, conv.team_id, WHAT, place, channel, members)
    if canvas_id:  # opened to the same place's members (bot/services/results/report_canvas.py)
        await runner.db.add_recipient(conv.token, conv.team_id, WHAT, "canvas", channel, members)


PLACES = {"dm": "a DM", "thread": "a thread in", "channel": "the channel", "canvas": "a canvas open to"}


async def sharing_text(deps: Deps, team_id: str, user_id: str, ref: str) -> str:
    """`/tavus sharing <interview>`: every place its results went, for its owner or an admin."""
    conv = await deps.db.conversation_by_ref(team_id, ref[:60]) if ref else None
    if conv is None:
        return f"I found no interview `{esc(ref[:60])}` in this workspace."
    if not await deps.people.can_manage(team_id, user_id, conv):
        return f"Only <@{conv.owner_id}> or an admin can see where *{esc(conv.name)}* went."
    rows = await deps.db.recipients(conv.token)
    if not rows:
        return f"The results of *{esc(conv.name)}* have not been sent anywhere."
    lines = [f"Where the results of *{esc(conv.name)}* went:"]
    for row in rows:
        where = (
            "a DM with its owner"
            if row["place"] == "dm"
            else f"{PLACES.get(row['place'])} <#{row['channel']}>"
        )
        count = f", {row['members']} member(s) then" if row["members"] is not None else ""
        gone = f"; deleted {_day(row['deleted_at'])}" if row["deleted_at"] else ""
        lines.append(f"• {row['what']}: {where}{count}, {_day(row['at'])}{gone}")
    return "\n".join(lines)


def _day(iso: str) -> str:
    return iso[:16].replace("T", " ") + " UTC"
