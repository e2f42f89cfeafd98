"""The channel card follows the call: Tavus callbacks, the reconciler and start-up recovery."""

import time
from datetime import timedelta

import httpx
import pytest

from bot.services.calls.reconciler import Reconciler
from tests.conftest import run_in_app_loop, wait_until
from tests.helpers import callback_url, channel_messages, create_persona, interrupted_start, start_interview

BOTH_BACKENDS = True  # every test here runs on SQLite and on PostgreSQL


@pytest.fixture
def live_interview(driver, slack, tavus, served):
    # results go to the owner's DM by default (issue 14); these tests follow them in the card's thread
    served.deps.store.save_interview_settings("T0ACME01", "U0ADMIN1", results_to="thread")
    persona = create_persona(driver, served)
    return start_interview(driver, served, persona.persona_id, options=("recording",))


def card(slack, conv):
    return slack.state.find_message(conv.channel_id, conv.message_ts)


def settled_thread(slack, conv, count):
    """The thread once `count` replies came, and a moment later (a double would show by then)."""
    wait_until(lambda: len(thread(slack, conv)) >= count, what=f"{count} thread replies")
    time.sleep(0.5)
    return thread(slack, conv)


def thread(slack, conv):
    return [m for m in channel_messages(slack, conv.channel_id) if m.get("thread_ts") == conv.message_ts]


def test_join_then_leave_updates_card_and_thread(live_interview, slack, tavus, served):
    conv = live_interview
    tavus.control(f"conversations/{conv.conversation_id}/join")
    wait_until(lambda: "Live since" in str(card(slack, conv)["blocks"]), what="card shows live")
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    wait_until(lambda: "the candidate left" in str(card(slack, conv)["blocks"]), what="card shows ended")
    assert "join_interview" not in str(card(slack, conv)["blocks"])
    words = ("attached in this thread as a file", "Perception analysis", "Recording ready")
    done = lambda: [m for m in thread(slack, conv) if all(w in str(m["blocks"]) for w in words)]  # noqa: E731
    (report,) = wait_until(done, what="the report with every result")
    (share,) = wait_until(lambda: [m for m in thread(slack, conv) if m.get("files")], what="transcript file")
    assert len(thread(slack, conv)) == 2 and report["text"].startswith("Interview report")
    (stored_file,) = slack.state.files.values()
    transcript = stored_file["content"].decode()
    assert "turns" in transcript and "AI interviewer: " in transcript and "Candidate: " in transcript
    assert "You interview backend engineers" not in transcript  # the system prompt is left out
    stored = served.deps.store.conversation_by_token(conv.token)
    assert stored.status == "ended" and stored.live_at and stored.ended_at


def test_time_limit_reason_in_plain_words(live_interview, slack, tavus):
    conv = live_interview
    tavus.control(f"conversations/{conv.conversation_id}/join")
    tavus.control(f"conversations/{conv.conversation_id}/timeout")
    wait_until(lambda: "time limit reached" in str(card(slack, conv)["blocks"]), what="time limit")


def test_duplicate_callbacks_are_ignored(live_interview, slack, tavus, served):
    conv = live_interview
    tavus.control("config", {"callback_mode": "duplicate"})
    tavus.control(f"conversations/{conv.conversation_id}/join")
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    wait_until(lambda: len(tavus.state.callbacks_sent) >= 10, what="all callbacks delivered")
    assert len(settled_thread(slack, conv, 2)) == 2  # the one report and the transcript file, once each
    assert len(served.deps.store.events_of(conv.conversation_id)) == 5


def test_out_of_order_events_reach_the_same_state(live_interview, slack, tavus, served):
    conv = live_interview
    tavus.control("config", {"callback_mode": "reverse"})
    tavus.control(f"conversations/{conv.conversation_id}/join")
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    wait_until(lambda: len(tavus.state.callbacks_sent) >= 5, what="callbacks delivered")
    stored = served.deps.store.conversation_by_token(conv.token)
    assert stored.status == "ended" and stored.live_at
    wait_until(lambda: "the candidate left" in str(card(slack, conv)["blocks"]), what="card ended")


def test_shutdown_before_join_still_ends(live_interview, slack, tavus, served):
    conv = live_interview
    base = callback_url(served, conv).split("?")[0]
    shutdown = {
        "conversation_id": conv.conversation_id,
        "event_type": "system.shutdown",
        "message_type": "system",
        "timestamp": "2026-01-01T00:10:00Z",
        "properties": {"shutdown_reason": "participant_left_timeout reached"},
    }
    joined = {
        **shutdown,
        "event_type": "system.replica_joined",
        "timestamp": "2026-01-01T00:01:00Z",
        "properties": {"replica_id": "rfe12d8b9597"},
    }
    assert httpx.post(base, json=shutdown).status_code == 200
    assert httpx.post(base, json=joined).status_code == 200
    stored = served.deps.store.conversation_by_token(conv.token)
    assert stored.status == "ended" and stored.live_at == "2026-01-01T00:01:00Z"
    wait_until(lambda: "9 min 0 s" in str(card(slack, conv)["blocks"]), what="duration on the card")


