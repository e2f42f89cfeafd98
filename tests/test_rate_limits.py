"""Slack's rate tiers through the real app: the budget turns them into waiting, not failures."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from bot.services.results.report_links import card_report_words
from bot.slack import ids
from bot.slack.card import build_interview_card
from sim.driver import SlackDriver
from tests.conftest import SIGNING_SECRET, wait_until
from tests.helpers import create_persona, interview_values, open_modal, responses_text, start_interview

SCALE = 8.0  # Slack's minute is 7.5 s here, on both sides
MANY = 40  # interviews, each changing twice: 80 card changes


def limited(slack) -> int:
    return sum(httpx.get(f"{slack.url}/_sim/stats").json()["limited"].values())


def card_of(slack, conv):
    return slack.state.find_message(conv.channel_id, conv.message_ts)


def wrong_cards(slack, store, convs) -> list[str]:
    """The cards that do not show their interview's stored state."""
    wrong = []
    for conv in convs:
        stored = store.conversation_by_token(conv.token)
        _, blocks = build_interview_card(stored, card_report_words(store, stored))
        if card_of(slack, conv)["blocks"] != blocks:
            wrong.append(f"{stored.name} ({stored.status})")
    return wrong


def started(driver, served, persona_id: str, name: str):
    """Start an interview named `name`; its conversation once its card is posted."""
    view = open_modal(driver, "interview", ids.START_INTERVIEW, "U0OWNER1")
    driver.submit(view["id"], interview_values(persona_id, name=name), user="U0OWNER1")
    store = served.deps.store
    mine = lambda: store.active_of(driver.state.team_id, "U0OWNER1")  # noqa: E731
    return wait_until(lambda: next((c for c in mine() if c.name == name and c.message_ts), None), what=name)


@pytest.mark.timeout(300)  # 40 interviews through a scaled tier; slow on a busy machine
def test_a_burst_of_card_changes_waits_for_the_tier_and_every_card_converges(serve, slack, tavus):
    served = serve(SLACK_RATE_SCALE=SCALE)
    tavus.control("config", {"concurrency_limit": 1000})
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.sim.state, slack.url)
    try:
        persona = create_persona(driver, served)
        convs = [started(driver, served, persona.persona_id, f"Round {i}") for i in range(MANY)]
    finally:
        driver.close()
    store = served.deps.store
    wait_until(lambda: not store.jobs("pending"), timeout=30, what="the starts' jobs done")
    slack.control("tiers", {"on": True, "scale": SCALE})
    try:
        # every card changes twice within a second or two: far over chat.update's tier
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda c: tavus.control(f"conversations/{c.conversation_id}/join"), convs))
            list(pool.map(lambda c: tavus.control(f"conversations/{c.conversation_id}/leave"), convs))
        wait_until(
            lambda: all(store.conversation_by_token(c.token).status == "ended" for c in convs),
            timeout=90,
            what="every interview ended in the store",
        )
        wait_until(lambda: not wrong_cards(slack, store, convs), timeout=120, what="every card converged")
        wait_until(lambda: not store.jobs("pending"), timeout=60, what="the outbox drained")
        assert store.jobs("parked") == []
        assert [j for j in store.jobs() if j.attempts] == []  # waiting is not failing
        assert limited(slack) <= 2  # the budget kept under the tier; a 429 or two at a window's edge
    finally:
        slack.control("tiers", {"on": False})


def test_a_429_defers_the_job_without_using_an_attempt(serve, slack, tavus, driver, served):
    persona = create_persona(driver, served)
    conv = start_interview(driver, served, persona.persona_id)
    store = served.deps.store
    wait_until(lambda: not store.jobs("pending"), timeout=30, what="the start's jobs done")
    slack.control("tiers", {"on": True, "scale": SCALE})
    try:
        token = {"Authorization": f"Bearer {slack.state.bot_token}"}
        # another app instance used up the workspace's chat.update minute; one kept-alive client,
        # so the 50 calls take a small part of the (scaled) minute even on a busy machine
        with httpx.Client(headers=token, timeout=30) as http:
            for _ in range(50):
                http.post(
                    f"{slack.url}/api/chat.update",
                    data={"channel": conv.channel_id, "ts": conv.message_ts, "text": "x"},
                )
        before = limited(slack)
        tavus.control(f"conversations/{conv.conversation_id}/join")
        wait_until(lambda: limited(slack) > before, what="Slack answered 429")
        job = wait_until(
            lambda: (j := store.job(f"card:{conv.token}")) and j.lease_until is None and j,
            what="job deferred",
        )
        assert job.state == "pending" and job.attempts == 0 and job.last_error is None
        assert served.deps.budget.buckets[(conv.team_id, "chat.update")].factor < 1
        wait_until(
            lambda: "Live since" in str(card_of(slack, conv)["blocks"]), timeout=60, what="card redrawn"
        )
        assert store.job(f"card:{conv.token}").attempts == 0
    finally:
        slack.control("tiers", {"on": False})


