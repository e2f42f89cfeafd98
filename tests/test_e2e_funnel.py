"""Issue 25 end to end: the funnel per persona (until openings exist) matches the interviews made in
different end states, on `/tavus stats`, the Home tab and `tavus-slack stats export`; and the owner
of an undecided interview is nudged once a day until the decision."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.cli import main
from bot.services.calls.reconciler import Reconciler
from bot.services.decisions.nudges import nudge_undecided
from tests.conftest import SIGNING_SECRET, run_in_app_loop, wait_until
from tests.helpers import channel_messages, create_persona, start_interview
from tests.test_e2e_candidates import external, start_with
from tests.test_e2e_usage import call_lasting

BOTH_BACKENDS = True
TEAM = "T0ACME01"


def round_(served) -> None:
    run_in_app_loop(served, Reconciler.of(served.deps, interval=60).round())


def stats_text(driver, slack, rest: str = "", user: str = "U0OWNER1") -> str:
    response = driver.command(f"stats {rest}".strip(), user=user, channel="C0HIRING1")
    mine = lambda: [  # noqa: E731
        str(r["body"].get("blocks"))
        for r in slack.state.responses
        if r["url"] == response.response_url and not r.get("from_ack")
    ]
    texts = wait_until(mine, what="the stats answer")
    return texts[-1]


@pytest.fixture
def interviews(serve, slack, tavus):
    """Five interviews of one persona: two completed (one decided), a no-show, an expired invite
    and an invite still open; and one of another persona."""
    from sim.driver import SlackDriver

    served = serve(DECISION_NUDGE_HOURS=1)
    tavus.state.concurrency_limit = 10  # the calls below end by callbacks alone: the stand-in still runs them
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.sim.state, slack.url)
    store = served.deps.store
    persona = create_persona(driver, served)
    other = create_persona(driver, served, name="Sales screen")
    decided = start_interview(driver, served, persona.persona_id, name="Decided")
    call_lasting(served, decided, 190, 180)  # ten minutes, ended three hours ago
    undecided = start_interview(driver, served, persona.persona_id, name="Undecided")
    call_lasting(served, undecided, 184, 180)  # four minutes
    missed = start_interview(driver, served, persona.persona_id, name="Missed")
    call_lasting(served, missed, 0, 170, skip_join=True)  # the candidate never came
    start_with(driver, served, persona.persona_id, **external())
    (expired,) = wait_until(lambda: store.invites_of(TEAM, "U0OWNER1"), what="the invite")
    with store.db.write() as tx:
        tx.execute(
            "update conversations set opens_at = ?, expires_at = ? where token = ?",
            ("2020-01-01T00:00:00.000+00:00", "2020-01-04T00:00:00.000+00:00", expired.token),
        )
    round_(served)  # closes the expired invite
    wait_until(lambda: store.conversation_by_token(expired.token).status == "ended", what="invite expired")
    start_with(driver, served, persona.persona_id, **external(name="Ann Open", email="ann@example.com"))
    other_conv = start_interview(driver, served, other.persona_id, name="Other")
    call_lasting(served, other_conv, 3, 1)
    yield served, driver, {"decided": decided, "undecided": undecided, "missed": missed, "other": other_conv}
    driver.close()


def nudges(slack) -> list[dict]:
    return [m for m in channel_messages(slack, "D0OWNER1") if "no decision yet" in m["text"]]


def test_the_funnel_matches_the_interviews(interviews, slack, tavus, capsys):
    served, driver, convs = interviews
    decided = served.deps.store.conversation_by_token(convs["decided"].token)
    served.deps.store.decide(decided, 0, {"verdict": "advance", "by_user": "U0OWNER1"})
    text = stats_text(driver, slack, "Interviewer")
    assert "Invited: *5*" in text and "Started: *2*" in text and "Completed: *2*" in text
    assert "No-show: *1*" in text and "Expired: *1*" in text and "Alternative asked: *0*" in text
    assert "Decided: *1*" in text and "advance *1* · hold *0* · reject *0*" in text
    assert "████░░░░░░  40 %` Completed" in text and "Completion rate *40 %*" in text
    assert "*14* Tavus minutes" in text and "Sales screen" not in text
    everything = stats_text(driver, slack)
    assert "Interviewer" in everything and "Sales screen" in everything
    assert "No interviews to count" in stats_text(driver, slack, "Nobody")
    assert "No interviews to count" in stats_text(driver, slack, user="U0OTHER1")  # not theirs, not admin
    assert "Invited: *5*" in stats_text(driver, slack, "Interviewer", user="U0ADMIN1")  # the workspace's
    driver.home_opened("U0OWNER1")
    home = wait_until(lambda: "Funnel" in str(slack.state.home.get("U0OWNER1")), what="home funnel")
    assert home and "Tavus minutes this month" in str(slack.state.home["U0OWNER1"]["blocks"])
    assert main(["stats", "export", "--opening", "Interviewer", "--format", "csv"]) == 0
    rows = {r["stage"]: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert rows["invited"]["count"] == "5" and rows["completed"]["count"] == "2"
    assert rows["completed"]["advance"] == "1" and rows["completed"]["advance_rate"] == "0.500"
    assert rows["no_show"]["count"] == "1" and rows["expired"]["share_of_invited"] == "0.200"


@pytest.fixture(autouse=True)
def database_env(monkeypatch, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)  # `tavus-slack stats export` reads it


def test_the_owner_is_nudged_once_a_day_until_the_decision(interviews, slack, tavus):
    served, _, convs = interviews
    store = served.deps.store
    round_(served)  # the hourly work: both completed interviews ended over an hour ago, undecided
    wait_until(lambda: len(nudges(slack)) == 2, what="two nudges")
    round_(served)
    round_(served)
    time.sleep(0.5)
    assert len(nudges(slack)) == 2  # once a day
    keys = {r["key"].split(":")[1] for r in store.db.read("select key from outbox where key like 'nudge:%'")}
    assert keys == {convs["decided"].token, convs["undecided"].token}  # not the no-show
    decided = store.conversation_by_token(convs["decided"].token)
    store.decide(decided, 0, {"verdict": "reject", "reason": "not a fit", "by_user": "U0OWNER1"})
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    deps = served.deps
    run_in_app_loop(served, nudge_undecided(deps.settings, deps.outbox.db, deps.outbox, now=tomorrow))
    wait_until(lambda: len(nudges(slack)) == 4, what="tomorrow's nudges")
    time.sleep(0.5)
    assert len(nudges(slack)) == 4
    tomorrows = store.db.read("select key from outbox where key like ?", (f"nudge:%:{tomorrow.date()}",))
    # the decided one stops; by tomorrow the other persona's interview is over a day old too
    assert {r["key"].split(":")[1] for r in tomorrows} == {convs["undecided"].token, convs["other"].token}
