"""SIGKILL the app at each step of starting an interview, restart it, and check nothing is lost."""

import time

import httpx
import pytest

from bot.store import Store
from sim.driver import SlackDriver
from tests.conftest import SIGNING_SECRET, wait_until
from tests.procs import start_app


@pytest.fixture
def stack(tmp_path, tavus, slack):
    apps = []

    def start(**env):
        env = {
            "RECOVERY_GRACE_SECONDS": "0.5",
            "RECONCILE_SECONDS": "0.5",
            "OUTBOX_LEASE_SECONDS": "3",
            **env,
        }
        app = start_app(
            tmp_path, tavus.url, slack.url, port=apps[0].url.rsplit(":", 1)[1] if apps else None, **env
        )
        apps.append(app)
        return app

    yield start
    for app in apps:
        app.stop()


def make_persona(tavus, store_path):
    persona = httpx.post(
        f"{tavus.url}/v2/personas",
        headers={"x-api-key": "sim-tavus-key"},
        json={"persona_name": "Crash test", "system_prompt": "Hi", "default_replica_id": "rfe12d8b9597"},
    ).json()
    from bot.records import PersonaRecord
    from bot.store import utcnow

    store = Store(store_path)
    store.add_persona(
        PersonaRecord(
            persona_id=persona["persona_id"],
            team_id="T0ACME01",
            owner_id="U0OWNER1",
            name="Crash test",
            created_at=utcnow(),
        )
    )
    store.close()
    return persona["persona_id"]


def start_and_kill(stack, tavus, slack, tmp_path, channel="C0HIRING1"):
    app = stack()
    persona = make_persona(tavus, str(tmp_path / "app.db"))
    driver = SlackDriver(app.url, SIGNING_SECRET, slack.state, slack.url)
    response = driver.command(f"interview {persona} Killed round", channel=channel)
    assert "Creating an interview" in response.json()["text"]
    time.sleep(0.6)  # the app is now waiting on a slow Tavus or Slack
    app.kill()
    return persona


def consistent(tmp_path):
    store = Store(str(tmp_path / "app.db"))
    try:
        assert store.invariant_violations() == []
        assert store.creating("9999") == []
        return store._conversations("1 = 1", ())
    finally:
        store.close()


def test_killed_while_tavus_creates(stack, tavus, slack, tmp_path):
    tavus.control("latency", {"method": "POST", "path": "/v2/conversations", "seconds": 1.5})
    start_and_kill(stack, tavus, slack, tmp_path)
    wait_until(lambda: tavus.state.conversations, what="Tavus finished the create anyway")
    tavus.control("latency", {"method": "POST", "path": "/v2/conversations", "seconds": 0})
    app = stack()
    wait_until(lambda: slack.state.messages.get("C0HIRING1"), what="card posted after restart")
    # the card's ts is stored just after Slack answers the post: wait for the store, not only Slack
    wait_until(lambda: consistent(tmp_path)[0].message_ts, what="card's ts stored after restart")
    rows = consistent(tmp_path)
    assert [r.status for r in rows] == ["waiting"] and rows[0].message_ts
    assert rows[0].conversation_id in tavus.state.conversations
    app.stop()


def test_killed_before_tavus_acted(stack, tavus, slack, tmp_path):
    tavus.control("latency", {"method": "POST", "path": "/v2/conversations", "seconds": 1.5})
    tavus.control("faults", {"method": "POST", "path": "/v2/conversations", "status": 503, "times": 1})
    start_and_kill(stack, tavus, slack, tmp_path)
    tavus.control("latency", {"method": "POST", "path": "/v2/conversations", "seconds": 0})
    stack()
    dm = wait_until(lambda: slack.state.messages.get("D0OWNER1"), what="owner told")
    assert "was not started" in dm[-1]["text"]
    assert [r.status for r in consistent(tmp_path)] == ["failed"]
    assert not tavus.state.conversations


def test_killed_while_slack_posts(stack, tavus, slack, tmp_path):
    slack.state.faults.append({"method": "chat.postMessage", "delay": 1.5, "times": 1})
    start_and_kill(stack, tavus, slack, tmp_path)
    stack()
    rows = wait_until(lambda: [r for r in consistent(tmp_path) if r.message_ts], what="card recorded")
    assert rows[0].status == "waiting"
    # Slack got the first post after we died, so the channel may show the card twice; never zero
    assert 1 <= len(slack.state.messages["C0HIRING1"]) <= 2


def test_card_that_cannot_be_posted_after_restart_is_ended_and_reported(stack, tavus, slack, tmp_path):
    tavus.control("latency", {"method": "POST", "path": "/v2/conversations", "seconds": 1.5})
    start_and_kill(stack, tavus, slack, tmp_path)
    wait_until(lambda: tavus.state.conversations, what="created at Tavus")
    tavus.control("latency", {"method": "POST", "path": "/v2/conversations", "seconds": 0})
    slack.state.channels["C0HIRING1"].members.discard(slack.state.bot_user)  # removed meanwhile
    slack.state.scopes.discard("chat:write.public")
    stack()
    told = lambda: [m for m in slack.state.messages.get("D0OWNER1", []) if "was ended" in m["text"]]  # noqa: E731
    dm = wait_until(told, what="owner told")  # beside the interview's report, if Tavus sent results
    assert "/invite @Tavus" in dm[-1]["text"]
    # the owner's message and the end at Tavus are separate outbox jobs: either may run first
    wait_until(lambda: [c.status for c in tavus.state.conversations.values()] == ["ended"], what="ended")
    assert [r.status for r in consistent(tmp_path)] == ["ended"]
