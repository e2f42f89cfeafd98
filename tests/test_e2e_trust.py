"""Issue 23 ("Trust, again"): the HTTP surface, listeners and access, against the served app."""

from __future__ import annotations

import hashlib
import hmac
import logging
import socket
import time
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from bot.config import Settings
from bot.logs import FILTER
from bot.slack import ids
from bot.web.slack_events import MAX_SLACK_BODY
from sim.driver import SlackDriver
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, wait_until
from tests.helpers import create_persona, interview_values, open_modal, press_start, responses_text
from tests.test_e2e_candidates import external, result_link, start_with
from tests.test_leaks import chunked_post_without_end


def signed_bytes(raw: bytes, content_type: str) -> dict[str, str]:
    """Slack's signature over raw bytes (the driver signs text, and this body is not text)."""
    ts = str(int(time.time()))
    mac = hmac.new(SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": "v0=" + mac.hexdigest(),
    }


def test_slack_events_refuses_a_body_past_the_limit_while_it_arrives(served):
    url = f"{served.url}/slack/events"
    # chunked, never finished: an app that buffers the whole body first never answers
    assert b" 413 " in chunked_post_without_end(url, MAX_SLACK_BODY).split(b"\r\n")[0]
    # a Content-Length past the limit is refused before a byte of the body is read
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=15) as sock:
        sock.sendall(
            f"POST /slack/events HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {150_000_000}\r\n\r\n".encode()
        )
        assert b" 413 " in sock.recv(4096).split(b"\r\n")[0]


def test_slack_events_answers_400_to_a_body_not_utf8_logged_at_a_rate(driver, caplog):
    raw = b"payload=%FF&text=\xff\xfe"  # the bytes 0xff 0xfe are never UTF-8
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            headers = signed_bytes(raw, "application/x-www-form-urlencoded")
            answer = driver.http.post(f"{driver.app_url}/slack/events", content=raw, headers=headers)
            assert answer.status_code == 400, answer.text
    lines = [r.getMessage() for r in caplog.records if "not UTF-8" in r.getMessage()]
    assert len(lines) == 1, lines
    assert "Traceback" not in caplog.text


def test_invite_page_never_depends_on_slack(driver, slack, tavus, served):
    """Slack resetting every connection, then stalling: the candidate still gets the page (with the
    workspace's name learnt earlier, in the background) at once, and Start still starts."""
    persona = create_persona(driver, served)
    start_with(driver, served, persona.persona_id, **external())
    link = result_link(slack)
    wait_until(lambda: served.deps.store.workspace("T0ACME01"), what="the workspace's name learnt")
    slack.state.faults.append({"method": "*", "kind": "reset", "times": 10_000})
    page = httpx.get(link, timeout=20)
    assert page.status_code == 200, page.text
    assert "Acme" in page.text and "Start the interview" in page.text
    slack.state.faults[:] = [{"method": "*", "kind": "stall", "seconds": 15, "times": 10_000}]
    began = time.monotonic()
    page = httpx.get(link, timeout=20)
    assert page.status_code == 200 and "Acme" in page.text
    assert time.monotonic() - began < 2.0  # the page waits on no Slack call
    assert press_start(link, timeout=20).status_code == 303  # into the room
    slack.state.faults.clear()


def test_sim_slack_answers_conversations_info_in_dms_like_slack(slack):
    def info(channel: str) -> dict:
        headers = {"Authorization": f"Bearer {BOT_TOKEN}"}
        return httpx.post(
            f"{slack.url}/api/conversations.info", json={"channel": channel}, headers=headers
        ).json()

    dm, group = slack.state.dm_channel("U0OWNER1"), slack.state.group_dm("U0OWNER1", "U0OTHER1")
    assert info(dm.id) | {"provided": ""} == {
        "ok": False,
        "error": "missing_scope",
        "needed": "im:read",
        "provided": "",
    }
    assert info(group.id)["needed"] == "mpim:read"
    public = info("C0HIRING1")["channel"]
    assert public["is_member"] and not public["is_archived"] and not public["is_ext_shared"]
    assert not public["is_private"] and not public["is_im"] and not public["is_mpim"]
    slack.state.scopes |= {"im:read", "mpim:read"}
    assert info(dm.id)["channel"]["is_im"] is True and "name" not in info(dm.id)["channel"]
    slack.state.channels[group.id].members.add(slack.state.bot_user)
    assert info(group.id)["channel"]["is_mpim"] is True


