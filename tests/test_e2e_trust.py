"""Issue 23 ("Trust, again"): the HTTP surface, listeners and access, against the served app."""

from __future__ import annotations

import hashlib
import hmac
import logging
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest

from bot.slack import ids
from bot.web.slack_events import MAX_SLACK_BODY
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, wait_until
from tests.helpers import create_persona, interview_values, open_modal, responses_text
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
    assert httpx.post(link, timeout=20).status_code == 303  # into the room
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
        response = driver.command(text, channel=channel)
        said = wait_until(
            lambda: [t for t in responses_text(slack, response.response_url) if "direct message" in t],
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
