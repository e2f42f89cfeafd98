"""The outbox runs a job by its kind's runner in the table bot/deps.py hands it (issue 26): every
runner a capability defines has its kind in that table, and the table names no kind nobody runs."""

from __future__ import annotations

from bot.deps import JobRunners


def test_the_outboxs_table_has_every_runner_and_nothing_else():
    runners = JobRunners.__new__(JobRunners)  # the table is the class's; no collaborators needed
    defined = {name.removeprefix("run_") for name in dir(JobRunners) if name.startswith("run_")}
    assert set(runners.table()) == defined
    assert all(runner is runners for runner in runners.table().values())
