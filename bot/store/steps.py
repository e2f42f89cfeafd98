"""Issue 27: Workflow Builder steps we were asked to run, and whether Slack has been told their end.

A step is `received` (recorded before Slack's event is acknowledged, so a crash cannot lose it),
then `waiting` with the job that tells Slack its end, then `done`."""

from __future__ import annotations

from typing import Any

from bot.clock import utcnow
from bot.store.backends import Tx
from bot.store.base import StoreBase
from bot.store.outbox import Job, enqueue

RECEIVED, WAITING, DONE = "received", "waiting", "done"
LOST = "The Tavus Interviews app restarted before the interview was created; nothing was made. Run it again."


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


def _start(tx: Tx, execution_id: str, conv_token: str | None, error: str | None) -> None:
    tx.execute(
        "update workflow_steps set conv_token = ?, error = ?, state = ? where execution_id = ?",
        (conv_token, error, WAITING, execution_id),
    )
    team = tx.query("select team_id from workflow_steps where execution_id = ?", (execution_id,))
    enqueue(tx, [step_job(execution_id, team[0]["team_id"] if team else None)])


class StepRecords(StoreBase):
    def receive_step(self, execution_id: str, team_id: str, kind: str, workflow_run: str | None) -> bool:
        """Record a step Slack sent, before its event is acknowledged; False for one already here
        (a redelivery), which changes nothing."""
        with self.db.write() as tx:
            if tx.query("select 1 from workflow_steps where execution_id = ?", (execution_id,)):
                return False
            tx.execute(
                "insert into workflow_steps (execution_id, team_id, kind, state, created_at, workflow_run) "
                "values (?, ?, ?, ?, ?, ?)",
                (execution_id, team_id, kind, RECEIVED, utcnow(), workflow_run),
            )
        return True

    def start_step(self, execution_id: str, conv_token: str | None, error: str | None = None) -> None:
        """The step's interview (or why it has none): its completion job is queued with it."""
        with self.db.write() as tx:
            _start(tx, execution_id, conv_token, error)

    def recover_steps(self, before: str) -> int:
        """Steps received before `before` whose handling never finished (an instance died): the
        interview its request made, if any, else a sentence saying nothing was made."""
        with self.db.write() as tx:
            # a `send` whose job still waits for a worker is not stuck: the job will run it
            stuck = tx.query(
                "select execution_id from workflow_steps where state = ? and created_at < ? and not exists "
                "(select 1 from outbox where outbox.key = 'step_send:' || workflow_steps.execution_id "
                "and outbox.state = 'pending')",
                (RECEIVED, before),
            )
            for row in stuck:
                made = tx.query(
                    "select token from conversations where request_key = ?",
                    (f"workflow:{row['execution_id']}",),
                )
                _start(tx, row["execution_id"], made[0]["token"] if made else None, None if made else LOST)
        return len(stuck)

    def step(self, execution_id: str) -> dict[str, Any] | None:
        return self._one("select * from workflow_steps where execution_id = ?", (execution_id,))

    def sent_by(self, conv_token: str) -> dict[str, Any] | None:
        """The *Send* step that made this interview, if a workflow made it."""
        return self._one("select * from workflow_steps where conv_token = ? and kind = 'send'", (conv_token,))

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
