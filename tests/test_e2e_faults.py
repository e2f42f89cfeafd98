"""Faults in Tavus and Slack during real requests: retried, adopted, or explained."""

from bot.services.calls.reconciler import Reconciler
from sim.driver import SlackDriver
from tests.conftest import SIGNING_SECRET, run_in_app_loop, wait_until
from tests.helpers import channel_messages, create_persona, responses_text, start_interview


def said(slack, response, word, timeout=20):
    return wait_until(
        lambda: [t for t in responses_text(slack, response.response_url) if word in t],
        timeout=timeout,
        what=f"an answer with {word!r}",
    )[0]


def test_tavus_too_slow_then_created_late_is_adopted(serve, slack, tavus):
    served = serve(TAVUS_TIMEOUT_SECONDS="0.3")
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    persona = create_persona(driver, served)
    tavus.control("latency", {"method": "POST", "path": "/v2/conversations", "seconds": 4.5})
    response = driver.command(f"interview {persona.persona_id} Slow one", channel="C0HIRING1")
    assert "did not answer in time" in said(slack, response, "couldn't")
    assert served.deps.store.unconfirmed_since("2000")[0].status == "failed"
    wait_until(lambda: tavus.state.conversations, timeout=30, what="Tavus finishing late")
    run_in_app_loop(served, Reconciler.of(served.deps, interval=60, pace=0).round())
    wait_until(  # the adopted interview's card is an outbox job: posted a moment later
        lambda: (c := served.deps.store.active_of("T0ACME01", "U0OWNER1")) and c[0].message_ts and c[0],
        what="the adopted interview's card",
    )
    assert len(tavus.state.conversations) == 1
    wait_until(
        lambda: any("did start after all" in m["text"] for m in channel_messages(slack, "D0OWNER1")),
        what="the owner told",
    )


def test_tavus_429_on_create_is_retried(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    tavus.control(
        "faults",
        {"method": "POST", "path": "/v2/conversations", "status": 429, "retry_after": "1", "times": 1},
    )
    tavus.control("faults", {"method": "POST", "path": "/v2/conversations", "status": 429, "times": 1})
    response = driver.command(f"interview {persona.persona_id}", channel="C0HIRING1")
    assert "Started" in said(slack, response, "Started")
    assert len(tavus.state.conversations) == 1


def test_tavus_429_that_persists_is_explained(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    tavus.control(
        "faults",
        {"method": "POST", "path": "/v2/conversations", "status": 429, "retry_after": "0", "times": 10},
    )
    response = driver.command(f"interview {persona.persona_id}", channel="C0HIRING1")
    assert "asking us to slow down" in said(slack, response, "couldn't")
    assert not tavus.state.conversations


def test_slack_429_on_card_update_is_retried(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    conv = start_interview(driver, served, persona.persona_id)
    slack.state.faults.append({"method": "chat.update", "status": 429, "retry_after": 1, "times": 1})
    tavus.control(f"conversations/{conv.conversation_id}/join")
    card = slack.state.find_message(conv.channel_id, conv.message_ts)
    wait_until(lambda: "Live since" in str(card["blocks"]), what="card live after a 429")
    results = [c["result"] for c in slack.state.calls_to("chat.update")]
    assert results[0] == "ratelimited" and results[1]["ok"]
