"""End and Cancel after their ack, as outbox jobs: `end` (the End button: the call ended at Tavus)
and `cancel` (`/tavus end …` and an invite's Cancel: a call ended, an unused invite revoked). The
person hears the same sentence the listener used to send, where they asked (bot/services/access/
answers.py). A rerun is harmless: the interview is then ended already (said so), or Tavus answers
404 for a call it ended, which counts as ended."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.services.access.answers import ListenerRunner, listener_job, tell
from bot.store import Job, OutboxRecord

if TYPE_CHECKING:
    pass

END, CANCEL = "end", "cancel"


def end_job(kind: str, team: str | None, user: str | None, ref: str, where: dict[str, Any]) -> Job:
    return listener_job(kind, team, {"user": user, "ref": ref, "where": where})


class EndRunner(ListenerRunner):
    """Runs `end` and `cancel` jobs in a worker."""

    KINDS = (END, CANCEL)

    async def run(self, job: OutboxRecord) -> str | None:
        data, team = job.data, job.team_id or ""
        if not data:
            return None
        if job.kind == END:
            answer = await self.deps.interviews.end(team, data["user"], data["ref"])
        else:
            answer = await self.deps.invite_flow.cancel(team, data["user"], data["ref"])
        await tell(self.deps, team, data["where"], answer)
        return None
