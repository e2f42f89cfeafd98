"""Two app instances on one PostgreSQL: a burst of commands and callbacks split between them."""

import threading
import time

import httpx
import pytest

from bot.services.calls.reconciler import Reconciler
from bot.slack import ids
from sim.driver import SlackDriver
from tests.conftest import SIGNING_SECRET, need_postgres, postgres_schema, run_in_app_loop, wait_until
from tests.helpers import callback_url, create_persona, interview_values, open_modal


@pytest.fixture
def pg_url():
    yield from postgres_schema(need_postgres())  # skips without PostgreSQL, fails under CI


@pytest.fixture
def pair(serve, pg_url, slack):
    a, b = serve(DATABASE_URL=pg_url), serve(DATABASE_URL=pg_url)
    drivers = [SlackDriver(x.url, SIGNING_SECRET, slack.state, slack.url) for x in (a, b)]
    yield (a, b), drivers
    for d in drivers:
        d.close()


def event(cid, kind, stamp, **props):
    return {
        "conversation_id": cid,
        "event_type": kind,
        "message_type": kind.split(".")[0],
        "timestamp": stamp,
        "properties": props,
    }


def test_burst_split_between_two_instances(pair, slack, tavus):
    (a, b), (da, db) = pair
    tavus.control("config", {"concurrency_limit": 1000, "callback_mode": "drop"})
    persona = create_persona(da, a, name="Shared", shared=True)
    users = [f"U0SCALE{i:02d}" for i in range(20)]

    def send(i: int) -> None:
        (da if i % 2 else db).command(
            f"interview {persona.persona_id} Round {i}", user=users[i], channel="C0HIRING1"
        )

    threads = [threading.Thread(target=send, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store = a.deps.store
    convs = wait_until(
        lambda: (rows := store._conversations("message_ts is not null", ())) and len(rows) == 20 and rows,
        timeout=20,
        what="20 cards posted",
    )
    assert len(tavus.state.conversations) == 20  # no duplicate interview
    assert len(slack.state.messages["C0HIRING1"]) == 20
    # callbacks land on either instance, in either order
    for n, conv in enumerate(convs):
        joined = event(conv.conversation_id, "system.replica_joined", "2026-01-01T00:01:00Z")
        ended = event(
            conv.conversation_id,
            "system.shutdown",
            "2026-01-01T00:05:00Z",
            shutdown_reason="participant_left_timeout reached",
        )
        first, second = (a, b) if n % 2 else (b, a)
        for instance, body in ((first, joined), (second, ended), (first, ended), (second, joined)):
            assert httpx.post(callback_url(instance, conv), json=body).status_code == 200
    for conv in convs:  # no lost update: every card and row ends the same way
        row = store.conversation_by_token(conv.token)
        assert row.status == "ended" and row.live_at == "2026-01-01T00:01:00Z"
        card = slack.state.find_message("C0HIRING1", conv.message_ts)
        wait_until(lambda card=card: "the candidate left" in str(card["blocks"]), what="card ended")
    assert store.invariant_violations() == []


def test_double_submission_across_instances_starts_one(pair, slack, tavus):
    (a, b), (da, db) = pair
    persona = create_persona(da, a)
    view = open_modal(da, "interview", ids.START_INTERVIEW)
    values = interview_values(persona.persona_id)
    threads = [threading.Thread(target=d.submit, args=(view["id"], values)) for d in (da, db)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_until(lambda: slack.state.messages.get("C0HIRING1"), what="card")
    time.sleep(0.5)
    assert len(tavus.state.conversations) == 1 and len(slack.state.messages["C0HIRING1"]) == 1


def test_slack_retry_on_the_other_instance_is_handled_once(pair, slack):
    (a, b), (da, db) = pair
    da.event({"type": "app_home_opened", "user": "U0OWNER1", "tab": "home"}, event_id="Ev0TWICE1")
    db.event(
        {"type": "app_home_opened", "user": "U0OWNER1", "tab": "home"}, event_id="Ev0TWICE1", retry_num=1
    )
    wait_until(lambda: slack.state.calls_to("views.publish"), what="home published")
    time.sleep(0.3)
    assert len(slack.state.calls_to("views.publish")) == 1


def test_one_reconciler_at_a_time(pair):
    (a, b), _ = pair
    ra, rb = (Reconciler.of(x.deps, interval=60, pace=0) for x in (a, b))
    ran = [run_in_app_loop(a, ra.round_if_leader()), run_in_app_loop(b, rb.round_if_leader())]
    assert sorted(ran) == [False, True]
    leader = a if ran[0] else b
    leader.server.stop()  # the leader goes away: its lock goes with it
    follower, rec = (b, rb) if ran[0] else (a, ra)
    assert wait_until(lambda: run_in_app_loop(follower, rec.round_if_leader()), what="takeover")


def test_quick_interviews_for_two_candidates_split_over_two_instances(pair, slack, tavus):
    (a, b), (da, db) = pair
    persona = create_persona(da, a)
    sent = []
    jobs = [
        (da, "<@U0CAND001|ann> Backend round"),
        (db, "<@U0CAND002|bob> Backend round"),
        (db, "<@U0CAND001|ann> Backend round"),  # the first one again, on the other instance
    ]

    def send(d, text):
        sent.append(d.command(f"interview {persona.persona_id} {text}", channel="C0HIRING1").json()["text"])

    threads = [threading.Thread(target=send, args=job) for job in jobs]
    for t in threads:
        t.start()
        time.sleep(0.01)
    for t in threads:
        t.join()
    wait_until(lambda: len(slack.state.messages.get("C0HIRING1", [])) == 2, timeout=15, what="two cards")
    time.sleep(0.5)
    assert len(slack.state.messages["C0HIRING1"]) == 2
    invited = a.deps.store.invites_of("T0ACME01", "U0OWNER1")  # candidates get invites, one each
    assert sorted(c.candidate_id for c in invited) == ["U0CAND001", "U0CAND002"]
    assert sum("moments ago" in t for t in sent) == 1  # only the repeat was refused


def test_leader_that_loses_its_session_stops_leading(pair):
    """A PostgreSQL restart ends every session (and its advisory lock) while the client still
    thinks its connection is open: the old leader must notice, and one instance leads."""
    import psycopg

    (a, b), _ = pair
    ra, rb = (Reconciler.of(x.deps, interval=60, pace=0) for x in (a, b))
    assert run_in_app_loop(a, ra.round_if_leader()) and not run_in_app_loop(b, rb.round_if_leader())
    pid = a.deps.store.db._leader.info.backend_pid
    with psycopg.connect(need_postgres(), autocommit=True) as conn:
        conn.execute("select pg_terminate_backend(%s)", (pid,))
    assert run_in_app_loop(b, rb.round_if_leader())  # the lock went with the session
    assert not run_in_app_loop(a, ra.round_if_leader())  # and the old leader knows it
    assert run_in_app_loop(b, rb.round_if_leader())
