"""Generated bad input: command text, modal submissions and callback bodies of every shape.
Always a clear answer within Slack's limits, never a 500, and the store stays consistent."""

import json
import time
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.records import FINAL
from bot.services.calls.callbacks import KNOWN
from bot.slack import ids
from bot.slack.commands import split_command
from sim.blockkit import blocks_problem
from tests.conftest import wait_until
from tests.helpers import (
    callback_url,
    create_persona,
    interview_values,
    open_modal,
    persona_values,
    start_interview,
)

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SLACKY = st.sampled_from(
    [
        "<@U0OWNER1|olivia>",
        "<@U0OTHER1>",
        "<#C0GENERAL|general>",
        "<https://example.com|x>",
        "<!channel>",
        "&lt;b&gt;",
        "שלום עולם",
        "مرحبا",
        "🎥🔥",
        "\u202e",
        "\x00",
        "\x1b[31m",
        "\t",
        "\n",
        "c1234567",
        "p1234567",
        "interview",
        "end",
        "delete",
        "persona",
        "personas",
        '"',
        "'",
        "\\",
        "%00",
        "*bold*",
    ]
)
COMMAND_TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(SLACKY, st.text(max_size=20)), max_size=12).map(" ".join),
    st.sampled_from(["x" * 10_000, "interview " + "y" * 9_000, "end " + "🎥" * 3000]),
)


def check_ack(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text[:300]
    if not response.content:
        return
    body = response.json()
    assert body.get("response_type") == "ephemeral"
    assert len(body.get("text", "")) <= 40_000
    assert blocks_problem(body.get("blocks")) is None


@FUZZ
@given(text=COMMAND_TEXT)
def test_any_command_text_gets_a_clear_answer(driver, slack, served, text):
    response = driver.command(text)
    check_ack(response)
    sub, rest = split_command(text)
    if sub == "delete" or (sub == "end" and rest):  # their answer comes through response_url
        mine = response.response_url  # this command's own answer, not an earlier example's
        wait_until(
            lambda: [r for r in slack.state.responses if r["url"] == mine and not r.get("from_ack")],
            what="answer",
        )
    assert served.deps.store.invariant_violations() == []


@FUZZ
@given(text=COMMAND_TEXT)
def test_any_command_text_from_another_workspace(driver, served, text):
    check_ack(driver.command(text, team="T0OTHER99"))


JUNK = st.one_of(
    st.none(),
    st.text(max_size=50),
    st.integers(),
    st.lists(st.integers(), max_size=3),
    st.just("x" * 5000),
    st.just({"unexpected": "shape"}),
)
ACTION = st.one_of(
    st.fixed_dictionaries({"type": st.just("plain_text_input"), "value": JUNK}),
    st.fixed_dictionaries(
        {
            "type": st.just("static_select"),
            "selected_option": st.one_of(st.none(), st.fixed_dictionaries({"value": JUNK})),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("checkboxes"),
            "selected_options": st.one_of(
                st.none(), st.lists(st.fixed_dictionaries({"value": JUNK}), max_size=3)
            ),
        }
    ),
    st.fixed_dictionaries({"type": st.just("users_select"), "selected_user": JUNK}),
    st.fixed_dictionaries({"type": st.just("conversations_select"), "selected_conversation": JUNK}),
    st.fixed_dictionaries({"type": st.just("number_input"), "value": JUNK}),
    JUNK,
)


def mangled(values: dict, data) -> dict:
    """Replace, drop or break some of a valid submission's fields."""
    out = {}
    for block_id, actions in values.items():
        choice = data.draw(st.sampled_from(["keep", "drop", "replace", "break"]))
        if choice == "keep":
            out[block_id] = actions
        elif choice == "replace":
            out[block_id] = {"value": data.draw(ACTION)}
        elif choice == "break":
            out[block_id] = data.draw(JUNK)
    return out


def long_persona_form(driver, view: dict) -> dict:
    """The New persona form with More options open (issue 22), so every field is in the view."""
    driver.click(ids.MORE_PERSONA_OPTIONS, view_id=view["id"], values={})

    def opened():
        now = driver.state.views.get(view["id"]) or {"blocks": []}
        return now if any(b.get("block_id") == ids.P_MODE for b in now["blocks"]) else None

    return wait_until(opened, what="More options open")


@FUZZ
@given(data=st.data())
def test_mangled_persona_submissions(driver, tavus, served, data):
    view = long_persona_form(driver, open_modal(driver, "persona", ids.NEW_PERSONA))
    before = len(tavus.state.personas)
    response = driver.submit(view["id"], mangled(persona_values(name=f"F{time.time()}"), data))
    assert response.status_code == 200
    body = response.json()
    assert body["response_action"] in ("errors", "update")
    if body["response_action"] == "errors":
        assert set(body["errors"]) <= {b["block_id"] for b in view["blocks"] if "block_id" in b}
        assert len(tavus.state.personas) == before  # refused before Tavus was asked


@FUZZ
@given(data=st.data())
def test_mangled_interview_submissions_never_reach_tavus_unless_valid(driver, tavus, served, data):
    if not served.deps.store.personas_of("T0ACME01", "U0OWNER1"):
        create_persona(driver, served)
    persona = served.deps.store.personas_of("T0ACME01", "U0OWNER1")[0]
    view = open_modal(driver, "interview", ids.START_INTERVIEW)
    values = mangled(
        interview_values(
            persona.persona_id,
            minutes=data.draw(st.sampled_from(["30", "-1", "0", "61", "10000", "1.5", "abc", None])),
        ),
        data,
    )
    before = len(tavus.state.conversations)
    body = driver.submit(view["id"], values).json()
    if body["response_action"] == "errors":
        time.sleep(0.05)
        assert len(tavus.state.conversations) == before


@FUZZ
@given(
    body=st.one_of(
        st.binary(max_size=300),
        st.recursive(
            st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30)),
            lambda inner: st.one_of(
                st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=15), inner, max_size=5)
            ),
            max_leaves=20,
        ).map(lambda v: json.dumps(v).encode()),
        st.fixed_dictionaries(
            {
                "conversation_id": st.text(max_size=12),
                "event_type": st.text(max_size=40),
                "timestamp": JUNK,
                "properties": JUNK,
            }
        ).map(lambda v: json.dumps(v).encode()),
    )
)
def test_callback_bodies_of_every_shape(live, served, body):
    url = callback_url(served, live)
    response = httpx.post(url, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code in (200, 400), response.text
    stored = served.deps.store.conversation_by_token(live.token)
    assert stored.status == "waiting" and stored.live_at is None
    assert served.deps.store.events_of(live.conversation_id) == []


@pytest.fixture
def live(driver, served):
    persona = create_persona(driver, served)
    return start_interview(driver, served, persona.persona_id)


ANYTHING = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),  # NaN and ±Infinity too: Python's json reads them
        st.text(max_size=30),
        SLACKY,
        st.just("x" * 5000),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=15), inner, max_size=5)
    ),
    max_leaves=25,
)
TURN = st.dictionaries(st.sampled_from(["role", "content", "timestamp", "x"]), ANYTHING, max_size=4)
# the keys the app reads from each event type's properties, with anything at all in them
PROPERTIES = st.dictionaries(
    st.one_of(
        st.sampled_from(
            [
                "shutdown_reason",
                "replica_id",
                "transcript",
                "analysis",
                "storage_uri",
                "bucket_name",
                "s3_key",
                "duration",
            ]
        ),
        st.text(max_size=15),
    ),
    st.one_of(ANYTHING, st.lists(st.one_of(TURN, ANYTHING), max_size=40)),
    max_size=6,
)
FRESH = "fresh"  # replaced by a timestamp no earlier event had, so the event is not a duplicate
STAMP = st.one_of(
    st.just(FRESH),
    st.just(FRESH),
    st.just(FRESH),
    st.none(),
    st.text(max_size=30),
    st.integers(),
    st.datetimes().map(lambda d: d.isoformat() + "Z"),
    st.just("2026-03-02T10:00:00.000000Z"),
)
MESSAGE_TYPE = st.one_of(st.none(), st.text(max_size=20), ANYTHING)
EVENT_TYPE = st.one_of(*[st.sampled_from(sorted(KNOWN))] * 3, st.text(max_size=40))


