"""Issues 22 and 23: `/tavus forget <interview name or id>` asked once, the owner's alerts erased
too, forget against result jobs already running while Slack answers late, retention of the
outbox's content in every state, and forget and the purge kept off the event loop."""

import re
import threading
import time
import traceback

import pytest

from bot.services.calls.reconciler import Reconciler
from bot.slack import ids
from bot.store import Job
from bot.store.outbox import enqueue
from sim.driver import SlackDriver
from tests.conftest import SIGNING_SECRET, run_in_app_loop, wait_until
from tests.helpers import channel_messages
from tests.test_e2e_report import DM, FAST, TEAM, emit, live_interview, report_shows, reports

SLOW = 3.0  # seconds Slack takes to answer, as in issue 23


@pytest.fixture
def app(serve, slack, tavus):
    served = serve(**{**FAST, "SLACK_TIMEOUT_SECONDS": "10"})  # Slack is slow, not gone
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    yield served, driver
    driver.close()


def hourly_round(served):
    """A reconciler round, with its first (so hourly) purge."""
    return Reconciler.of(served.deps, interval=60).round()


def ended(driver, served, slack, tavus):
    _, conv = live_interview(driver, served, tavus)
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    wait_until(lambda: report_shows(slack, "attached in this thread as a file"), what="report", timeout=15)
    return served.deps.store.conversation_by_token(conv.token)


def prompt(slack, driver, text: str) -> dict:
    """Type `/tavus forget <text>`; the prompt it answers with."""
    url = driver.command(f"forget {text}").response_url
    said = lambda: [r["body"] for r in slack.state.responses if r["url"] == url]  # noqa: E731
    return wait_until(said, what="prompt")[-1]


def forget_button(body: dict) -> dict | None:
    buttons = [e for b in body.get("blocks") or [] for e in b.get("elements") or [] if b["type"] == "actions"]
    return next((e for e in buttons if e.get("action_id") == ids.FORGET), None)


def click_forget(slack, driver, button: dict) -> list[dict]:
    """Click Forget in its ephemeral prompt; every answer on the click's response_url, the last
    once the interview is forgotten."""
    url = driver.response_url("actions")
    driver.click(ids.FORGET, button["value"], channel="C0HIRING1", ephemeral=True, response_url=url)
    said = lambda: [r["body"] for r in slack.state.responses if r["url"] == url]  # noqa: E731
    wait_until(lambda: any("Forgot" in b.get("text", "") for b in said()), what="the answer", timeout=60)
    return said()


def test_forget_takes_the_interviews_whole_name(app, slack, tavus):
    served, driver = app
    conv = ended(driver, served, slack, tavus)
    assert conv.name == "Backend round 1"
    unknown = prompt(slack, driver, "Backend round 2 final")
    assert "`Backend round 2 final`" in unknown["text"] and not forget_button(unknown)
    asked = prompt(slack, driver, "backend ROUND 1")
    assert "Backend round 1" in asked["text"]
    assert forget_button(asked)["value"] == (conv.ref or conv.conversation_id)
    click_forget(slack, driver, forget_button(asked))
    assert not reports(slack) and served.deps.store.report(conv.token) is None
    again = prompt(slack, driver, "Backend round 1")  # forgotten: its name is gone too
    assert "I found no interview `Backend round 1`" in again["text"]


def test_forget_asks_once_and_its_used_button_gives_way(app, slack, tavus):
    served, driver = app
    conv = ended(driver, served, slack, tavus)
    button = forget_button(prompt(slack, driver, conv.conversation_id))
    assert "confirm" not in button  # the prompt is the question: no dialog after it
    answers = click_forget(slack, driver, button)
    assert all(b.get("replace_original") is True for b in answers)  # the prompt is replaced
    assert not forget_button(answers[-1]) and "Forgot the interview" in answers[-1]["text"]


def test_forget_deletes_the_owners_guardrail_alerts(app, slack, tavus):
    served, driver = app
    _, conv = live_interview(driver, served, tavus)
    emit(tavus, conv, "guardrail", {"guardrail_name": "no_age", "reason": "asked for their birth year"})
    alert = lambda: [m for m in channel_messages(slack, DM) if "guardrail" in m["text"]]  # noqa: E731
    wait_until(alert, what="the alert DM")
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    wait_until(lambda: report_shows(slack, "attached in this thread as a file"), what="report", timeout=15)
    click_forget(slack, driver, forget_button(prompt(slack, driver, conv.conversation_id)))
    assert not alert() and not channel_messages(slack, DM)


def deleted_count(answer: str) -> int:
    return int(re.search(r"(\d+) message\(s\) or file\(s\) about it deleted", answer).group(1))


