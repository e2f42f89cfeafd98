"""The outbox's vocabulary: the jobs a change owes, as plain constructors over records, and NotYet.
No runner here, so any service may import it (house.md's first knot)."""

from __future__ import annotations

from bot.records import ConversationRecord
from bot.slack.blocks import Block
from bot.store import Job


class NotYet(Exception):
    """The job cannot run yet (a reply whose card is still on its way): try later, no attempt."""


def card_job(conv: ConversationRecord) -> Job:
    """Redraw the card from the store; pending redraws of one card collapse into one."""
    return Job("card", f"card:{conv.token}", conv.token, conv.team_id, rearm=True)


def post_job(conv: ConversationRecord) -> Job:
    return Job("post", f"post:{conv.token}", conv.token, conv.team_id)


def calls_end_job(conv: ConversationRecord) -> Job:
    return Job("calls_end", f"calls_end:{conv.token}", conv.token, conv.team_id)


def end_tavus_job(conv: ConversationRecord) -> Job:
    return Job("end_tavus", f"end_tavus:{conv.token}", conv.token, conv.team_id)


def ended_jobs(conv: ConversationRecord) -> list[Job]:
    return [card_job(conv), calls_end_job(conv)]


def reply_job(
    conv: ConversationRecord,
    key: str,
    label: str,
    messages: list[tuple[str, list[Block]]],
) -> Job:
    """Replies where the results go (the owner's DM thread by default), in order, each once."""
    data = {"label": label, "messages": messages}
    return Job("reply", key, conv.token, conv.team_id, data)


def dm_job(
    conv: ConversationRecord,
    key: str,
    channel: str,
    text: str,
    *,
    tell: bool = False,
    blocks: list[Block] | None = None,
) -> Job:
    """A DM; `tell` marks a message to the owner, which is not itself reported when it fails."""
    data = {"channel": channel, "text": text, "tell": tell, **({"blocks": blocks} if blocks else {})}
    return Job("dm", key, conv.token, conv.team_id, data)


def tell_owner_job(conv: ConversationRecord, key: str, text: str) -> Job:
    return dm_job(conv, f"tell:{key}:{conv.token}", conv.owner_id, text, tell=True)


def announce_jobs(conv: ConversationRecord) -> list[Job]:
    """Post the card."""
    return [post_job(conv)]  # a candidate's DM is queued by InviteService.create