@pytest.mark.parametrize("where", ["dm", "group_dm", "group_dm_readable"])
def test_interview_typed_in_a_dm_is_refused_before_tavus(driver, slack, tavus, served, where):
    persona = create_persona(driver, served)
    if where == "dm":
        channel = slack.state.dm_channel("U0OWNER1").id
    else:
        channel = slack.state.group_dm("U0OWNER1", "U0OTHER1").id
    if where == "group_dm_readable":  # with mpim:read, Slack answers is_mpim: refused all the same
        slack.state.scopes.add("mpim:read")
        slack.state.channels[channel].members.add(slack.state.bot_user)
    for text in (f"interview {persona.persona_id}", f"interview {persona.persona_id} jane@example.com"):
        url = driver.command(text, channel=channel).response_url

        def refusal(url=url):
            return [t for t in responses_text(slack, url) if "direct message" in t]

        said = wait_until(
            refusal,
            what="the refusal",
        )
        assert "public channel" in said[0] and "private channel the Tavus app is in" in said[0]
    # the Start interview form with that channel (prefilled from where the command was typed)
    view = open_modal(driver, "interview", ids.START_INTERVIEW)
    answer = driver.submit(view["id"], interview_values(persona.persona_id, channel=channel)).json()
    assert answer["response_action"] == "errors" and "direct message" in answer["errors"][ids.I_CHANNEL]
    time.sleep(0.5)
    assert not tavus.state.conversations  # nothing created, nothing billed
    assert not served.deps.store.active_of("T0ACME01", "U0OWNER1")
    assert not served.deps.store.invites_of("T0ACME01", "U0OWNER1")


# Payload shapes from slack-bolt's own tests (github.com/slackapi/bolt-python): an org-wide install's
# block_actions and view_submission with `"team": null` (tests/slack_bolt/request/test_request.py),
# and a view_submission whose view has `"state": {}` (tests/scenario_tests_async/test_view_submission.py).
def org_wide(payload: dict) -> dict:
    """The payload as an org-wide install sends it: no team, the user's team and an enterprise."""
    return {
        **payload,
        "team": None,
        "enterprise": {"id": "E0ACME01", "name": "Acme Org"},
        "is_enterprise_install": True,
    }


def timed(send) -> tuple[object, float]:
    began = time.monotonic()
    answer = send()
    return answer, time.monotonic() - began


