"""Tavus and Slack failures seen by users, long transcripts, no PUBLIC_URL, restarts."""

import pytest

from bot.records import PersonaRecord
from bot.services.calls.reconciler import Reconciler
from bot.store import utcnow
from sim.driver import SlackDriver
from tests.conftest import SIGNING_SECRET, free_port, run_in_app_loop, wait_until
from tests.helpers import (
    channel_messages,
    create_persona,
    interrupted_start,
    responses_text,
    start_interview,
)


def final_answer(slack, response, word):
    texts = wait_until(
        lambda: [t for t in responses_text(slack, response.response_url) if word in t],
        timeout=20,
        what=f"answer containing {word!r}",
    )
    return texts[0]


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ({"api_key": "rotated"}, "Tavus rejected this app's API key"),
        ({"credits": 0}, "out of conversational credits"),
    ],
)
def test_tavus_refusals_become_sentences(driver, slack, tavus, served, setup, expected):
    persona = create_persona(driver, served)
    tavus.control("config", setup)
    response = driver.command(f"interview {persona.persona_id}", channel="C0HIRING1")
    assert expected in final_answer(slack, response, "couldn't")
    rows = served.deps.store._conversations("team_id = ?", ("T0ACME01",))
    assert [r.status for r in rows] == ["failed"]


def test_tavus_unreachable(serve, slack, tavus):
    served = serve(TAVUS_API_URL=f"http://127.0.0.1:{free_port()}")
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    served.deps.store.add_persona(
        PersonaRecord(
            persona_id="p1234567",
            team_id="T0ACME01",
            owner_id="U0OWNER1",
            name="Offline",
            created_at=utcnow(),
        )
    )
    response = driver.command("interview Offline", channel="C0HIRING1")
    assert "Tavus could not be reached" in final_answer(slack, response, "couldn't")


def test_long_transcript_is_split_within_slack_limits(driver, slack, tavus, served):
    served.deps.store.save_interview_settings("T0ACME01", "U0ADMIN1", results_to="thread")  # issue 14
    slack.state.scopes.discard("files:write")  # no file: the transcript falls back to thread replies
    persona = create_persona(driver, served)
    conv = start_interview(driver, served, persona.persona_id)
    tavus.control("config", {"transcript_pairs": 400})
    tavus.control(f"conversations/{conv.conversation_id}/join")
    tavus.control(f"conversations/{conv.conversation_id}/leave")

    def transcript_parts():
        parts = [
            m
            for m in channel_messages(slack, "C0HIRING1")
            if m.get("thread_ts") == conv.message_ts and "Transcript" in m["text"]
        ]
        return parts if len(parts) >= 2 else None

    parts = wait_until(transcript_parts, what="transcript in several replies")
    assert "802 turns" in str(parts[0]["blocks"][0])
    assert all(len(p["blocks"]) <= 50 for p in parts)
    rejected = [c for c in slack.state.calls_to("chat.postMessage") if not c["result"].get("ok")]
    assert rejected == []


def test_without_public_url_the_reconciler_follows_the_call(serve, slack, tavus):
    served = serve(PUBLIC_URL="")
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    persona = create_persona(driver, served)
    conv = start_interview(driver, served, persona.persona_id)
    body = tavus.state.conversations[conv.conversation_id].body
    assert "callback_url" not in body and "[ref-" in body["conversation_name"]
    tavus.control(f"conversations/{conv.conversation_id}/join")
    run_in_app_loop(served, Reconciler.of(served.deps, interval=60, pace=0).round())
    card = slack.state.find_message(conv.channel_id, conv.message_ts)
    wait_until(lambda: "Live since" in str(card["blocks"]), what="live via polling")


def test_restart_recovers_an_interrupted_start(serve, slack, tavus, tmp_path):
    served = serve()
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    persona = create_persona(driver, served)
    # the process was killed after Tavus created the conversation, before Slack heard of it
    token = "killed-mid-start-000000000000"
    interrupted_start(served.deps.store, persona, token, "Killed", created_at_tavus=tavus)
    served.server.stop()
    again = serve()  # same database file: start-up recovery runs
    conv = wait_until(
        lambda: (c := again.deps.store.conversation_by_token(token)) and c.message_ts and c,
        what="adopted and posted after restart",
    )
    assert conv.status == "waiting"
    assert slack.state.find_message("C0HIRING1", conv.message_ts)


def test_slack_rate_limit_on_post_is_retried(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    slack.state.faults.append({"method": "chat.postMessage", "status": 429, "retry_after": 1, "times": 1})
    conv = start_interview(driver, served, persona.persona_id, candidate=None)
    posts = slack.state.calls_to("chat.postMessage")
    assert posts[0]["result"] == "ratelimited" and posts[1]["result"]["ok"]
    assert posts[1]["at"] - posts[0]["at"] >= 0.9
    assert conv.message_ts
