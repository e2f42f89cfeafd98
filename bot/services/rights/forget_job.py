"""Forget's confirmation after its ack, as an outbox job (kind `forget`): a worker erases the
interview (bot/services/rights/retention.py: the stored content, the Slack messages, the call at
Tavus) and answers through the prompt's response_url, in place of the progress line. A rerun is
erasure's own retry: what was deleted stays deleted, and what is left is tried again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.services.access.answers import ListenerRunner, by_url, listener_job, tell
from bot.services.rights.retention import forget
from bot.store import Job, OutboxRecord

if TYPE_CHECKING:
    pass

FORGET = "forget"
PROGRESS = ":hourglass_flowing_sand: Forgetting the interview…"


def forget_job(team: str | None, user: str | None, ref: str, response_url: str) -> Job:
    return listener_job(FORGET, team, {"user": user, "ref": ref, "where": by_url(response_url, replace=True)})


class ForgetRunner(ListenerRunner):
    """Runs `forget` jobs in a worker."""

    KINDS = (FORGET,)

    async def run(self, job: OutboxRecord) -> str | None:
        data, team = job.data, job.team_id or ""
        if not data:
            return None
        # the prompt's button gives way to the progress, then to the answer (the same message)
        await tell(self.deps, team, data["where"], PROGRESS)
        answer = await forget(self.deps, team, data["user"], data["ref"])
        await tell(self.deps, team, data["where"], answer)
        return None
