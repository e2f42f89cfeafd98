"""Work on openings after its listener's ack, as outbox jobs: `compare` (`/tavus compare …` and the
Compare button: each candidate's report is gathered, which may ask Tavus for the persona's plan,
and past a screenful a canvas is made) answers through the response_url, or by DM from the Home
tab; `home` republishes a person's Home tab with a notice (after the interview settings are saved).
A rerun draws the same comparison again (the canvas is replaced, not added)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.services.access.answers import ListenerRunner, client_for, listener_job, tell
from bot.services.decisions.openings import MAX_ROWS
from bot.slack.blocks import esc
from bot.slack.openings import build_comparison
from bot.store import Job, OutboxRecord

if TYPE_CHECKING:
    from bot.deps import Services

COMPARE, HOME = "compare", "home"


def compare_job(team: str | None, user: str | None, ref: str, where: dict[str, Any]) -> Job:
    return listener_job(COMPARE, team, {"user": user, "ref": ref, "where": where})


def home_job(team: str | None, user: str | None, notice: str | None) -> Job:
    return listener_job(HOME, team, {"user": user, "notice": notice})


async def comparison(deps: Services, team: str, user: str, ref: str) -> tuple[str, list]:
    found = await deps.openings.compare(team, user, ref)
    if found is None:
        text = (
            f"I found no opening `{esc(ref[:60])}` (nor a persona of that name that you can use). "
            f"`{deps.settings.SLACK_COMMAND} openings` lists the openings."
        )
        return text, []
    if found.error:
        return found.error, []
    return build_comparison(found.opening, found.rows, MAX_ROWS, found.canvas_url)


class DecisionRunner(ListenerRunner):
    """Runs `compare` and `home` jobs in a worker."""

    KINDS = (COMPARE, HOME)

    async def run(self, job: OutboxRecord) -> str | None:
        deps, data, team = self.deps, job.data, job.team_id or ""
        if not data:
            return None
        if job.kind == HOME:
            await deps.publish_home(await client_for(deps, team), team, data["user"], data.get("notice"))
            return None
        text, blocks = await comparison(deps, team, data["user"], data["ref"])
        await tell(deps, team, data["where"], text, blocks or None)
        return None
