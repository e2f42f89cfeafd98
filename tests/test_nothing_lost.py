"""Nothing lost: connection resets and stalls on Slack calls, a locked database, quick commands
sent together. Each test reproduces a failure seen before the outbox (issue 12)."""

import subprocess
import sys
import threading
import time

import httpx
import pytest

from bot.services.calls.reconciler import Reconciler
from bot.services.outbox.worker import Backoff
from sim.driver import SlackDriver
from tests.conftest import SIGNING_SECRET, run_in_app_loop, wait_until
from tests.helpers import callback_url, channel_messages, create_persona, responses_text, start_interview

FAST = {"OUTBOX_RETRY_SECONDS": "0.2", "SLACK_TIMEOUT_SECONDS": "1"}


@pytest.fixture
def app(serve, slack):
    served = serve(**FAST)
    # these tests follow results in the card's thread (the owner's DM is the default)
    served.deps.store.save_interview_settings("T0ACME01", "U0ADMIN1", results_to="thread")
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    yield served, driver
    driver.close()


def callback(served, conv, kind, stamp, **props):
    body = {
        "conversation_id": conv.conversation_id,
        "event_type": kind,
        "message_type": kind.split(".")[0],
        "timestamp": stamp,
        "properties": props,
    }
    return httpx.post(callback_url(served, conv), json=body, timeout=10)


def card_text(slack, conv):
    return str(slack.state.find_message(conv.channel_id, conv.message_ts)["blocks"])


def retry_budget(failures: int) -> float:
    """How long the outbox may take, at worst, to get past `failures` failed attempts with FAST's
    schedule (each failure a Slack timeout, then the longest jittered backoff), plus room for a
    loaded machine: the test still fails if the job never succeeds."""
    backoff = Backoff(first=float(FAST["OUTBOX_RETRY_SECONDS"]))
    waits = sum(backoff.first * 2**attempt for attempt in range(failures))  # jitter is at most × 1
    assert all(backoff.delay(a) <= backoff.first * 2**a for a in range(failures))
    return waits + failures * float(FAST["SLACK_TIMEOUT_SECONDS"]) * 3 + 30


def breaks(method, kind="reset", times=4, **extra):
    """More breaks in a row than the Slack client retries by itself."""
    return {"method": method, "kind": kind, "times": times, **extra}


def test_reset_card_update_on_a_callback_converges(app, slack, tavus):
    served, driver = app
    conv = start_interview(driver, served, create_persona(driver, served).persona_id)
    slack.state.faults += [breaks("chat.update"), breaks("chat.update", "stall", 1, seconds=1.5)]
    answer = callback(
        served, conv, "system.shutdown", "2026-01-01T00:05:00Z", shutdown_reason="participant_left_timeout"
    )
    assert answer.status_code == 200  # the event is safe; Slack's trouble is the outbox's
    assert served.deps.store.conversation_by_token(conv.token).status == "ended"
    # Slack shows the update a moment before the outbox records it (the job is done only once
    # Slack answered): wait for both, for as long as the outbox's own schedule may take
    wait_until(
        lambda: (
            "Ended" in card_text(slack, conv)
            and served.deps.store.conversation_by_token(conv.token).card_status == "ended"
        ),
        timeout=retry_budget(failures=5),
        what="card shows the end and the store knows it",
    )
    assert "end_interview" not in card_text(slack, conv)
    results = [c.get("result") for c in slack.state.calls_to("chat.update")]
    assert results[:5] == ["reset"] * 4 + ["stall"]