def test_a_burst_of_channel_checks_draws_no_429_and_every_command_answers(serve, slack, tavus):
    from sim.slack_state import Channel

    served = serve(SLACK_RATE_SCALE=SCALE)
    tavus.control("config", {"concurrency_limit": 1000})
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.sim.state, slack.url)
    try:
        persona = create_persona(driver, served)
        everyone = set(slack.state.users) | {slack.state.bot_user}
        channels = [f"C0BURST{i:02d}" for i in range(55)]  # more than conversations.info's minute
        for cid in channels:
            slack.state.channels[cid] = Channel(cid, cid.lower(), members=everyone)
        where = [channels[i % len(channels)] for i in range(60)]  # 60 checks, five channels twice
        slack.control("tiers", {"on": True, "scale": SCALE})
        with ThreadPoolExecutor(8) as pool:
            responses = list(
                pool.map(
                    lambda i: driver.command(f"interview {persona.persona_id} Burst {i}", channel=where[i]),
                    range(60),
                )
            )
        assert [r.status_code for r in responses] == [200] * 60

        def answered(r):
            return any("Started" in t or "started" in t for t in responses_text(slack, r.response_url))

        wait_until(lambda: all(answered(r) for r in responses), timeout=60, what="every command answered")
        stats = httpx.get(f"{slack.url}/_sim/stats").json()
        assert stats["limited"].get("conversations.info", 0) == 0
        assert 0 < stats["calls"]["conversations.info"] <= 55  # a channel asked about once
    finally:
        slack.control("tiers", {"on": False})
        driver.close()


def test_calls_add_and_calls_end_wait_for_their_tier_instead_of_failing(serve, slack, tavus):
    served = serve(SLACK_RATE_SCALE=SCALE, SLACK_CALLS="1")
    tavus.control("config", {"concurrency_limit": 1000})
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.sim.state, slack.url)
    store = served.deps.store
    many = 26  # calls.add and calls.end are Tier 2: 20 a minute
    try:
        persona = create_persona(driver, served)
        slack.control("tiers", {"on": True, "scale": SCALE})
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: driver.command(f"interview {persona.persona_id} Call {i}"), range(many)))

        def mine():
            return [
                c for c in store.active_of(driver.state.team_id, "U0OWNER1") if c.name.startswith("Call ")
            ]

        convs = wait_until(
            lambda: (cs := mine()) and len(cs) == many and all(c.message_ts for c in cs) and cs,
            timeout=60,
            what="every card posted",
        )
        assert all(c.call_id for c in convs)  # each card waited for its call instead of going without
        for conv in convs:
            assert {"type": "call", "call_id": conv.call_id} in card_of(slack, conv)["blocks"]
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda c: tavus.control(f"conversations/{c.conversation_id}/leave"), convs))
        wait_until(
            lambda: all(slack.state.calls[c.call_id].get("ended") for c in convs),
            timeout=60,
            what="calls ended",
        )
        limited = httpx.get(f"{slack.url}/_sim/stats").json()["limited"]
        assert limited.get("calls.add", 0) == 0 and limited.get("calls.end", 0) == 0
        assert store.jobs("parked") == []
        assert [j for j in store.jobs() if j.attempts] == []
    finally:
        slack.control("tiers", {"on": False})
        driver.close()


def test_a_card_whose_live_and_ended_changes_both_wait_is_drawn_once_ended(
    serve, slack, tavus, driver, served
):
    persona = create_persona(driver, served)
    conv = start_interview(driver, served, persona.persona_id)
    store = served.deps.store
    wait_until(lambda: not store.jobs("pending"), timeout=30, what="the start's jobs done")
    # Slack's minute is 15 s here: long enough that the spent minute outlasts the two changes on
    # a busy machine (the app's budget does not know of the other instance's calls)
    slack.control("tiers", {"on": True, "scale": 4.0})
    try:
        token = {"Authorization": f"Bearer {slack.state.bot_token}"}
        with httpx.Client(headers=token) as other:  # one kept-alive connection: quick, even under load
            for _ in range(50):  # another app instance spent the workspace's chat.update minute
                other.post(
                    f"{slack.url}/api/chat.update", data={"channel": "C0GENERAL", "ts": "1.000", "text": "x"}
                )

        def drawn():
            return [
                c
                for c in slack.state.calls_to("chat.update")
                if c["args"].get("ts") == conv.message_ts and (c.get("result") or {}) != "ratelimited"
            ]

        tavus.control(f"conversations/{conv.conversation_id}/join")
        wait_until(lambda: store.conversation_by_token(conv.token).status == "live", what="live in the store")
        tavus.control(f"conversations/{conv.conversation_id}/leave")
        wait_until(
            lambda: store.conversation_by_token(conv.token).status == "ended", what="ended in the store"
        )
        assert drawn() == []  # both changes are still waiting for the minute
        final = store.conversation_by_token(conv.token)
        ended = build_interview_card(final, card_report_words(store, final))[1]
        wait_until(lambda: card_of(slack, conv)["blocks"] == ended, timeout=60, what="card drawn ended")
        wait_until(lambda: not store.jobs("pending"), timeout=60, what="the outbox drained")
        assert len(drawn()) == 1  # one chat.update, with the final state: "Live" was never drawn
        assert store.job(f"card:{conv.token}").attempts == 0
    finally:
        slack.control("tiers", {"on": False})
