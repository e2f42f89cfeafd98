"""Issue 25: remind an interview's owner to decide. An interview the candidate joined, ended more
than DECISION_NUDGE_HOURS ago and with no decision yet, earns its owner one private message a day
(the job's key carries the date), through the outbox and its rate budget, until a decision is
recorded. Runs with the leader's hourly work (bot/services/rights/retention.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.config import Settings
from bot.services.outbox.worker import OutboxWorker
from bot.slack.blocks import esc
from bot.store import Job
from bot.store.aio import AsyncStore


def nudge_job(row: dict, day: str) -> Job:
    text = (
        f":hourglass: *{esc(row['name'] or 'Your interview')}* ended and its report is in; it has no "
        "decision yet. Advance, hold or reject the candidate so they hear back. Only you see this; "
        "it comes once a day until there is a decision."
    )
    payload = {"channel": row["owner_id"], "text": text, "tell": True}
    return Job("dm", f"nudge:{row['token']}:{day}", row["token"], row["team_id"], payload)


async def nudge_undecided(
    settings: Settings, db: AsyncStore, outbox: OutboxWorker, now: datetime | None = None
) -> int:
    """Queue today's reminders (each at most once a day); how many interviews are undecided."""
    now = now or datetime.now(UTC)
    before = (now - timedelta(hours=settings.DECISION_NUDGE_HOURS)).isoformat(timespec="milliseconds")
    rows = await db.undecided_since(before)
    if rows:
        await db.add_jobs([nudge_job(row, now.date().isoformat()) for row in rows])
        outbox.kick()
    return len(rows)