def test_forged_token_and_malformed_bodies_change_nothing(live_interview, slack, served):
    conv = live_interview
    event = {
        "conversation_id": conv.conversation_id,
        "event_type": "system.shutdown",
        "timestamp": "t",
        "properties": {"shutdown_reason": "x"},
    }
    url = callback_url(served, conv)
    forged = httpx.post(url.replace("?", "xx?"), json=event)
    assert forged.status_code == 404 and url.split("/")[-1] not in forged.text
    # the record's own token is no credential: the URL's token is derived from it with a server secret
    assert httpx.post(f"{served.url}/tavus/callback/{conv.token}", json=event).status_code == 404
    assert httpx.post(url, content=b"{not json").status_code == 400
    assert httpx.post(url, json={"event_type": "system.shutdown"}).status_code == 400
    assert httpx.post(url, json=[1, 2]).status_code == 400
    other = httpx.post(url, json={**event, "conversation_id": "c999999999"})
    assert other.status_code == 400
    assert httpx.post(url, content=b"x" * 3_000_000).status_code == 413
    unknown = httpx.post(url, json={**event, "event_type": "system.something_new"})
    assert unknown.status_code == 200 and unknown.json()["applied"] is False
    stored = served.deps.store.conversation_by_token(conv.token)
    assert stored.status == "waiting"
    assert served.deps.store.events_of(conv.conversation_id) == []


def test_lost_callbacks_are_recovered_by_the_reconciler(live_interview, slack, tavus, served):
    conv = live_interview
    tavus.control("config", {"callback_mode": "drop"})
    tavus.control(f"conversations/{conv.conversation_id}/join")
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    assert served.deps.store.conversation_by_token(conv.token).status == "waiting"
    applied = run_in_app_loop(served, Reconciler.of(served.deps, interval=60, pace=0).round())
    assert applied == 5
    wait_until(lambda: "the candidate left" in str(card(slack, conv)["blocks"]), what="card ended")
    assert len(settled_thread(slack, conv, 2)) == 2  # the report and the transcript file
    assert run_in_app_loop(served, Reconciler.of(served.deps, interval=60, pace=0).round()) == 0


def test_reconciler_backs_off_on_429(live_interview, tavus, served):
    tavus.control(
        "faults",
        {"method": "GET", "path": "/v2/conversations/", "status": 429, "retry_after": "0.1", "times": 50},
    )
    applied = run_in_app_loop(served, Reconciler.of(served.deps, interval=60, pace=0).round())
    assert applied == 0
    gets = [r for r in tavus.state.requests if r["method"] == "GET" and "/v2/conversations/c" in r["path"]]
    assert len(gets) == 4  # one read and its three retries, then the round stops


def test_crash_between_tavus_create_and_slack_post_is_recovered(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    store = served.deps.store
    token = "crashed-token-0000000000000000"
    # Tavus created it, then the process died before it knew the answer
    created = interrupted_start(store, persona, token, "Crashed", created_at_tavus=tavus)
    lost = "lost-token-00000000000000000000"
    interrupted_start(store, persona, lost, "Never created")
    run_in_app_loop(served, Reconciler.of(served.deps, interval=60, grace=timedelta(0)).recover())
    adopted = wait_until(lambda: (c := store.conversation_by_token(token)).message_ts and c, what="card")
    assert adopted.status == "waiting" and adopted.conversation_id == created["conversation_id"]
    assert card(slack, adopted)
    assert store.conversation_by_token(lost).status == "failed"
    wait_until(
        lambda: any(
            "Never created" in m["text"] and "start it again" in m["text"]
            for m in channel_messages(slack, "D0OWNER1")
        ),
        what="owner told",
    )
    assert store.invariant_violations() == []


def test_slack_calls_card(serve, slack, tavus):
    from sim.driver import SlackDriver
    from tests.conftest import SIGNING_SECRET

    served = serve(SLACK_CALLS="1")
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    persona = create_persona(driver, served)
    conv = start_interview(driver, served, persona.persona_id)
    call = slack.state.calls[conv.call_id]
    assert call["join_url"] == conv.url
    assert {"type": "call", "call_id": conv.call_id} in card(slack, conv)["blocks"]
    # Tavus's own timestamps, 12 min 34 s apart: the call's length is taken from them
    for kind, stamp, props in (
        ("system.replica_joined", "2026-03-02T10:00:00.250000Z", {"replica_id": "r1"}),
        ("system.shutdown", "2026-03-02T10:12:34.750000Z", {"shutdown_reason": "participant_left_timeout"}),
    ):
        event = {
            "conversation_id": conv.conversation_id,
            "event_type": kind,
            "message_type": kind.split(".")[0],
            "timestamp": stamp,
            "properties": props,
        }
        assert httpx.post(callback_url(served, conv), json=event).status_code == 200
    wait_until(lambda: call.get("ended"), what="calls.end")
    assert int(call["duration"]) == 12 * 60 + 34
