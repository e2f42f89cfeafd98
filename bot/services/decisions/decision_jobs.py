"""Work on openings after its listener's ack, as outbox jobs: `compare` (`/tavus compare …` and the
Compare button: each candidate's report is gathered, which may ask Tavus for the persona's plan,
and past a screenful a canvas is made) answers through the response_url, or by DM from the Home
tab; `home` republishes a person's Home tab with a notice (after the interview settings are saved);
`decide` records a decision from its modal (gathering the report may ask Tavus for the plan) and
shows the outcome there. A rerun draws the same comparison again (the canvas is replaced, not
added); a decision recorded once is never recorded twice (the version it was made on)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.services.access.answers import ListenerRunner, client_for, in_view, listener_job, tell
from bot.services.decisions.openings import MAX_ROWS
from bot.slack.blocks import esc, section
from bot.slack.modals import build_result_view
from bot.slack.openings import build_comparison
from bot.store import Job, OutboxRecord

if TYPE_CHECKING:
    from bot.deps import Services

COMPARE, HOME, DECIDE = "compare", "home", "decide"


def compare_job(team: str | None, user: str | None, ref: str, where: dict[str, Any]) -> Job:
    return listener_job(COMPARE, team, {"user": user, "ref": ref, "where": where})


def decide_job(team: str | None, user: str | None, form: dict[str, Any], view_id: str, key: str) -> Job:
    """`key`: the modal's submission (a double click queues it once)."""
    return listener_job(DECIDE, team, {"user": user, "form": form, "where": in_view(view_id)}, key=key)


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
    """Runs `compare`, `home` and `decide` jobs in a worker."""

    KINDS = (COMPARE, HOME, DECIDE)

    async def run(self, job: OutboxRecord) -> str | None:
        deps, data, team = self.deps, job.data, job.team_id or ""
        if not data:
            return None
        if job.kind == HOME:
            await deps.publish_home(await client_for(deps, team), team, data["user"], data.get("notice"))
            return None
        if job.kind == DECIDE:
            return await self.decide(job, team, data)
        text, blocks = await comparison(deps, team, data["user"], data["ref"])
        await tell(deps, team, data["where"], text, blocks or None)
        return None

    async def decide(self, job: OutboxRecord, team: str, data: dict[str, Any]) -> None:
        """Record it, then say how it went in the modal; the form (a reason, feedback for the
        candidate) leaves the job once recorded, the answer staying until it is shown."""
        deps, text = self.deps, data.get("told")
        if text is None:  # not recorded yet: a retry after a refused answer only shows it again
            done, said = await deps.openings.decide(team, data["user"], data["form"])
            text = ("" if done else ":warning: ") + said
            await deps.db.clear_job_content(job.key, keep={"where": data["where"], "told": text})
        await tell(deps, team, data["where"], text, view=build_result_view("Decision", [section(text)]))
        await deps.db.clear_job_content(job.key)
