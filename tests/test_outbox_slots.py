"""Issue 23 #4 and #13: the outbox refills a slot as soon as its job finishes, so one stalled Slack
call never holds up another workspace's work; and a job Slack's rate limits keep putting back is
given up (parked, its owner told) like any other once it is older than OUTBOX_GIVE_UP_SECONDS."""

import time

from bot.records import ConversationRecord
from bot.store import Job, utcnow
from tests.conftest import wait_until
from tests.helpers import channel_messages

STALL = 8.0


def queue(served, *jobs: Job) -> None:
    served.deps.store.add_jobs(list(jobs))
    served.server.loop.call_soon_threadsafe(served.deps.outbox.kick)


def dm(team: str, channel: str, text: str, token: str | None = None) -> Job:
    return Job("dm", f"dm:{team}:{channel}:{text}", token, team, {"channel": channel, "text": text})


def test_a_stalled_call_for_one_workspace_does_not_hold_up_another(served, slack):
    slack.control("faults", {"method": "chat.postMessage", "channel": "C0HIRING1", "delay": STALL})
    queue(served, dm("T0AAAA001", "C0HIRING1", "for workspace A"))
    # A's call has reached Slack, which sits on it
    wait_until(lambda: slack.state.calls_to("chat.postMessage"), what="A's call under way")
    queued = time.monotonic()
    queue(served, dm("T0BBBB002", "C0GENERAL", "for workspace B"))
    wait_until(lambda: channel_messages(slack, "C0GENERAL"), timeout=STALL * 2, what="B's message")
    late = time.monotonic() - queued
    # B ran while A's call was still stalled, not after it
    assert not channel_messages(slack, "C0HIRING1"), "B waited for A's stalled call"
    assert late < STALL / 2, f"B's job ran {late:.1f} s after it was queued"
    wait_until(lambda: channel_messages(slack, "C0HIRING1"), timeout=STALL * 3, what="A's message, late")


def test_a_job_rate_limited_past_the_give_up_time_is_parked_and_its_owner_told(serve, slack):
    served = serve(OUTBOX_GIVE_UP_SECONDS=2)
    store = served.deps.store
    conv = ConversationRecord(
        token="tok-rate-limited-1", team_id="T0ACME01", owner_id="U0OWNER1", status="ended",
        created_at=utcnow(), name="Limited interview", conversation_id="c0limited1",
    )  # fmt: skip
    store.begin_conversation(conv)
    # Slack rate limits that channel for a minute at a time, again and again: put back for a minute
    # is past the give-up time
    slack.control("faults", {"method": "chat.postMessage", "channel": "C0GENERAL", "status": 429,
                             "retry_after": 60, "times": 1000})  # fmt: skip
    job = dm("T0ACME01", "C0GENERAL", "results", token=conv.token)
    queue(served, job)
    parked = wait_until(
        lambda: (j := store.job(job.key)) and j.state == "parked" and j, timeout=15, what="parked"
    )
    assert "rate limits" in (parked.last_error or "")
    told = wait_until(
        lambda: [m for m in channel_messages(slack, "D0OWNER1") if "Limited interview" in m.get("text", "")],
        what="the owner told",
    )
    assert "rate limits" in told[0]["text"]
