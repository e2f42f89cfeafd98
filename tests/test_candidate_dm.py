"""The candidate's DM as an outbox job (issue 17): it survives a connection reset on
chat.postMessage and a crash between the job's claim and its post, and the candidate gets exactly
one DM, which is later edited, never posted again."""

import time

from bot.services.starting.invites import candidate_dm_job
from bot.store import Store
from sim.driver import SlackDriver
from tests.conftest import SIGNING_SECRET, wait_until
from tests.helpers import channel_messages, create_persona
from tests.procs import start_app
from tests.test_crash_recovery import make_persona

FAST = {"OUTBOX_RETRY_SECONDS": "0.2", "SLACK_TIMEOUT_SECONDS": "1"}


def dm_key(conv) -> str:
    return candidate_dm_job(conv).key


def test_dm_survives_connection_resets_and_is_edited_not_posted_again(serve, slack, tavus):
    served = serve(**FAST)
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    store = served.deps.store
    try:
        persona = create_persona(driver, served)
        # every chat.postMessage breaks before Slack acts, more often than the client retries itself
        slack.state.faults.append({"method": "chat.postMessage", "kind": "reset", "times": 10_000})
        answer = driver.command(
            f"interview {persona.persona_id} <@U0CAND01|casey> Reset DM", channel="C0HIRING1"
        )
        assert "Creating" in answer.json()["text"]
        conv = wait_until(lambda: store.invites_of("T0ACME01", "U0OWNER1"), what="the invite")[0]
        job = wait_until(
            lambda: (j := store.job(dm_key(conv))) and j.attempts >= 2 and j,
            timeout=30,
            what="the DM job failing on resets",
        )
        assert job.state == "pending" and job.last_error
        assert not channel_messages(slack, "D0CAND01")
        slack.state.faults.clear()  # Slack is reachable again
        dm = wait_until(lambda: channel_messages(slack, "D0CAND01"), timeout=30, what="the DM, by a retry")
        assert "/i/" in dm[0]["text"] and "Reset DM" in dm[0]["text"]
        invite = wait_until(
            lambda: (i := store.invite(conv.token)) and i.get("dm_ts") and i, what="ts stored"
        )
        assert invite["dm_ts"] == dm[0]["ts"] and invite["dm_channel"] == "D0CAND01"
        wait_until(lambda: store.job(dm_key(conv)).state == "done", what="the DM job done")
        time.sleep(0.5)
        assert len(channel_messages(slack, "D0CAND01")) == 1
        # cancelling edits that DM (chat.update through the same job), and posts nothing new
        answer = driver.command(f"end {conv.ref}", channel="C0HIRING1")
        assert answer.status_code == 200
        wait_until(
            lambda: "cancelled" in channel_messages(slack, "D0CAND01")[0]["text"],
            timeout=20,
            what="DM edited",
        )
        wait_until(lambda: store.invite(conv.token)["dm_final"], what="the edit recorded")
        time.sleep(0.5)
        assert len(channel_messages(slack, "D0CAND01")) == 1
        assert "/i/" not in channel_messages(slack, "D0CAND01")[0]["text"]
    finally:
        driver.close()


def test_crash_between_the_dm_jobs_claim_and_its_post_sends_exactly_one_dm(tmp_path, slack, tavus):
    env = {"RECOVERY_GRACE_SECONDS": "0.5", "OUTBOX_LEASE_SECONDS": "3", "OUTBOX_RETRY_SECONDS": "0.2"}
    app = start_app(tmp_path, tavus.url, slack.url, **env)
    restarted = None
    try:
        persona = make_persona(tavus, str(tmp_path / "app.db"))
        # the card's and the DM's posts reach Slack and hang there unanswered, Slack acting on
        # neither: the app dies with both jobs claimed and neither posted
        slack.state.faults.append({"method": "chat.postMessage", "kind": "stall", "times": 2, "seconds": 20})
        driver = SlackDriver(app.url, SIGNING_SECRET, slack.state, slack.url)
        response = driver.command(f"interview {persona} <@U0CAND01|casey> Crash DM", channel="C0HIRING1")
        assert "Creating" in response.json()["text"]
        wait_until(
            lambda: (
                len([c for c in slack.state.calls_to("chat.postMessage") if c.get("result") == "stall"]) == 2
            ),
            what="the card's and the DM's posts in flight",
        )
        store = Store(str(tmp_path / "app.db"))
        try:
            conv = store.invites_of("T0ACME01", "U0OWNER1")[0]
            job = store.job(dm_key(conv))
            assert job.state == "pending" and job.lease_until  # claimed, not done
            assert not (store.invite(conv.token) or {}).get("dm_ts")
        finally:
            store.close()
        app.kill()
        driver.close()
        assert not channel_messages(slack, "D0CAND01")
        port = app.url.rsplit(":", 1)[1]
        restarted = start_app(tmp_path, tavus.url, slack.url, port=port, **env)
        dm = wait_until(lambda: channel_messages(slack, "D0CAND01"), timeout=30, what="the DM after restart")
        wait_until(lambda: channel_messages(slack, "C0HIRING1"), timeout=30, what="the card after restart")
        store = Store(str(tmp_path / "app.db"))
        try:
            wait_until(lambda: store.job(dm_key(conv)).state == "done", what="the DM job done")
            assert store.invite(conv.token)["dm_ts"] == dm[0]["ts"]
        finally:
            store.close()
        time.sleep(1.0)
        assert len(channel_messages(slack, "D0CAND01")) == 1 and "Crash DM" in dm[0]["text"]
        assert len(channel_messages(slack, "C0HIRING1")) == 1
    finally:
        app.stop()
        if restarted is not None:
            restarted.stop()
