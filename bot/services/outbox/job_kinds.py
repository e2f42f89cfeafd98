"""The outbox's vocabulary: the jobs a change owes, as plain constructors over records, and NotYet.
No runner here, so any service may import it (house.md's first knot)."""

from __future__ import annotations

from typing import Protocol

from bot.records import ConversationRecord
from bot.slack.blocks import Block, esc
from bot.slack.messages import slack_post_failure
from bot.store import Job, OutboxRecord


class NotYet(Exception):
    """The job cannot run yet (a reply whose card is still on its way): try later, no attempt."""


class Runner(Protocol):
    """What the worker knows of a job's runner: it runs the job once and returns what to record;
    it raises NotYet (not its turn yet, no attempt) or any error (an attempt failed)."""

    async def run(self, job: OutboxRecord) -> str | None: ...


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


def report_job(conv: ConversationRecord) -> Job:
    """Post the report, or redraw it; pending redraws of one report collapse into one."""
    return Job("report", f"report:{conv.token}", conv.token, conv.team_id, rearm=True)


def transcript_job(conv: ConversationRecord) -> Job:
    return Job("transcript", f"transcript:{conv.token}", conv.token, conv.team_id)


WHAT = {
    "post": "post its card in the channel",
    "card": "update its card",
    "reply": "post the {label} in its thread",
    "report": "post its interview report",
    "transcript": "attach its transcript file to the report",
    "dm": "send the candidate their invitation",
    "calls_end": "close its Slack call",
    "end_tavus": "end it at Tavus (it may still be running and billed: end it in Tavus)",
}


def parked_jobs(job: OutboxRecord, conv: ConversationRecord, error: str, code: str) -> list[Job]:
    """What giving up a job owes: the owner told; a call whose card never made it to its channel
    is ended too (nobody would know to join it, and it is billed while it runs)."""
    if job.kind == "post" and conv.status in ("waiting", "live"):
        text = (
            f"Your interview *{esc(conv.name or '')}* was ended: "
            f"{slack_post_failure(code, conv.channel_id or '')} Please start it again."
        )
        return [end_tavus_job(conv), tell_owner_job(conv, f"parked{job.id}", text)]
    what = WHAT.get(job.kind, "finish a step").format(label=job.data.get("label", "results"))
    text = f":warning: For your interview *{esc(conv.name or '')}* I could not {what}: {esc(error[:200])}."
    return [tell_owner_job(conv, f"parked{job.id}", text)]
