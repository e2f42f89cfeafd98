"""Issue 14 end to end: candidates, private invite links, the candidate's page, private cards,
results where the workspace decides, forget and retention, against the stand-ins."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from bot.services.calls.reconciler import Reconciler
from bot.slack import ids
from sim.driver import SlackDriver, form_values, text_value
from tests.conftest import SIGNING_SECRET, run_in_app_loop, wait_until
from tests.helpers import (
    channel_messages,
    create_persona,
    interview_values,
    open_modal,
    press_start,
    responses_text,
)

BOTH_BACKENDS = True
LINK = re.compile(r"https?://[^\s`|>]+/i/[A-Za-z0-9_-]+")


def start_with(driver, served, persona_id, user="U0OWNER1", **extra):
    """Submit the Start interview modal with candidate fields; return the stored interview."""
    view = open_modal(driver, "interview", ids.START_INTERVIEW, user)
    values = interview_values(persona_id, candidate=extra.pop("candidate", None))
    values.update(form_values(**extra))
    response = driver.submit(view["id"], values, user=user)
    assert response.json().get("response_action") == "update", response.text
    store = served.deps.store
    return wait_until(
        lambda: next(
            (c for c in store._conversations("team_id = ?", ("T0ACME01",)) if c.message_ts),
            None,
        ),
        what="interview card posted",
    )


def result_link(slack) -> str:
    """The private link the owner sees in the result modal."""
    views = wait_until(
        lambda: [v for v in slack.state.views.values() if LINK.search(str(v.get("blocks")))],
        what="result view with the link",
    )
    return LINK.search(str(views[-1]["blocks"])).group(0)


def card(slack, conv):
    return slack.state.find_message(conv.channel_id, conv.message_ts)


def assert_private(slack, conv, served):
    """Neither the room nor the invite link is ever in a channel."""
    fresh = served.deps.store.conversation_by_token(conv.token)
    for channel, messages in slack.state.messages.items():
        if channel.startswith("D"):
            continue
        text = str(messages)
        assert "/i/" not in text, channel
        if fresh.url:
            assert fresh.url.split("://")[1] not in text, channel


@pytest.fixture
def driver_factory(slack):
    made: list[SlackDriver] = []

    def make(served) -> SlackDriver:
        made.append(SlackDriver(served.url, SIGNING_SECRET, slack.sim.state, slack.url))
        return made[-1]

    yield make
    for d in made:
        d.close()


@pytest.fixture
def persona(driver, served):
    return create_persona(driver, served)


def external(name="Jane Doe", email="jane@example.com", **more):
    fields = {ids.I_CANDIDATE_NAME: text_value(name), ids.I_CANDIDATE_EMAIL: text_value(email)}
    return {**fields, **more}


def test_external_candidate_invite_starts_only_on_press(driver, slack, tavus, served, persona):
    conv = start_with(driver, served, persona.persona_id, **external())
    assert conv.status == "invited" and not tavus.state.conversations  # no Tavus call yet
    blocks = str(card(slack, conv)["blocks"])
    assert "Jane Doe" in blocks and "Invited" in blocks and "<!date^" in blocks and "jane@" not in blocks
    assert ids.JOIN not in blocks and ids.CANCEL_INVITE in blocks
    link = result_link(slack)
    page = httpx.get(link)
    assert page.status_code == 200 and "Start the interview" in page.text
    assert "Backend round 1" in page.text and "AI interviewer" in page.text and "30 minutes" in page.text
    assert "not recorded" in page.text and "is analysed" in page.text
    assert not tavus.state.conversations  # reading the page starts nothing
    first = press_start(link)
    assert first.status_code == 303
    ((cid, sim_conv),) = tavus.state.conversations.items()
    assert sim_conv.body["require_auth"] is True
    token = sim_conv.body["meeting_token"]
    assert first.headers["location"] == f"{sim_conv.body['conversation_url']}?t={token}"
    assert httpx.get(first.headers["location"]).status_code == 200
    assert httpx.get(sim_conv.body["conversation_url"]).status_code == 403  # no token, no room
    again = httpx.post(link)  # a reloaded tab rejoins the same room
    assert again.status_code == 303 and again.headers["location"] == first.headers["location"]
    assert len(tavus.state.conversations) == 1
    wait_until(lambda: "Waiting for the candidate" in str(card(slack, conv)["blocks"]), what="card waiting")
    tavus.control(f"conversations/{cid}/join")
    wait_until(lambda: "Live since" in str(card(slack, conv)["blocks"]), what="card live")
    tavus.control(f"conversations/{cid}/leave")
    wait_until(lambda: "the candidate left" in str(card(slack, conv)["blocks"]), what="card ended")
    assert "has ended" in httpx.get(link).text
    # results: the owner's DM thread by default, nothing in the channel's thread
    dm = wait_until(
        lambda: len(channel_messages(slack, "D0OWNER1")) >= 3 and channel_messages(slack, "D0OWNER1"),
        what="results in the owner's DM",
    )
    root = dm[0]
    assert "Results of" in root["text"] and all(m.get("thread_ts") == root["ts"] for m in dm[1:])
    assert not [m for m in channel_messages(slack, "C0HIRING1") if m.get("thread_ts")]
    assert_private(slack, conv, served)


def test_slack_candidate_gets_the_link_by_dm_and_cancel_revokes_it(driver, slack, tavus, served, persona):
    conv = start_with(driver, served, persona.persona_id, candidate="U0CAND01")
    dm = wait_until(lambda: channel_messages(slack, "D0CAND01"), what="candidate DM")
    link = LINK.search(dm[-1]["text"]).group(0)
    assert "/i/" in link and not tavus.state.conversations
    assert f"\n<{link}|{link}>\nIt opens" in dm[-1]["text"]  # not run into the next sentence
    driver.click(ids.CANCEL_INVITE, conv.ref, user="U0OTHER1", channel="C0HIRING1", message=card(slack, conv))
    time.sleep(0.3)
    assert served.deps.store.conversation_by_token(conv.token).status == "invited"  # not theirs
    driver.click(ids.CANCEL_INVITE, conv.ref, user="U0OWNER1", channel="C0HIRING1", message=card(slack, conv))
    wait_until(lambda: "Cancelled by <@U0OWNER1>" in str(card(slack, conv)["blocks"]), what="card cancelled")
    wait_until(lambda: "cancelled" in channel_messages(slack, "D0CAND01")[-1]["text"], what="DM updated")
    page = httpx.post(link)
    assert page.status_code == 410 and "cancelled" in page.text and not tavus.state.conversations
    assert any(a["action"] == "interview.cancel" for a in served.deps.store.audit_log("T0ACME01"))
    assert_private(slack, conv, served)


def test_not_yet_open_and_expired_invites(driver, slack, tavus, served, persona):
    later = {"type": "datetimepicker", "selected_date_time": int(time.time()) + 7200}
    conv = start_with(driver, served, persona.persona_id, **external(**{ids.I_OPENS: later}))
    link = result_link(slack)
    page = httpx.post(link)
    assert page.status_code == 200 and "opens on" in page.text and not tavus.state.conversations
    store = served.deps.store
    with store.db.write() as tx:  # the same invite, its window moved into the past
        tx.execute(
            "update conversations set opens_at = ?, expires_at = ? where token = ?",
            ("2020-01-01T00:00:00.000+00:00", "2020-01-04T00:00:00.000+00:00", conv.token),
        )
    page = httpx.post(link)
    assert page.status_code == 410 and "expired" in page.text and not tavus.state.conversations
    run_in_app_loop(served, Reconciler.of(served.deps, interval=60).round())
    wait_until(lambda: "Expired, never used" in str(card(slack, conv)["blocks"]), what="card expired")
    assert ids.CANCEL_INVITE not in str(card(slack, conv)["blocks"])


def test_concurrency_limit_on_start_says_busy_and_tells_the_owner(driver, slack, tavus, served, persona):
    start_with(driver, served, persona.persona_id, **external())
    link = result_link(slack)
    tavus.state.concurrency_limit = 0
    busy = press_start(link)
    assert busy.status_code == 503 and "busy" in busy.text and 'http-equiv="refresh"' in busy.text
    retry = re.search(r'url=(/i/[^"]+)', busy.text).group(1)
    told = wait_until(lambda: channel_messages(slack, "D0OWNER1"), what="owner told")
    assert "limit" in told[-1]["text"]
    press_start(link)  # a second busy press tells the owner only once
    tavus.state.concurrency_limit = 3
    base = link.split("/i/")[0]
    started = httpx.get(base + retry.replace("&amp;", "&"))
    assert started.status_code == 303 and "?t=" in started.headers["location"]
    assert len(channel_messages(slack, "D0OWNER1")) == 1


def test_open_interviews_can_be_turned_off_and_results_follow_the_admins_choice(
    driver, slack, tavus, served, persona
):
    driver.home_opened("U0ADMIN1")
    home = wait_until(lambda: slack.state.home.get("U0ADMIN1"), what="admin home")
    assert ids.OPEN_INTERVIEW_SETTINGS in str(home["blocks"])
    driver.click(ids.OPEN_INTERVIEW_SETTINGS, user="U0ADMIN1", view_id=home["id"])
    settings = {
        ids.S_OPEN: {ids.VALUE: {"type": "checkboxes", "selected_options": []}},
        ids.S_RESULTS: {ids.VALUE: {"type": "static_select", "selected_option": {"value": "channel"}}},
        ids.S_RESULTS_CHANNEL: {
            ids.VALUE: {"type": "conversations_select", "selected_conversation": "C0GENERAL"}
        },
        ids.S_CONSENT: {ids.VALUE: text_value("We keep the transcript for 90 days.")},
    }
    view = wait_until(lambda: driver.latest_view(ids.INTERVIEW_SETTINGS, "U0ADMIN1"), what="settings modal")
    assert driver.submit(view["id"], settings, user="U0OWNER1").json()["response_action"] == "errors"
    hidden = {
        **settings,
        ids.S_RESULTS_CHANNEL: {
            ids.VALUE: {"type": "conversations_select", "selected_conversation": "G0PRIVATE"}
        },
    }
    refused = driver.submit(view["id"], hidden, user="U0ADMIN1").json()
    assert ids.S_RESULTS_CHANNEL in refused["errors"]  # results could not land there
    driver.submit(view["id"], settings, user="U0ADMIN1")
    wait_until(
        lambda: served.deps.store.interview_settings("T0ACME01")["results_to"] == "channel", what="saved"
    )
    view = open_modal(driver, "interview", ids.START_INTERVIEW)
    refused = driver.submit(view["id"], interview_values(persona.persona_id))
    wait_until(
        lambda: "turned off" in str(slack.state.views.get(view["id"], {}).get("blocks")), what="refused"
    )
    assert refused.status_code == 200 and not tavus.state.conversations
    conv = start_with(driver, served, persona.persona_id, **external())
    link = result_link(slack)
    assert "90 days" in httpx.get(link).text  # the workspace's consent sentence
    press_start(link)
    cid = served.deps.store.conversation_by_token(conv.token).conversation_id
    tavus.control(f"conversations/{cid}/join")
    tavus.control(f"conversations/{cid}/leave")
    posted = wait_until(
        lambda: len(channel_messages(slack, "C0GENERAL")) >= 3 and channel_messages(slack, "C0GENERAL"),
        what="results in the chosen channel",
    )
    assert "Results of" in posted[0]["text"] and not channel_messages(slack, "D0OWNER1")
    assert_private(slack, conv, served)


def ended_with_results(driver, slack, tavus, served, persona):
    conv = start_with(driver, served, persona.persona_id, **external())
    press_start(result_link(slack))
    cid = served.deps.store.conversation_by_token(conv.token).conversation_id
    tavus.control(f"conversations/{cid}/join")
    tavus.control(f"conversations/{cid}/leave")
    wait_until(lambda: len(channel_messages(slack, "D0OWNER1")) >= 3, what="results")
    return served.deps.store.conversation_by_token(conv.token)


def test_forget_deletes_content_replies_and_the_conversation_at_tavus(driver, slack, tavus, served, persona):
    conv = ended_with_results(driver, slack, tavus, served, persona)
    assert served.deps.store.events_of(conv.conversation_id)
    response = driver.command(f"forget {conv.ref}", user="U0OTHER1")
    assert response.status_code == 200
    wait_until(
        lambda: any("can forget" in r["body"].get("text", "") for r in slack.state.responses), what="refused"
    )
    driver.command(f"forget {conv.ref}")
    wait_until(
        lambda: any(ids.FORGET in str(r["body"].get("blocks")) for r in slack.state.responses), what="prompt"
    )
    assert conv.conversation_id in tavus.state.conversations  # nothing happens before the confirmation
    driver.click(ids.FORGET, conv.ref, channel="C0HIRING1", ephemeral=True)
    store = served.deps.store
    wait_until(
        lambda: any(a["action"] == "interview.forget" for a in store.audit_log("T0ACME01")), what="audit"
    )
    wait_until(lambda: any("Forgot" in r["body"].get("text", "") for r in slack.state.responses), what="done")
    assert conv.conversation_id not in tavus.state.conversations
    wait_until(lambda: not channel_messages(slack, "D0OWNER1"), what="replies deleted")
    assert len(slack.state.deleted) >= 3
    store = served.deps.store
    assert store.events_of(conv.conversation_id) == [] and store.result_messages(conv.token) == []
    assert "Transcript" not in str([job.data for job in store.jobs(kind="reply")])  # nor the outbox's copies
    assert "Jane Doe" not in str(store.conversation_by_token(conv.token))
    assert any(
        a["action"] == "interview.forget" and a["user_id"] == "U0OWNER1" for a in store.audit_log("T0ACME01")
    )


def test_retention_deletes_old_content_and_keeps_who_did_what(driver, slack, tavus, served, persona):
    conv = ended_with_results(driver, slack, tavus, served, persona)
    store = served.deps.store
    assert store.events_of(conv.conversation_id)
    with store.db.write() as tx:  # everything older than RETENTION_DAYS (90 by default)
        tx.execute("update events set received_at = '2020-01-01T00:00:00.000+00:00'")
        tx.execute("update audit set at = '2020-01-01T00:00:00.000+00:00'")
        tx.execute("update conversations set updated_at = '2020-01-01T00:00:00.000+00:00'")
    run_in_app_loop(served, Reconciler.of(served.deps, interval=60).round())
    assert store.events_of(conv.conversation_id) == []
    audit = store.audit_log("T0ACME01")
    assert audit and all(a["detail"] is None and a["action"] and a["at"] for a in audit)
    assert store.invite(conv.token)["request"] is None
    # the outbox's copies of the results go too
    assert all(
        job.data in ({}, None) or "Transcript" not in str(job.data) for job in store.jobs(kind="reply")
    )


def test_without_public_url_the_call_is_created_at_once_and_stays_private(
    serve, driver_factory, slack, tavus
):
    served = serve(PUBLIC_URL=None)
    driver = driver_factory(served)
    persona = create_persona(driver, served)
    conv = start_with(driver, served, persona.persona_id, candidate="U0CAND01")
    ((cid, sim_conv),) = tavus.state.conversations.items()
    assert sim_conv.body["require_auth"] is True and conv.conversation_id == cid
    private = f"{sim_conv.body['conversation_url']}?t={sim_conv.body['meeting_token']}"
    dm = wait_until(lambda: channel_messages(slack, "D0CAND01"), what="candidate DM")
    assert private in dm[-1]["text"]
    wait_until(  # the owner's result modal has it too
        lambda: private in str([v.get("blocks") for v in slack.state.views.values()]), what="owner's result"
    )
    assert ids.JOIN not in str(card(slack, conv)["blocks"])
    assert_private(slack, conv, served)
    tavus.control(f"conversations/{cid}/end")
    run_in_app_loop(served, Reconciler.of(served.deps, interval=60).round())  # no callbacks: it polls
    wait_until(
        lambda: "has ended" in channel_messages(slack, "D0CAND01")[-1]["text"], what="DM updated on end"
    )


def test_quick_form_takes_an_email_and_bad_input_gets_a_clear_message(driver, slack, tavus, served, persona):
    response = driver.command("interview Interviewer jane@example.com Design round", channel="C0HIRING1")
    assert response.status_code == 200
    texts = wait_until(
        lambda: [r["body"]["text"] for r in slack.state.responses if "Invited" in r["body"].get("text", "")],
        what="the owner's private result",
    )
    link = LINK.search(texts[-1]).group(0)
    conv = served.deps.store.invites_of("T0ACME01", "U0OWNER1")[0]
    assert conv.candidate_email == "jane@example.com" and conv.name == "Design round"
    assert not tavus.state.conversations and "/i/" not in str(channel_messages(slack, "C0HIRING1"))
    assert httpx.get(link.rsplit("/", 1)[0] + "/not-a-real-token").status_code == 404
    assert httpx.post(link.rsplit("/", 1)[0] + "/" + "x" * 300).status_code == 404  # too long to look up
    view = open_modal(driver, "interview", ids.START_INTERVIEW)
    values = interview_values(persona.persona_id, candidate="U0CAND01")
    values.update(form_values(**external("Jane", "not-an-email")))
    errors = driver.submit(view["id"], values).json()["errors"]
    assert "not both" in errors[ids.I_CANDIDATE_NAME] and "email" in errors[ids.I_CANDIDATE_EMAIL]
    assert len(served.deps.store.invites_of("T0ACME01", "U0OWNER1")) == 1


def test_link_tokens_are_redacted_from_the_access_log():
    """The invite link's token and the callback token are credentials in URL paths."""
    import logging

    from bot.logs import RedactSecrets

    secret = "3cLauSQ4hvBKirQMQnWU_-sGAz3UU8EH7xt9VZy7Q4I"
    for path in (f"/i/{secret}", f"/tavus/callback/{secret}"):
        args = ("1.2.3.4:5", "POST", path, "1.1", 303)
        record = logging.LogRecord("uvicorn.access", 20, "x", 1, '%s - "%s %s HTTP/%s" %d', args, None)
        RedactSecrets([]).filter(record)  # serve() leaves uvicorn's lines to the root handler's format
        line = record.getMessage()
        assert secret not in line and "/***" in line and "303" in line