def test_reset_card_post_still_posts_one_card(app, slack, tavus):
    served, driver = app
    persona = create_persona(driver, served)
    slack.state.faults.append(breaks("chat.postMessage"))
    response = driver.command(f"interview {persona.persona_id} Reset round", channel="C0HIRING1")
    assert "Creating" in response.json()["text"]
    wait_until(lambda: channel_messages(slack, "C0HIRING1"), timeout=45, what="the card, posted by a retry")
    conv = wait_until(
        lambda: [c for c in served.deps.store.active_of("T0ACME01", "U0OWNER1") if c.message_ts],
        what="card recorded",
    )[0]
    time.sleep(0.5)
    assert len(channel_messages(slack, "C0HIRING1")) == 1 and len(tavus.state.conversations) == 1
    assert not any("couldn't" in t for t in responses_text(slack, response.response_url))
    assert "Waiting for the candidate" in card_text(slack, conv)


def test_transcript_posted_exactly_once_after_faults(app, slack, tavus):
    served, driver = app
    conv = start_interview(driver, served, create_persona(driver, served).persona_id)
    slack.state.faults += [
        breaks("chat.postMessage", times=2),
        breaks("chat.postMessage", "stall", 1, seconds=1.5),
        {"method": "chat.postMessage", "status": 429, "retry_after": 1, "times": 3},
        breaks("chat.postMessage", times=1),
    ]
    turns = [{"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Hi there"}]
    for _ in range(3):  # Tavus redelivers, and the reconciler finds the event too
        assert (
            callback(served, conv, "application.transcription_ready", "t1", transcript=turns).status_code
            == 200
        )
    run_in_app_loop(served, Reconciler.of(served.deps, interval=60, pace=0).round())

    def thread():
        return [m for m in channel_messages(slack, "C0HIRING1") if m.get("thread_ts") == conv.message_ts]

    def transcripts():  # issue 15: the transcript is a file in the report's thread
        return [m for m in thread() if m.get("files")]

    wait_until(transcripts, timeout=retry_budget(failures=7), what="the transcript")

    # the job is done once Slack's answer is in, a moment after Slack shows the reply
    def done(kind):
        return (jobs := served.deps.store.jobs(kind=kind)) and jobs[0].state == "done"

    wait_until(
        lambda: done("transcript") and done("report"), timeout=60, what="report and transcript jobs done"
    )
    time.sleep(1.5)
    assert len(transcripts()) == 1
    assert len([m for m in thread() if m["text"].startswith("Interview report")]) == 1
    assert not [f for f in slack.state.faults if f.get("times")]  # every break was met on the way
    assert served.deps.store.jobs(kind="report")[0].state == "done"
    job = served.deps.store.jobs(kind="transcript")[0]
    assert job.state == "done" and job.result


LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(1.5)
conn.execute("COMMIT")
"""


def test_locked_database_does_not_hold_up_other_acks(app, slack, tavus):
    served, driver = app
    conv = start_interview(driver, served, create_persona(driver, served).persona_id)
    path = served.deps.settings.DATABASE_URL.removeprefix("sqlite:///")
    locker = subprocess.Popen([sys.executable, "-c", LOCKER, path], stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout.readline().strip() == "locked"
        answers = []
        writer = threading.Thread(
            target=lambda: answers.append(
                callback(served, conv, "system.replica_joined", "2026-01-01T00:01:00Z")
            )
        )
        writer.start()  # its write waits for the lock...
        time.sleep(0.3)  # (the lock is held 1.5 s: help comes while the write still waits)
        began = time.monotonic()
        help_ack = driver.command("help")
        took = time.monotonic() - began
        assert help_ack.status_code == 200 and "/tavus" in help_ack.text
        assert took < 0.3, f"help waited {took:.2f} s behind another request's write"  # ...not everyone
        writer.join(10)
        assert answers[0].status_code == 200
    finally:
        locker.wait(5)
    wait_until(lambda: "Live since" in card_text(slack, conv), what="card live after the lock")


def test_two_quick_interviews_for_different_candidates_both_start(app, slack, tavus):
    served, driver = app
    persona = create_persona(driver, served)
    sent = []

    def send(text):
        sent.append(driver.command(f"interview {persona.persona_id} {text}", channel="C0HIRING1"))

    threads = [
        threading.Thread(target=send, args=("<@U0CAND001|ann> Backend round",)),
        threading.Thread(target=send, args=("<@U0CAND002|bob> Backend round",)),
    ]
    for t in threads:
        t.start()
        time.sleep(0.01)
    for t in threads:
        t.join()
    wait_until(lambda: len(channel_messages(slack, "C0HIRING1")) == 2, timeout=30, what="two cards")
    invited = served.deps.store.invites_of("T0ACME01", "U0OWNER1")  # candidates get invites
    assert sorted(c.candidate_id for c in invited) == ["U0CAND001", "U0CAND002"]
    assert all("moments ago" not in r.text for r in sent)
    # the very same intent twice is still one interview
    again = [
        driver.command(f"interview {persona.persona_id} <@U0CAND001|ann> Backend round", channel="C0HIRING1")
    ]
    assert "moments ago" in again[0].json()["text"]
    time.sleep(0.5)
    assert len(served.deps.store.invites_of("T0ACME01", "U0OWNER1")) == 2


def test_two_quick_interviews_for_different_email_candidates_both_start(app, slack, tavus):
    """External candidates differ by their email: the duplicate guard must tell them apart too."""
    served, driver = app
    persona = create_persona(driver, served)
    sent = []

    def send(text):
        sent.append(driver.command(f"interview {persona.persona_id} {text}", channel="C0HIRING1"))

    threads = [threading.Thread(target=send, args=(f"{who}@example.com",)) for who in ("ann", "bob")]
    for t in threads:
        t.start()
        time.sleep(0.01)
    for t in threads:
        t.join()
    assert all("moments ago" not in r.json()["text"] for r in sent), [r.text for r in sent]
    invited = wait_until(
        lambda: len(got := served.deps.store.invites_of("T0ACME01", "U0OWNER1")) == 2 and got,
        timeout=10,
        what="two interviews",
    )
    assert sorted(c.candidate_email for c in invited) == ["ann@example.com", "bob@example.com"]
    again = driver.command(f"interview {persona.persona_id} ANN@example.com", channel="C0HIRING1")
    assert "moments ago" in again.json()["text"]  # the same person again is the same intent


def test_a_job_given_up_is_parked_and_its_owner_told(serve, slack, tavus, caplog):
    served = serve(OUTBOX_RETRY_SECONDS="0.1", OUTBOX_GIVE_UP_SECONDS="1.5", SLACK_TIMEOUT_SECONDS="1")
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    conv = start_interview(driver, served, create_persona(driver, served).persona_id)
    slack.state.faults.append(breaks("chat.update", times=1000))  # Slack never takes the edit
    assert callback(served, conv, "system.shutdown", "2026-01-01T00:05:00Z").status_code == 200
    dm = wait_until(
        lambda: [m for m in channel_messages(slack, "D0OWNER1") if "could not update its card" in m["text"]],
        timeout=15,
        what="the owner told",
    )
    assert len(dm) == 1
    job = served.deps.store.job(f"card:{conv.token}")
    assert job.state == "parked" and job.attempts >= 2 and "ClientPayloadError" in job.last_error
    assert any(r.levelname == "ERROR" and "given up" in r.getMessage() for r in caplog.records)
    driver.close()


def test_reset_on_the_channel_check_does_not_stop_a_quick_start(app, slack, tavus):
    served, driver = app
    persona = create_persona(driver, served)
    slack.state.faults.append(breaks("conversations.info"))
    response = driver.command(f"interview {persona.persona_id} Reset check", channel="C0HIRING1")
    wait_until(lambda: channel_messages(slack, "C0HIRING1"), what="the card")
    assert slack.state.calls_to("conversations.info")[0]["result"] == "reset"
    started = wait_until(
        lambda: [t for t in responses_text(slack, response.response_url) if "Started" in t], what="started"
    )
    assert len(started) == 1 and len(tavus.state.conversations) == 1
