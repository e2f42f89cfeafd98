"""Issue 27 end to end: the app's Workflow Builder steps in a workflow that the Slack stand-in runs
as Slack does (form -> Send an AI interview -> Wait for its result -> post the result)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.services.calls.reconciler import Reconciler
from sim.driver import SlackDriver
from sim.playground_workflows import example_steps
from tests.conftest import SIGNING_SECRET, run_in_app_loop, wait_until
from tests.helpers import channel_messages, create_persona, press_start
from tests.test_e2e_forget import click_forget, forget_button, prompt

HIRING = "C0HIRING1"
PLAN = "experience: ask about their last two roles -> years\nmotivation: why this role"


def example_workflow(persona: str) -> list[tuple]:
    """The playground's example workflow (form -> send -> wait -> a message), with a title and a
    link valid for 48 hours."""
    steps = example_steps(persona, "Jane Doe", "jane@example.com", HIRING)
    steps[1][2].update(title="Backend round 1", hours=48)
    return steps


def run_workflow(slack, driver: SlackDriver, steps):
    def post_message(channel: str, text: str) -> None:
        httpx.post(
            f"{slack.url}/api/chat.postMessage",
            data={"channel": channel, "text": text},
            headers={"Authorization": f"Bearer {slack.state.bot_token}"},
        )

    return slack.sim.start_workflow(steps, driver.event, post_message)


def completions(slack, method: str, execution_id: str) -> list[dict]:
    return [
        e
        for e in slack.state.log
        if e["method"] == method and e["args"].get("function_execution_id") == execution_id
    ]


def play_the_candidate(tavus, link: str) -> None:
    page = httpx.get(link)
    assert page.status_code == 200 and "Start the interview" in page.text
    assert press_start(link).status_code == 303
    ((cid, _),) = tavus.state.conversations.items()
    tavus.control(f"conversations/{cid}/join")
    tavus.control(f"conversations/{cid}/leave")


@pytest.fixture
def persona(driver, served):
    return create_persona(driver, served, name="Backend screen", plan=PLAN)


def test_the_example_workflow_sends_an_interview_waits_for_its_end_and_posts_the_result(
    driver, slack, tavus, served, persona
):
    run = run_workflow(slack, driver, example_workflow("Backend screen"))
    send = wait_until(lambda: len(run.outputs) >= 2 and run.outputs[1], what="the send step's outputs")
    assert run.state == "running", run.error
    assert send["interview_id"].startswith("ref-") and "/i/" in send["candidate_link"]
    assert send["card_link"].startswith("https://")
    conv = served.deps.store.conversation_by_ref("T0ACME01", send["interview_id"])
    assert (
        conv.owner_id == "U0OWNER1" and conv.candidate_name == "Jane Doe" and conv.name == "Backend round 1"
    )
    assert conv.channel_id == HIRING and send["card_link"].endswith("p" + conv.message_ts.replace(".", ""))
    wait_until(lambda: len(run.executions) == 2, what="the wait step sent to the app")
    first = wait_until(  # the wait's job ran once and found the interview not over
        lambda: (j := served.deps.store.job(f"step:{run.executions[1].id}")) and j.state == "done" and j,
        what="the wait step's first look",
    )
    assert first.result == "waiting" and run.executions[1].state == "running"
    assert not tavus.state.conversations  # nothing happened yet

    play_the_candidate(tavus, send["candidate_link"])
    wait_until(lambda: run.state != "running", what="the workflow's end")
    assert run.state == "completed", run.error
    result = run.outputs[2]
    assert result["state"] == "completed" and result["interview_id"] == send["interview_id"]
    assert (result["objectives_done"], result["objectives_total"]) == (0, 2)  # the plan's two, none met
    assert result["report_link"].startswith("https://") and result["decision"] == ""
    posted = channel_messages(slack, HIRING)[-1]["text"]
    assert posted.startswith("Jane Doe's AI interview is over: *completed*")
    assert "jane@example.com" not in str(result)  # no candidate content in a step's outputs
    assert len(completions(slack, "functions.completeSuccess", run.executions[1].id)) == 1
    # the report carries the same fields as message metadata, for other apps and workflows
    (report,) = [m for m in channel_messages(slack, "D0OWNER1") if m.get("metadata")]
    assert report["metadata"]["event_type"] == "interview_completed"
    assert report["metadata"]["event_payload"] == {k: v for k, v in result.items() if k != "report_link"}
    assert "Jane" not in str(report["metadata"])


def test_a_channel_the_app_cannot_post_in_fails_the_step(driver, slack, tavus, served, persona):
    steps = example_workflow("Backend screen")
    steps[1][2]["channel"] = "C0NOSUCH1"
    run = run_workflow(slack, driver, steps)
    wait_until(lambda: run.state != "running", what="the step's failure")
    assert run.state == "failed" and "channel" in run.error.lower(), run.error
    assert not tavus.state.conversations and not served.deps.store.active_in_team("T0ACME01")


def test_a_persona_the_owner_cannot_use_fails_the_step_with_a_sentence(driver, slack, tavus, served, persona):
    run = run_workflow(slack, driver, example_workflow("No such persona"))
    wait_until(lambda: run.state != "running", what="the step's failure")
    assert run.state == "failed" and "No persona called “No such persona”" in run.error
    assert len(run.outputs) == 1 and not served.deps.store.active_in_team("T0ACME01")  # nothing started
    assert not tavus.state.conversations


def test_an_unknown_interview_fails_the_wait_step(driver, slack, served):
    run = run_workflow(slack, driver, [("app", "wait_for_ai_interview", {"interview_id": "ref-0000000000"})])
    wait_until(lambda: run.state != "running", what="the step's failure")
    assert run.state == "failed" and "No interview with the id “ref-0000000000”" in run.error


def test_a_forgotten_interview_ends_the_wait_with_forgotten_and_nothing_else(driver, slack, served, persona):
    run = run_workflow(slack, driver, example_workflow("Backend screen")[:3])
    send = wait_until(lambda: len(run.outputs) >= 2 and run.outputs[1], what="the send step's outputs")
    wait_until(lambda: len(run.executions) == 2 and served.deps.store.step(run.executions[1].id), what="wait")
    forget_button_ = forget_button(prompt(slack, driver, send["interview_id"]))
    click_forget(slack, driver, forget_button_)  # /tavus forget, as its owner uses it
    wait_until(lambda: run.state != "running", what="the workflow's end")
    assert run.outputs[2] == {"state": "forgotten"}


def test_a_restart_while_the_step_waits_still_completes_it_once(slack, tavus, serve):
    first = serve()
    driver = SlackDriver(first.url, SIGNING_SECRET, slack.sim.state, slack.url)
    try:
        create_persona(driver, first, name="Backend screen")
        run = run_workflow(slack, driver, example_workflow("Backend screen"))
        send = wait_until(lambda: len(run.outputs) >= 2 and run.outputs[1], what="the send step's outputs")
        wait_until(
            lambda: len(run.executions) == 2 and first.deps.store.step(run.executions[1].id), what="wait"
        )
    finally:
        driver.close()
    first.server.stop()
    second = serve()  # the same database
    link = second.url + send["candidate_link"].split(first.url, 1)[1]
    play_the_candidate(tavus, link)
    wait_until(lambda: run.state != "running", what="the workflow's end")
    assert run.state == "completed" and run.outputs[2]["state"] == "completed"
    assert len(completions(slack, "functions.completeSuccess", run.executions[1].id)) == 1


def test_a_step_slack_delivers_twice_starts_one_interview(driver, slack, served, persona):
    from sim.slack_workflows import function_executed, manifest_functions

    run = run_workflow(slack, driver, example_workflow("Backend screen")[:2])
    wait_until(lambda: run.state == "completed", what="the send step's end")
    execution = run.executions[0]
    again = driver.event(function_executed(execution, manifest_functions()["send_ai_interview"]), retry_num=1)
    assert again.status_code == 200
    time.sleep(2)  # it starts nothing: give a start that should not happen the time to show
    assert len(served.deps.store.invites_of("T0ACME01", "U0OWNER1")) == 1
    assert len(completions(slack, "functions.completeSuccess", execution.id)) == 1


def test_a_wait_outlasting_retention_still_completes(driver, slack, tavus, served, persona):
    """Retention empties old jobs' payloads; the wait's job is found by its key, not its payload."""
    run = run_workflow(slack, driver, example_workflow("Backend screen"))
    send = wait_until(lambda: len(run.outputs) >= 2 and run.outputs[1], what="the send step's outputs")
    key = lambda: f"step:{run.executions[1].id}"  # noqa: E731
    wait_until(
        lambda: len(run.executions) == 2 and (j := served.deps.store.job(key())) and j.state == "done",
        what="wait",
    )
    cutoff = (datetime.now(UTC) + timedelta(seconds=1)).isoformat(timespec="milliseconds")
    time.sleep(1.2)
    served.deps.store.purge_before(cutoff)  # what the hourly purge does RETENTION_DAYS later
    assert served.deps.store.job(key()).payload == "{}"
    play_the_candidate(tavus, send["candidate_link"])
    wait_until(lambda: run.state != "running", what="the workflow's end")
    assert run.state == "completed" and run.outputs[2]["state"] == "completed"


def test_outputs_slack_refuses_end_the_step_with_a_sentence(driver, slack, served, persona):
    slack.control("faults", {"method": "functions.completeSuccess", "error": "parameter_validation_failed"})
    run = run_workflow(slack, driver, example_workflow("Backend screen")[:2])
    wait_until(lambda: run.state != "running", what="the step's end")
    assert run.state == "failed" and "could not hand over its result" in run.error
    assert "parameter_validation_failed" in run.error


def test_another_workflow_cannot_wait_on_an_interview_it_did_not_send(driver, slack, served, persona):
    run = run_workflow(slack, driver, example_workflow("Backend screen")[:2])
    send = wait_until(lambda: len(run.outputs) >= 2 and run.outputs[1], what="the send step's outputs")
    spy = run_workflow(
        slack, driver, [("app", "wait_for_ai_interview", {"interview_id": send["interview_id"]})]
    )
    wait_until(lambda: spy.state != "running", what="the spy's step refused")
    assert spy.state == "failed" and "not sent by this workflow" in spy.error
    # with who runs it given, its owner (or an admin) may wait on it from another workflow
    mine = [
        (
            "app",
            "wait_for_ai_interview",
            {"interview_id": send["interview_id"], "interactivity": "{{trigger.interactivity}}"},
        )
    ]
    owner = run_workflow(slack, driver, mine)
    wait_until(lambda: owner.executions and served.deps.store.step(owner.executions[0].id), what="recorded")
    wait_until(
        lambda: (s := served.deps.store.step(owner.executions[0].id)) and s["state"] == "waiting",
        what="waiting",
    )
    assert owner.state == "running"


def test_a_send_step_whose_card_cannot_post_cancels_its_invite(driver, slack, served, persona):
    steps = example_workflow("Backend screen")[:2]
    for name in ("candidate_name", "candidate_email"):
        steps[1][2].pop(name)
    steps[1][2]["candidate_user"] = "U0CAND01"
    # the card's channel only: the candidate's DM, queued with the invite, may be posted first
    fault = {"method": "chat.postMessage", "error": "is_archived", "times": 1, "channel": HIRING}
    slack.control("faults", fault)
    run = run_workflow(slack, driver, steps)
    wait_until(lambda: run.state != "running", timeout=60, what="the step's end")
    assert run.state == "failed" and "card could not be posted" in run.error
    assert not [c for c in served.deps.store.invites_of("T0ACME01", "U0OWNER1") if c.status == "invited"]


def test_a_step_cut_short_by_a_restart_is_finished_by_the_reconciler(slack, tavus, serve):
    """The step is recorded before Slack's event is acknowledged: a crash after that leaves it to
    the reconciler, which completes it with the interview its request made."""
    first = serve(OUTBOX_LEASE_SECONDS=10)  # the card's post it held is taken over 10 s after it died
    driver = SlackDriver(first.url, SIGNING_SECRET, slack.sim.state, slack.url)
    try:
        create_persona(driver, first, name="Backend screen")
        slack.control("faults", {"method": "chat.postMessage", "delay": 6})  # the card, slowly
        run = run_workflow(slack, driver, example_workflow("Backend screen")[:2])
        wait_until(lambda: first.deps.store.invites_of("T0ACME01", "U0OWNER1"), what="the invite made")
    finally:
        driver.close()
    first.server.stop()  # before the listener recorded its outcome
    second = serve(OUTBOX_LEASE_SECONDS=10)  # the same database
    execution = run.executions[0].id
    assert second.deps.store.step(execution)["state"] == "received"
    time.sleep(1.2)
    reconciler = Reconciler.of(second.deps, interval=60, grace=timedelta(seconds=1))
    run_in_app_loop(second, reconciler.recover())
    wait_until(lambda: run.state != "running", timeout=60, what="the step's end")
    assert run.state == "completed" and run.outputs[1]["interview_id"].startswith("ref-")
    assert len(completions(slack, "functions.completeSuccess", execution)) == 1
