"""Issue 26: the web process and worker processes, as real processes against the stand-ins.

`serve --workers 2` starts three processes and stops them together; a worker SIGKILLed mid-start
leaves the job to a new worker, which finishes it exactly once (one Tavus conversation, one card,
one answer to the starter); on PostgreSQL a job queued from another connection wakes an idle
worker through NOTIFY, long before its idle poll."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.store import Job, Store
from sim.driver import SlackDriver
from tests.conftest import SIGNING_SECRET, wait_until
from tests.procs import app_env, start_app, start_worker
from tests.test_crash_recovery import make_persona

BOTH_BACKENDS = True
QUICK = {"OUTBOX_LEASE_SECONDS": "3", "RECOVERY_GRACE_SECONDS": "0.5", "RECONCILE_SECONDS": "0.5"}


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def answers(slack, url: str) -> list[dict]:
    """What reached a command's response_url after its ack."""
    return [r for r in slack.state.responses if r["url"] == url and not r.get("from_ack")]


def test_serve_runs_a_web_and_two_workers_and_stops_them_together(tmp_path, tavus, slack, database_url):
    app = start_app(
        tmp_path, tavus.url, slack.url, command=("serve", "--workers", "2"), DATABASE_URL=database_url
    )
    try:
        children = children_of(app.proc.pid)
        assert len(children) == 3  # the web process and two workers
        persona = make_persona(tavus, database_url)
        driver = SlackDriver(app.url, SIGNING_SECRET, slack.state, slack.url)
        response = driver.command(f"interview {persona} Two workers", channel="C0HIRING1")
        assert "Creating an interview" in response.json()["text"]
        wait_until(lambda: slack.state.messages.get("C0HIRING1"), what="the card, posted by a worker")
        wait_until(lambda: answers(slack, response.response_url), what="the starter's answer")
        assert "Started" in answers(slack, response.response_url)[-1]["body"]["text"]
    finally:
        app.proc.send_signal(signal.SIGTERM)
        assert app.proc.wait(timeout=30) == 0
    assert not [pid for pid in children if alive(pid)]


def test_a_dying_child_stops_the_others(tmp_path, tavus, slack, database_url):
    app = start_app(
        tmp_path, tavus.url, slack.url, command=("serve", "--workers", "1"), DATABASE_URL=database_url
    )
    children = wait_until(lambda: len(children_of(app.proc.pid)) == 2 and children_of(app.proc.pid))
    wait_until(lambda: "[worker 1 " in app.log.read_text(), what="the worker's first log line")
    os.kill(children[-1], signal.SIGKILL)
    assert app.proc.wait(timeout=30) == 1  # reported, and non-zero for the process manager
    assert not [pid for pid in children if alive(pid)]
    log = app.log.read_text()
    assert "exited with status -9: stopping the others" in log
    # the processes share one stderr: each line says which of them wrote it
    assert f"[web {children[0]}]" in log and f"[worker 1 {children[1]}]" in log


