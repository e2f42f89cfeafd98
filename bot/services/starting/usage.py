"""Issue 25: Tavus minutes used this month and the workspace's monthly cap.

Minutes are each ended conversation's time from join to end (Tavus's event timestamps), settled
once on its row (bot/store/usage.py). At 80 % of the cap the admins are told once a month; at the
cap every new interview or invite is refused (InterviewService.start, the one door for the command,
the form and the workflow step) and a candidate's Start creates nothing at Tavus. Calls already
running finish.

"The admins" here are who set the cap (in Interview settings) and the workspace's entries in
TAVUS_SLACK_ADMINS: people the app knows by id without asking Slack for every member.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.config import Settings
from bot.records import ConversationRecord
from bot.services.outbox.job_kinds import tell_owner_job
from bot.services.outbox.worker import OutboxWorker
from bot.slack.blocks import esc
from bot.store import Job
from bot.store.aio import AsyncStore

WARN_AT = 0.8


def this_month() -> str:
    return datetime.now(UTC).strftime("%Y-%m")


def cap_admins(settings: Settings, team_id: str, set_by: str | None) -> list[str]:
    """Who hears about the cap: its setter and the workspace's TAVUS_SLACK_ADMINS entries."""
    people = [set_by] if set_by else []
    for entry in sorted(settings.admins):
        team, _, user = entry.rpartition(":")
        if (team == team_id or not team) and user not in people:
            people.append(user)
    return people


class Usage:
    def __init__(self, settings: Settings, db: AsyncStore, outbox: OutboxWorker) -> None:
        self.settings, self.db, self.outbox = settings, db, outbox

    async def minutes(self, team_id: str) -> float:
        return await self.db.seconds_used(team_id, this_month()) / 60

    async def refusal(self, team_id: str, chosen: dict | None = None) -> str | None:
        """The sentence refusing a new interview when the month's cap is reached, else None.
        `chosen`: the workspace's interview settings, when the caller has just read them."""
        cap = (chosen or await self.db.interview_settings(team_id)).get("minutes_cap")
        if not cap:
            return None
        used = await self.minutes(team_id)
        if used < cap:
            return None
        return (
            f"This workspace has used its {cap} Tavus minutes for this month ({used:.0f} used), so no new "
            "interview can start. Interviews already running finish; an admin can raise the cap in "
            "*Interview settings* on the app's Home tab."
        )

    async def refuse_start(self, conv: ConversationRecord) -> bool:
        """A candidate's Start at the cap: True (nothing to create), and the owner is told once."""
        if await self.refusal(conv.team_id) is None:
            return False
        text = (
            f"Your candidate pressed Start on *{esc(conv.name or 'your interview')}*, but this workspace has "
            "reached its monthly cap of Tavus minutes, so it did not start. Their page says it is not "
            "available right now and that the team has been told; an admin can raise the cap."
        )
        await self.db.add_jobs([tell_owner_job(conv, "cap", text)])
        self.outbox.kick()
        return True

    async def warn_all(self) -> int:
        """The periodic check: each capped workspace past 80 % this month tells its admins, once."""
        month, told = this_month(), 0
        for row in await self.db.capped_teams():
            if row.get("cap_warned_month") == month:
                continue
            used = await self.db.seconds_used(row["team_id"], month) / 60
            if used >= WARN_AT * row["minutes_cap"]:
                jobs = self.warning_jobs(row, month, used)
                told += bool(jobs) and await self.db.claim_cap_warning(row["team_id"], month, jobs)
        if told:
            self.outbox.kick()
        return told

    def warning_jobs(self, row: dict, month: str, used: float) -> list[Job]:
        team, cap = row["team_id"], row["minutes_cap"]
        text = (
            f":warning: This workspace has used {used:.0f} of its {cap} Tavus minutes for {month} "
            f"({100 * used / cap:.0f} %). At the cap, new interviews and invites are refused until next "
            "month; raise it in *Interview settings* on the app's Home tab."
        )
        admins = cap_admins(self.settings, team, row.get("cap_set_by"))
        payload = {"text": text, "tell": True}
        return [Job("dm", f"cap80:{team}:{month}:{a}", None, team, {**payload, "channel": a}) for a in admins]