@pytest.mark.parametrize("slow", ["chat.postMessage", "files.completeUploadExternal"])
def test_forget_while_slack_is_slow_leaves_nothing_and_claims_nothing_undone(app, slack, tavus, slow):
    """Issue 23 #2: forget comes while a result job waits on a slow Slack (its report's post, or its
    transcript file's upload): what that job posts is deleted, its records are not written again,
    and the answer counts only deletions that happened."""
    served, driver = app
    store = served.deps.store
    _, conv = live_interview(driver, served, tavus)
    asked = forget_button(prompt(slack, driver, conv.conversation_id))  # asked while live; used later
    slack.state.faults.append({"method": slow, "delay": SLOW, "times": 20})
    calls = len(slack.state.calls_to(slow))
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    wait_until(lambda: len(slack.state.calls_to(slow)) > calls, what=f"{slow} in flight", timeout=30)
    answer = click_forget(slack, driver, asked)[-1]["text"]
    time.sleep(SLOW + 1)  # anything still owed by a job has landed by now
    served.deps.outbox.kick()
    time.sleep(1)
    assert not channel_messages(slack, DM) and not slack.state.files
    assert store.report(conv.token) is None and store.result_messages(conv.token) == []
    assert deleted_count(answer) <= len(slack.state.deleted)
    left = [j for j in store.jobs() if j.token == conv.token and j.kind != "card"]
    assert not [j for j in left if j.state in ("parked", "pending")]  # nothing retried, nobody told


def test_retention_clears_the_content_of_jobs_in_every_state(app, slack, tavus):
    """Issue 23 #5: a parked reply keeps a whole transcript, a parked DM an alert; past
    RETENTION_DAYS their content goes whatever their state, and a pending one is parked with the
    reason. A pending job whose content was cleared anyway ends cleanly when it runs."""
    served, driver = app
    store = served.deps.store
    conv = ended(driver, served, slack, tavus)
    secret = "SECRET TRANSCRIPT LINE"
    messages = [[f":scroll: {secret}", []]]
    jobs = [
        Job("reply", "old-parked-reply", conv.token, TEAM, {"label": "transcript", "messages": messages}),
        Job("dm", "old-parked-dm", conv.token, TEAM, {"channel": conv.owner_id, "text": secret}),
        Job("reply", "old-pending-reply", conv.token, TEAM, {"label": "x", "messages": messages}),
    ]
    with store.db.write() as tx:  # one transaction: the worker never sees them due and pending
        enqueue(tx, jobs)
        tx.execute("update outbox set state = 'parked' where key like 'old-parked-%'")
        tx.execute(  # all of them older than RETENTION_DAYS; the pending one not due for a while
            "update outbox set created_at = '2020-01-01T00:00:00.000+00:00', "
            "due_at = '2999-01-01T00:00:00.000+00:00' where key like 'old-%'"
        )
    run_in_app_loop(served, hourly_round(served))
    old = {j.key: j for j in store.jobs() if j.key.startswith("old-")}
    assert secret not in str([(j.payload, j.result) for j in store.jobs()])
    assert all(j.state == "parked" for j in old.values()), {k: j.state for k, j in old.items()}
    assert "RETENTION_DAYS" in old["old-pending-reply"].last_error
    # one cleared while it was already on its way (claimed before the purge): it ends, done
    store.add_jobs([Job("reply", "cleared-reply", conv.token, TEAM, {})])
    served.deps.outbox.kick()
    job = wait_until(lambda: (j := store.job("cleared-reply")) and j.state != "pending" and j, what="ran")
    assert job.state == "done" and job.attempts == 0 and job.last_error is None


def test_forget_and_the_purge_keep_the_store_off_the_event_loop(app, slack, tavus):
    """Issue 23 #13: every store call of forget and of the hourly purge runs in the store's threads."""
    served, driver = app
    store = served.deps.store
    conv = ended(driver, served, slack, tavus)
    loop_thread = run_in_app_loop(served, _thread_id())
    on_loop: list[str] = []
    ours = ("bot/services/rights/retention.py", "bot/services/results/results.py", "handlers/forget.py")
    for name in [n for n in dir(type(store)) if not n.startswith("_") and callable(getattr(store, n))]:
        method = getattr(store, name)

        def spy(*args, _method=method, _name=name, **kwargs):
            stack = "".join(traceback.format_stack())
            if threading.get_ident() == loop_thread and any(f in stack for f in ours):
                on_loop.append(_name)
            return _method(*args, **kwargs)

        setattr(store, name, spy)
    click_forget(slack, driver, forget_button(prompt(slack, driver, conv.conversation_id)))
    run_in_app_loop(served, hourly_round(served))
    assert on_loop == []


async def _thread_id() -> int:
    return threading.get_ident()
