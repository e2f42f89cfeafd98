"""Issue 27: Workflow Builder steps we were asked to run, and whether Slack has been told their end."""

from __future__ import annotations

from typing import Any

from bot.clock import utcnow
from bot.store.backends import Tx
from bot.store.base import StoreBase
from bot.store.outbox import Job, enqueue

WAITING, DONE = "waiting", "done"


def step_job(execution_id: str, team_id: str | None) -> Job:
    """Tell Slack how a step ended (functions.completeSuccess or completeError), once."""
    # re-armed: a wait step's job runs once when queued and again when its interview ends
    return Job("step", f"step:{execution_id}", None, team_id, {"execution_id": execution_id}, rearm=True)


def follow_steps(tx: Tx, conv_token: str) -> int:
    """In the caller's transaction: queue the completion of the steps still waiting on an interview."""
    rows = tx.query(
        "select execution_id, team_id from workflow_steps where conv_token = ? and state = ?",
        (conv_token, WAITING),
    )
    enqueue(tx, [step_job(r["execution_id"], r["team_id"]) for r in rows])
    return len(rows)


class StepRecords(StoreBase):
    def add_step(
        self, execution_id: str, team_id: str, kind: str, conv_token: str | None, error: str | None = None
    ) -> bool:
        """Record a step (a redelivered event changes nothing) with its completion job when it can
        be told at once: a step that failed, or one whose interview is known."""
        with self.db.write() as tx:
            if tx.query("select 1 from workflow_steps where execution_id = ?", (execution_id,)):
                return False
            tx.execute(
                "insert into workflow_steps (execution_id, team_id, kind, conv_token, error, state, "
                "created_at) values (?, ?, ?, ?, ?, ?, ?)",
                (execution_id, team_id, kind, conv_token, error, WAITING, utcnow()),
            )
            enqueue(tx, [step_job(execution_id, team_id)])
        return True

    def step(self, execution_id: str) -> dict[str, Any] | None:
        return self._one("select * from workflow_steps where execution_id = ?", (execution_id,))

    def steps_waiting_on(self, conv_token: str) -> list[dict[str, Any]]:
        return self.db.read(
            "select * from workflow_steps where conv_token = ? and state = ?", (conv_token, WAITING)
        )

    def follow_steps(self, conv_token: str) -> int:
        """Queue the completion of every step still waiting on this interview (it reached its end)."""
        with self.db.write() as tx:
            return follow_steps(tx, conv_token)

    def step_done(self, execution_id: str, outcome: str) -> None:
        with self.db.write() as tx:
            tx.execute(
                "update workflow_steps set state = ?, outcome = ?, done_at = ? where execution_id = ?",
                (DONE, outcome, utcnow(), execution_id),
            )
