"""What a queued job costs in Slack's rate limits: the method it calls, where, and how often."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator

from slack_sdk.errors import SlackApiError

from bot.clock import parse_time, utcnow
from bot.records import FINAL, ConversationRecord
from bot.slack.budget import SlackBudget, Throttled
from bot.store import OutboxRecord

log = logging.getLogger(__name__)

CALL_PATIENCE = 60.0  # a card waits this long for calls.add's turn (Tier 2), then goes without the call


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
    # "report" and "transcript" admit each call as they make it (bot/services/results/report_jobs.py):
    # which calls they make (post or update, canvas, file steps) depends on the stored report
    return None, None, 0


def priority(job: OutboxRecord, conv: ConversationRecord | None) -> int:
    """A job's place among those waiting for the same budget: a card's final state goes before a
    passing one (a card still live when its turn comes is drawn again when it ends; one that
    waits until then is drawn once), so a backlog spends its turns on states that last."""
    return 1 if job.kind == "card" and conv is not None and conv.status in FINAL else 0


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


async def call_turn(budget: SlackBudget, job: OutboxRecord, conv: ConversationRecord) -> bool:
    """calls.add's turn (Tier 2) for a card's post: the post waits for it (Throttled) unless it has
    waited CALL_PATIENCE already; then the card goes without the call card (its Join button stays)."""
    try:
        await budget.admit(f"{job.id}:calls.add", conv.team_id, "calls.add")
    except Throttled:
        age = (parse_time(utcnow()) - parse_time(job.created_at)).total_seconds()  # type: ignore[operator]
        if age < CALL_PATIENCE / budget.scale:
            raise
        budget.forget(f"{job.id}:calls.add", conv.team_id, "calls.add")
        log.warning("no turn for calls.add within %.0f s: the card goes without a call", CALL_PATIENCE)
        return False
    return True


@contextlib.asynccontextmanager
async def answered(
    budget: SlackBudget, turn: str, team: str, method: str | None, channel: str | None
) -> AsyncIterator[None]:
    """Around a job's run: Slack's 429 tightens the budget and defers the job (Throttled, no
    attempt used); the call admitted for it counts from when it was answered."""
    try:
        yield
    except SlackApiError as exc:
        if getattr(exc.response, "status_code", 200) != 429:
            raise
        wait = retry_after_of(exc)
        api = str(getattr(exc.response, "api_url", "") or method).rsplit("/", 1)[-1]
        budget.refused(team, api, channel if api == "chat.postMessage" else None, wait)
        raise Throttled(wait) from exc
    finally:
        if method and team:
            budget.settle(turn, team, method, channel)
