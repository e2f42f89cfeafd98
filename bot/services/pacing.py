"""What a queued job costs in Slack's rate limits: the method it calls, where, and how often."""

from __future__ import annotations

import json

from slack_sdk.errors import SlackApiError

from bot.store import ConversationRecord, OutboxRecord


def slack_cost(job: OutboxRecord, conv: ConversationRecord | None) -> tuple[str | None, str | None, int]:
    """The Slack method a job calls, the channel it posts in, and how many calls it makes."""
    if job.kind == "card" and conv is not None and conv.message_ts:  # else its post draws it
        return "chat.update", None, 1
    if job.kind == "calls_end" and conv is not None and conv.call_id:
        return "calls.end", None, 1
    if job.kind == "dm":
        return "chat.postMessage", job.data["channel"], 1
    if conv is not None and job.kind == "post":
        return "chat.postMessage", conv.channel_id, 1
    if conv is not None and job.kind == "reply":
        # its first message; each further one waits for its own turn as it goes
        return "chat.postMessage", conv.channel_id if conv.message_ts else conv.owner_id, 1
    # "report" and "transcript" admit each call as they make it (bot/services/report_jobs.py):
    # which calls they make (post or update, canvas, file steps) depends on the stored report
    return None, None, 0


def retry_after_of(exc: SlackApiError) -> float:
    """Slack's Retry-After in seconds (1 when it is missing or unreadable)."""
    try:
        return max(1.0, float(exc.response.headers.get("Retry-After") or 1))
    except (TypeError, ValueError, AttributeError):
        return 1.0


def turn_key(job: OutboxRecord, done: int | None = None) -> str:
    """A job's place in the budget's queue: per message of a reply, so a reply resumes in turn."""
    if done is None:
        done = len(json.loads(job.result or "[]")) if job.kind == "reply" else 0
    return f"{job.id}:{done}"