@pytest.mark.parametrize("stalled", ["slack_post", "tavus_create"])
def test_a_worker_killed_mid_start_is_finished_by_another_exactly_once(
    tmp_path, tavus, slack, database_url, stalled
):
    if stalled == "slack_post":  # the card's post hangs: Slack never acts on it
        slack.state.faults.append({"method": "chat.postMessage", "kind": "stall", "seconds": 30, "times": 1})
    else:  # Tavus answers late, and makes the conversation anyway
        tavus.control("latency", {"method": "POST", "path": "/v2/conversations", "seconds": 2})
    env = {"DATABASE_URL": database_url, **QUICK}
    web = start_app(tmp_path, tavus.url, slack.url, command=("web",), **env)
    port = int(web.url.rsplit(":", 1)[1])
    worker = start_worker(tmp_path, tavus.url, slack.url, port=port, **env)
    try:
        persona = make_persona(tavus, database_url)
        driver = SlackDriver(web.url, SIGNING_SECRET, slack.state, slack.url)
        response = driver.command(f"interview {persona} Killed worker", channel="C0HIRING1")
        assert "Creating an interview" in response.json()["text"]
        if stalled == "slack_post":
            wait_until(lambda: slack.state.calls_to("chat.postMessage"), what="the post under way")
        else:
            wait_until(lambda: tavus_creates(tavus), what="the create under way")
        worker.kill()
        assert not slack.state.messages.get("C0HIRING1") and not answers(slack, response.response_url)
        tavus.control("latency", {"method": "POST", "path": "/v2/conversations", "seconds": 0})
        worker = start_worker(tmp_path, tavus.url, slack.url, port=port, **env)
        wait_until(lambda: answers(slack, response.response_url), what="the new worker's answer", timeout=60)
        wait_until(lambda: slack.state.messages.get("C0HIRING1"), what="the card")
        time.sleep(2)  # anything a second run would do, it would do now: then count
        assert len(slack.state.messages["C0HIRING1"]) == 1
        assert len(tavus.state.conversations) == 1
        assert len(answers(slack, response.response_url)) == 1
        assert "Started" in answers(slack, response.response_url)[0]["body"]["text"]
        store = Store(database_url)
        try:
            [conv] = store._conversations("1 = 1", ())
            assert conv.status == "waiting" and conv.conversation_id in tavus.state.conversations
            assert [j.state for j in store.jobs(kind="start")] == ["done"]
        finally:
            store.close()
    finally:
        worker.stop()
        web.stop()


def tavus_creates(tavus) -> list:
    return [r for r in tavus.state.requests if r["method"] == "POST" and r["path"] == "/v2/conversations"]


def test_postgres_notify_wakes_an_idle_worker(tmp_path, tavus, slack, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite's wake is covered by the tests above")
    # an idle poll of a minute: only the notification can explain a job run within the test
    env = {"DATABASE_URL": database_url, "OUTBOX_POLL_SECONDS": "60", "RECONCILE_SECONDS": "60"}
    worker = start_worker(tmp_path, tavus.url, slack.url, port=3000, **env)
    store = Store(database_url)
    try:
        time.sleep(1)  # past its start-up drain: from here on it waits for a minute or a wake
        for n in range(3):
            store.add_jobs(
                [Job("dm", f"dm:wake:{n}", None, "T0ACME01", {"channel": "U0OWNER1", "text": f"wake {n}"})]
            )
            wait_until(
                lambda n=n: [j for j in store.jobs(state="done") if j.key == f"dm:wake:{n}"], what="woken"
            )
        texts = [m["text"] for m in slack.state.messages.get("D0OWNER1", [])]
        assert texts == ["wake 0", "wake 1", "wake 2"]
    finally:
        store.close()
        worker.stop()


@pytest.mark.parametrize("command", [("worker",), ("web",), ("serve", "--workers", "2")])
def test_a_process_that_cannot_reach_its_database_says_so_and_stops(tmp_path, command):
    """Not a pool's 30 s wait and a traceback per process: one sentence, the password hidden."""
    env = app_env(tmp_path, "http://127.0.0.1:9", "http://127.0.0.1:9", 9)
    env["DATABASE_URL"] = "postgresql://tavus:hunter2@127.0.0.1:9/nowhere"
    done = subprocess.run(
        [sys.executable, "-m", "bot", *command],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "cannot reach postgresql://tavus:***@127.0.0.1:9/nowhere" in done.stderr
    assert "check DATABASE_URL" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout and "hunter2" not in done.stderr + done.stdout


@pytest.mark.parametrize("count", ["0", "-1"])
def test_serve_refuses_a_count_of_workers_that_would_run_nothing(tmp_path, count):
    env = app_env(tmp_path, "http://127.0.0.1:9", "http://127.0.0.1:9", 9)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--workers", count],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and f"--workers must be 1 or more, not {count}" in done.stderr
    assert "tavus-slack web" in done.stderr and "Traceback" not in done.stderr
