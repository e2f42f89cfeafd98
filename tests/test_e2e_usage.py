"""Issue 25 end to end: Tavus minutes counted once per conversation, the monthly cap set in Interview
settings, its 80 % warning to the admins (once a month), and refusals at the cap."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.services.calls.reconciler import Reconciler
from bot.services.starting.usage import this_month
from bot.slack import ids
from sim.driver import SlackDriver, text_value
from tests.conftest import SIGNING_SECRET, run_in_app_loop, wait_until
from tests.helpers import (
    callback_url,
    channel_messages,
    create_persona,
    press_start,
    responses_text,
    start_interview,
)
from tests.test_e2e_candidates import external, result_link, start_with

BOTH_BACKENDS = True
TEAM = "T0ACME01"


def stamp(minutes_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def call_lasting(
    served, conv, joined_ago: float, ended_ago: float, *, repeat: int = 1, reverse=False, skip_join=False
):
    """Tavus's join and end callbacks for `conv`, each sent `repeat` times (in reverse order too)."""
    base = callback_url(served, conv).split("?")[0]
    common = {"conversation_id": conv.conversation_id, "message_type": "system"}
    joined = {
        **common,
        "event_type": "system.replica_joined",
        "timestamp": stamp(joined_ago),
        "properties": {"replica_id": "rfe12d8b9597"},
    }
    ended = {
        **common,
        "event_type": "system.shutdown",
        "timestamp": stamp(ended_ago),
        "properties": {"shutdown_reason": "participant_left_timeout reached"},
    }
    events = [ended] if skip_join else [ended, joined] if reverse else [joined, ended]
    for _ in range(repeat):
        for event in events:
            assert httpx.post(base, json=event).status_code == 200


def round_(served) -> None:
    run_in_app_loop(served, Reconciler.of(served.deps, interval=60).round())


def set_cap(driver, slack, cap: str, user: str = "U0ADMIN1"):
    driver.home_opened(user)
    home = wait_until(lambda: slack.state.home.get(user), what="admin home")
    driver.click(ids.OPEN_INTERVIEW_SETTINGS, user=user, view_id=home["id"])
    view = wait_until(lambda: driver.latest_view(ids.INTERVIEW_SETTINGS, user), what="settings modal")
    assert ids.S_CAP in str(view["blocks"])
    values = {
        ids.S_OPEN: {ids.VALUE: {"type": "checkboxes", "selected_options": [{"value": "on"}]}},
        ids.S_RESULTS: {ids.VALUE: {"type": "static_select", "selected_option": {"value": "owner"}}},
        ids.S_CAP: {ids.VALUE: text_value(cap)},
    }
    return driver.submit(view["id"], values, user=user)


def test_minutes_are_counted_once_when_callbacks_repeat(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    first = start_interview(driver, served, persona.persona_id)
    call_lasting(served, first, 12, 2, repeat=3)  # ten minutes, every callback three times
    store = served.deps.store
    assert store.conversation_by_token(first.token).seconds_used == 600
    assert store.seconds_used(TEAM, this_month()) == 600
    second = start_interview(driver, served, persona.persona_id)
    call_lasting(served, second, 5, 1, repeat=2, reverse=True)  # the end before the join, twice
    assert store.conversation_by_token(second.token).seconds_used == 240
    round_(served)  # the reconciler reads both again at Tavus: nothing counts twice
    assert store.seconds_used(TEAM, this_month()) == 840
    assert store.seconds_used(TEAM, "2020-01") == 0


def test_cap_setting_takes_a_whole_number(driver, slack, served):
    refused = set_cap(driver, slack, "ten").json()
    assert refused["response_action"] == "errors" and "whole number" in refused["errors"][ids.S_CAP]
    assert served.deps.store.interview_settings(TEAM)["minutes_cap"] is None
    assert set_cap(driver, slack, "10").status_code == 200
    wait_until(lambda: served.deps.store.interview_settings(TEAM)["minutes_cap"] == 10, what="cap saved")
    assert served.deps.store.interview_settings(TEAM)["cap_set_by"] == "U0ADMIN1"


@pytest.fixture
def capped(serve, slack, tavus):
    served = serve(TAVUS_SLACK_ADMINS=f"{TEAM}:U0OTHER1")
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.sim.state, slack.url)
    set_cap(driver, slack, "10")
    wait_until(lambda: served.deps.store.interview_settings(TEAM)["minutes_cap"] == 10, what="cap saved")
    yield served, driver
    driver.close()


def test_admins_are_told_once_at_80_percent(capped, slack, tavus):
    served, driver = capped
    persona = create_persona(driver, served)
    conv = start_interview(driver, served, persona.persona_id)
    call_lasting(served, conv, 7.5, 0.5)  # 7 of 10 minutes: not yet
    round_(served)
    time.sleep(0.5)
    assert not channel_messages(slack, "D0ADMIN1") and not channel_messages(slack, "D0OTHER1")
    conv = start_interview(driver, served, persona.persona_id)
    call_lasting(served, conv, 2, 1)  # 8 of 10
    round_(served)
    for channel in ("D0ADMIN1", "D0OTHER1"):  # who set the cap, and TAVUS_SLACK_ADMINS' entry
        (told,) = wait_until(lambda c=channel: channel_messages(slack, c), what=f"warning in {channel}")
        assert "8 of its 10 Tavus minutes" in told["text"]
    assert served.deps.store.interview_settings(TEAM)["cap_warned_month"] == this_month()  # outlives the jobs
    round_(served)
    round_(served)
    time.sleep(0.5)
    assert len(channel_messages(slack, "D0ADMIN1")) == 1 and len(channel_messages(slack, "D0OTHER1")) == 1


def test_at_the_cap_nothing_new_starts_and_a_candidates_start_creates_nothing(capped, slack, tavus):
    served, driver = capped
    persona = create_persona(driver, served)
    invite = start_with(driver, served, persona.persona_id, **external())  # under the cap: invited
    link = result_link(slack)
    conv = start_interview(driver, served, persona.persona_id)
    call_lasting(served, conv, 11, 0.5)  # 10.5 of 10 minutes
    made = len(tavus.state.conversations)
    page = press_start(link)  # the candidate presses Start
    assert page.status_code == 200 and "not available right now" in page.text
    assert "team has been told" in page.text
    assert "Start the interview" not in page.text
    assert len(tavus.state.conversations) == made  # nothing created at Tavus
    assert served.deps.store.conversation_by_token(invite.token).status == "invited"
    capped_dms = lambda: [m for m in channel_messages(slack, "D0OWNER1") if "monthly cap" in m["text"]]  # noqa: E731
    told = wait_until(capped_dms, what="owner told")
    press_start(link)  # a second press tells the owner only once
    time.sleep(0.5)
    assert capped_dms() == told
    response = driver.command("interview Interviewer <@U0CAND01|casey> Another round", channel="C0HIRING1")
    refused = wait_until(
        lambda: [t for t in responses_text(slack, response.response_url) if "Tavus minutes" in t],
        what="the refusal",
    )
    assert "no new interview can start" in refused[0]
    assert len(tavus.state.conversations) == made and len(served.deps.store.invites_of(TEAM, "U0OWNER1")) == 1