def test_a_start_cut_short_by_a_restart_leaves_the_invite_usable(driver, slack, tavus, served, persona):
    from datetime import timedelta

    from bot.services.calls.reconciler import Reconciler

    conv = start_with(driver, served, persona.persona_id, **external())
    link = result_link(slack)
    assert served.deps.store.claim_start(conv.token)  # the app died after the claim, before Tavus
    assert "Starting your interview" in httpx.get(link).text
    recovery = Reconciler.of(served.deps, interval=60, grace=timedelta(0)).recover(at_start=True)
    run_in_app_loop(served, recovery)
    assert served.deps.store.conversation_by_token(conv.token).status == "invited"
    assert not channel_messages(slack, "D0OWNER1")  # nothing to tell: the candidate can press again
    assert press_start(link).status_code == 303 and len(tavus.state.conversations) == 1


@pytest.mark.parametrize("results_to", ["thread", "channel"])
def test_an_external_candidates_email_stays_out_of_shared_results(
    driver, slack, tavus, served, persona, results_to
):
    """Issue 23 #7: the quick command takes an email for the name; the card hides it, and so do the
    report and the results' root wherever others read them."""
    served.deps.store.save_interview_settings(
        "T0ACME01", "U0ADMIN1", results_to=results_to, results_channel="C0GENERAL"
    )
    slack.state.channels["C0GENERAL"].members.add(slack.state.bot_user)
    response = driver.command(f"interview {persona.name} jo@example.com Final round", channel="C0HIRING1")
    texts = wait_until(
        lambda: [t for t in responses_text(slack, response.response_url) if LINK.search(t)], what="link"
    )
    assert press_start(LINK.search(texts[0]).group(0)).status_code == 303
    ((cid, _),) = tavus.state.conversations.items()
    tavus.control(f"conversations/{cid}/join")
    conv = wait_until(lambda: served.deps.store.conversation(("T0ACME01"), cid), what="stored")
    wait_until(lambda: served.deps.store.conversation(("T0ACME01"), cid).status == "live", what="live")
    tavus.control(f"conversations/{cid}/leave")
    place = "C0HIRING1" if results_to == "thread" else "C0GENERAL"
    report = wait_until(
        lambda: [m for m in channel_messages(slack, place) if m["text"].startswith("Interview report")],
        what="the report where results go",
        timeout=15,
    )
    assert "An external candidate · persona" in str(report[0]["blocks"])
    shared = str([m for c, ms in slack.state.messages.items() if not c.startswith("D") for m in ms])
    assert "jo@example" not in shared and conv.candidate_email == "jo@example.com"
    if results_to == "channel":
        root = [m for m in channel_messages(slack, place) if m["text"].startswith(":clipboard: Results")]
        assert "· an external candidate · started by" in root[0]["text"]