def test_real_shaped_payloads_get_a_clean_answer_never_500_nor_a_hang(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    for callback_id in (ids.NEW_PERSONA, ids.START_INTERVIEW):
        view = open_modal(driver, "persona" if callback_id == ids.NEW_PERSONA else "interview", callback_id)
        payload = driver._base("view_submission", "U0OWNER1", None)
        payload["view"] = {**view, "state": {}}  # as in bolt-python's view_submission test
        payload["response_urls"] = []
        answer, took = timed(lambda payload=payload: driver.interact(payload))
        assert answer.status_code == 200 and took < 2.5, (callback_id, answer.status_code, answer.text)
        assert answer.json()["response_action"] == "errors"  # the empty form explained, not a crash
    # an org-wide install: team null, the workspace in user.team_id
    view = open_modal(driver, "interview", ids.START_INTERVIEW)
    payload = org_wide(driver._base("view_submission", "U0OWNER1", None))
    payload["view"] = {**view, "state": {"values": interview_values(persona.persona_id)}, "response_urls": []}
    answer, took = timed(lambda: driver.interact(payload))
    assert answer.status_code == 200 and took < 2.5, answer.text
    assert answer.json()["response_action"] == "update"
    wait_until(
        lambda: served.deps.store.active_of("T0ACME01", "U0OWNER1"), what="the interview, in its workspace"
    )
    url = driver.response_url("actions")
    click = org_wide(driver._base("block_actions", "U0OWNER1", None))
    click |= {
        "container": {
            "type": "message",
            "message_ts": "1.2",
            "channel_id": "C0HIRING1",
            "is_ephemeral": True,
        },
        "channel": {"id": "C0HIRING1", "name": "hiring"},
        "state": {"values": {}},
        "response_url": url,
        "actions": [
            {"action_id": ids.END, "block_id": "b", "type": "button", "value": "nope", "action_ts": "1.3"}
        ],
    }
    answer, took = timed(lambda: driver.interact(click))
    assert answer.status_code == 200 and took < 2.5, (answer.status_code, took)
    wait_until(lambda: responses_text(slack, url), what="the answer to an org-wide click")
    # a click whose actions are missing (Bolt's own matcher fails on it: 400), and one with no
    # workspace or user at all (acknowledged, nothing done): at once, never a 500
    for broken in ({**click, "actions": []}, {k: v for k, v in click.items() if k not in ("team", "user")}):
        answer, took = timed(lambda broken=broken: driver.interact(broken))
        assert answer.status_code in (200, 400) and took < 2.5, (answer.status_code, took)
    # a slash command without its channel_id
    form = {
        "team_id": "T0ACME01",
        "user_id": "U0OWNER1",
        "command": "/tavus",
        "text": f"interview {persona.persona_id}",
    }
    form |= {"response_url": driver.response_url(), "trigger_id": slack.state.new_trigger("U0OWNER1")}
    answer, took = timed(lambda: driver.post(urlencode(form), "application/x-www-form-urlencoded"))
    assert answer.status_code == 200 and took < 2.5 and "public channel" in answer.text
    assert len(tavus.state.conversations) <= 1  # the one org-wide interview, if it was created at once


def test_a_listener_failing_after_its_ack_tells_the_person_and_the_log(driver, slack, served, caplog):
    slack.state.faults.append({"method": "views.open", "kind": "reset", "times": 10})
    url = driver.response_url("actions")
    with caplog.at_level(logging.ERROR):
        answer, took = timed(
            lambda: driver.click(ids.OPEN_NEW_PERSONA, channel="C0HIRING1", response_url=url)
        )
        assert answer.status_code == 200 and took < 2.5
        said = wait_until(lambda: responses_text(slack, url), what="a sentence to the person")
    assert "went wrong on our side" in said[0]
    assert any("on_open_new_persona failed" in r.getMessage() for r in caplog.records)


def oauth_settings(**values) -> Settings:
    return Settings(
        _env_file=None,
        SLACK_CLIENT_ID="1111.2222",
        SLACK_CLIENT_SECRET="sim-client-secret",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        TAVUS_SLACK_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        **values,
    )


def test_admins_are_per_workspace_with_oauth():
    with pytest.raises(ValidationError) as info:
        oauth_settings(TAVUS_SLACK_ADMINS="T0ACME01:U0ADMIN1, U0OTHER1")
    assert "T…:U…" in str(info.value) and "U0OTHER1" in str(info.value)
    assert oauth_settings(TAVUS_SLACK_ADMINS="T0ACME01:U0ADMIN1").admins == {"T0ACME01:U0ADMIN1"}
    with pytest.raises(ValidationError):
        oauth_settings(TAVUS_SLACK_ADMINS="not-a-team:U0ADMIN1")


@pytest.mark.parametrize(("admins", "may"), [("T0OTHER9:U0OTHER1", False), ("T0ACME01:U0OTHER1", True)])
def test_a_listed_admin_is_an_admin_of_their_own_workspace_only(serve, slack, tavus, admins, may):
    served = serve(TAVUS_SLACK_ADMINS=admins)
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    try:
        persona = create_persona(driver, served)
        url = driver.response_url("actions")
        driver.click(
            ids.DELETE_PERSONA, persona.persona_id, user="U0OTHER1", channel="C0GENERAL", response_url=url
        )
        said = wait_until(lambda: responses_text(slack, url), what="the answer to the delete")
        assert (persona.persona_id not in tavus.state.personas) is may, said
    finally:
        driver.close()


def test_a_demoted_slack_admin_cannot_end_anothers_interview(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    conv = start_with(driver, served, persona.persona_id, **external())
    assert driver.command("help", user="U0ADMIN1").status_code == 200  # Slack said admin: cached
    wait_until(lambda: served.deps.people._cache.get(("T0ACME01", "U0ADMIN1")), what="admin cached")
    slack.state.users["U0ADMIN1"]["is_admin"] = False  # demoted in Slack a moment later
    response = driver.command(f"end {conv.ref}", user="U0ADMIN1")
    said = wait_until(
        lambda: [t for t in responses_text(slack, response.response_url) if "hourglass" not in t],
        what="the answer",
    )
    assert served.deps.store.conversation_by_token(conv.token).status == "invited", said
    assert "Only <@U0OWNER1> or an admin" in said[-1] or "found no interview" in said[-1]


def test_a_stored_meeting_token_joins_the_log_filter_when_read(driver, slack, tavus, served, monkeypatch):
    persona = create_persona(driver, served)
    start_with(driver, served, persona.persona_id, **external())
    link = result_link(slack)
    assert press_start(link).status_code == 303
    ((cid, sim_conv),) = tavus.state.conversations.items()
    token = sim_conv.body["meeting_token"]
    # a process started later has learnt nothing yet: only the store holds the token
    monkeypatch.setattr(FILTER, "_known", set())
    monkeypatch.setattr(FILTER, "secrets", [])
    assert token in FILTER.redact(f"room ?t={token}")
    assert httpx.get(link, follow_redirects=False).status_code in (200, 303)  # the page reads the invite
    assert token not in FILTER.redact(f"room ?t={token}")