@FUZZ
@given(
    events=st.lists(
        st.fixed_dictionaries(
            {"event_type": EVENT_TYPE, "properties": st.one_of(*[PROPERTIES] * 3, ANYTHING)},
            optional={"timestamp": STAMP, "message_type": MESSAGE_TYPE},
        ),
        min_size=1,
        max_size=4,
    )
)
@example(events=[{"event_type": "application.recording_ready", "properties": {"duration": float("inf")}}])
@example(events=[{"event_type": "application.recording_ready", "properties": {"duration": float("nan")}}])
@example(events=[{"event_type": "application.recording_ready", "properties": {"duration": -3600}}])
@example(events=[{"event_type": "system.shutdown", "timestamp": "not a time", "properties": {}}])
def test_junk_events_for_a_live_conversation(driver, served, slack, tavus, events):
    """Events for a real conversation (its own callback URL and Tavus id) with junk in them: each is
    applied or refused, never a 5xx, and the store, the card and its thread stay valid."""
    store = served.deps.store
    tavus.control("config", {"concurrency_limit": 10_000})
    persona = store.personas_of("T0ACME01", "U0OWNER1") or [create_persona(driver, served)]
    live = start_interview(driver, served, persona[0].persona_id)  # a new one each time: every state
    try:
        send_junk(live, served, slack, events)
    finally:  # Tavus ends it, so the next example's start finds no interview of this one running
        tavus.control(f"conversations/{live.conversation_id}/end")
        wait_until(lambda: store.conversation_by_token(live.token).status in FINAL, what="ended")


def send_junk(live, served, slack, events) -> None:
    store = served.deps.store
    for event in events:
        body = {"conversation_id": live.conversation_id, **event}
        if body.get("timestamp") == FRESH:
            body["timestamp"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        response = httpx.post(callback_url(served, live), content=json.dumps(body).encode())
        assert response.status_code in (200, 400), response.text[:300]
        if response.status_code == 200 and response.json()["applied"]:
            status = store.conversation_by_token(live.token).status
            if event["event_type"] == "system.shutdown":
                assert status == "ended"
            elif event["event_type"] == "system.replica_joined":
                assert status in ("live", "ended")
        assert store.invariant_violations() == []
    card = slack.state.find_message(live.channel_id, live.message_ts)
    assert card is not None and blocks_problem(card["blocks"]) is None
    refused = [e for e in slack.state.log if isinstance(e.get("result"), dict) and not e["result"].get("ok")]
    assert refused == []  # every card update and thread reply was a message Slack accepts
