"""The outbox runs a job by its kind's runner in the table bot/deps.py hands it (issue 26): every
runner a capability defines has its kind in that table, once, and the table names no kind nobody
runs."""

from __future__ import annotations

import pytest

from bot.deps import runner_table
from bot.services.access.key_job import KeyRunner
from bot.services.calls.jobs import CallRunners
from bot.services.calls.note_job import NoteRunner
from bot.services.decisions.decision_jobs import DecisionRunner
from bot.services.personas.persona_jobs import PersonaRunner
from bot.services.personas.test_job import PersonaTestRunner
from bot.services.results.runner import SlackRunner
from bot.services.rights.forget_job import ForgetRunner
from bot.services.starting.end_job import EndRunner
from bot.services.starting.start_job import StartRunner
from bot.services.steps.send_job import StepSendRunner

LISTENER_RUNNERS = (
    StartRunner, PersonaTestRunner, EndRunner, PersonaRunner, NoteRunner, ForgetRunner, KeyRunner,
    StepSendRunner, DecisionRunner,
)  # fmt: skip


def runner_classes(cls: type = SlackRunner) -> list[type]:
    return [cls, *(sub for direct in cls.__subclasses__() for sub in runner_classes(direct))]


def test_the_outboxs_table_has_every_runner_and_nothing_else(served):
    table = served.deps.runners
    assert table is served.deps.outbox.runners
    defined = {n.removeprefix("run_") for c in runner_classes() for n in dir(c) if n.startswith("run_")}
    defined |= {kind for runner in LISTENER_RUNNERS for kind in runner.KINDS}  # listeners' work (issue 26)
    assert set(table) == defined
    slack_kinds = {kind: runner for kind, runner in table.items() if isinstance(runner, SlackRunner)}
    assert all(callable(getattr(runner, f"run_{kind}")) for kind, runner in slack_kinds.items())
    for runner in LISTENER_RUNNERS:
        assert all(isinstance(table[kind], runner) for kind in runner.KINDS)


def test_two_runners_for_one_kind_is_refused():
    one, other = CallRunners.__new__(CallRunners), CallRunners.__new__(CallRunners)
    with pytest.raises(ValueError, match="'post'"):
        runner_table(one, other)
