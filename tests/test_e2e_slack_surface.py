"""Help, App Home, signatures, events and expired triggers, against the served app."""

import time

from bot.slack import ids
from tests.conftest import wait_until
from tests.helpers import create_persona, start_interview


def test_help_for_empty_unknown_and_help(driver):
    for text in ("", "   ", "help", "frobnicate now", "ÜNICODE ✨ שלום"):
        body = driver.command(text).json()
        assert body["response_type"] == "ephemeral"
        blocks = str(body["blocks"])
        for sub in ("persona", "personas", "interview", "interviews", "end", "delete"):
            assert f"/tavus {sub}" in blocks
        assert "Example:" in blocks


def test_custom_command_name(serve, slack):
    from sim.driver import SlackDriver
    from tests.conftest import SIGNING_SECRET

    served = serve(SLACK_COMMAND="/interviewbot")
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    body = driver.command("help", command="/interviewbot").json()
    assert "/interviewbot persona" in str(body["blocks"])


def test_app_home_lists_personas_and_interviews(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    live = start_interview(driver, served, persona.persona_id)
    ended = start_interview(driver, served, persona.persona_id, name="Round 2")
    tavus.control(f"conversations/{ended.conversation_id}/leave")
    wait_until(lambda: served.deps.store.recently_ended("T0ACME01", "U0OWNER1"), what="ended")
    assert driver.home_opened().status_code == 200
    home = wait_until(lambda: slack.state.home.get("U0OWNER1"), what="home published")
    text = str(home["blocks"])
    assert persona.persona_id in text and live.conversation_id in text and ended.conversation_id in text
    assert ids.OPEN_NEW_PERSONA in text and ids.OPEN_START_INTERVIEW in text
    assert "Recently ended" in text


def test_app_home_buttons_open_modals_and_end(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    conv = start_interview(driver, served, persona.persona_id)
    driver.home_opened()
    home = wait_until(lambda: slack.state.home.get("U0OWNER1"), what="home")
    driver.click(ids.OPEN_START_INTERVIEW, view_id=home["id"])
    wait_until(lambda: driver.latest_view(ids.START_INTERVIEW), what="start interview modal")
    driver.click(ids.OPEN_NEW_PERSONA, view_id=home["id"])
    wait_until(lambda: driver.latest_view(ids.NEW_PERSONA), what="new persona modal")
    driver.click(ids.END, conv.conversation_id, view_id=home["id"])
    wait_until(lambda: "Ended *" in str(slack.state.home["U0OWNER1"]["blocks"]), what="home notice")
    assert tavus.state.conversations[conv.conversation_id].status == "ended"


def test_event_retries_are_handled_once(driver, slack, served):
    driver.event({"type": "app_home_opened", "user": "U0OWNER1", "tab": "home"}, event_id="Ev0SAME1")
    driver.event(
        {"type": "app_home_opened", "user": "U0OWNER1", "tab": "home"}, event_id="Ev0SAME1", retry_num=1
    )
    wait_until(lambda: slack.state.calls_to("views.publish"), what="publish")
    time.sleep(0.3)
    assert len(slack.state.calls_to("views.publish")) == 1


def test_url_verification(driver):
    import json

    response = driver.post(
        json.dumps({"type": "url_verification", "challenge": "abc123"}), "application/json"
    )
    assert response.json() == {"challenge": "abc123"}


def test_bad_signatures_are_rejected_without_effect(driver, slack, served):
    import httpx

    body = "command=%2Ftavus&text=persona&team_id=T0ACME01&user_id=U0OWNER1&trigger_id=1.2.3"
    url = f"{served.url}/slack/events"
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": "v0=" + "0" * 64,
    }
    assert httpx.post(url, content=body, headers=headers).status_code == 401
    assert httpx.post(url, content=body, headers={"Content-Type": headers["Content-Type"]}).status_code == 401
    driver.clock_skew = -600  # a replay from ten minutes ago
    assert driver.command("persona").status_code == 401
    assert not slack.state.calls_to("views.open")


def test_expired_trigger_is_explained(driver, slack, served):
    slack.state.trigger_ttl = 0.0
    response = driver.command("persona")
    texts = wait_until(
        lambda: [r["body"]["text"] for r in slack.state.responses if r["url"] == response.response_url],
        what="explanation",
    )
    assert "Slack took too long to open the form" in texts[0]


def test_join_click_is_acknowledged(driver, served):
    assert driver.click(ids.JOIN, "c123", channel="C0GENERAL").status_code == 200


def test_healthz(served):
    import httpx

    assert httpx.get(f"{served.url}/healthz").json() == {"ok": True}


def test_an_admins_home_lists_everyones_invites_too(driver, slack, served):
    persona = create_persona(driver, served, name="Screening bot")
    driver.command("interview Screening bot <@U0CAND01|casey> Frontend round", channel="C0HIRING1")
    invite = wait_until(lambda: served.deps.store.invites_of("T0ACME01", "U0OWNER1"), what="invite")[0]
    live = start_interview(driver, served, persona.persona_id)
    driver.home_opened(user="U0ADMIN1")
    home = wait_until(lambda: slack.state.home.get("U0ADMIN1"), what="the admin's home")
    everyone = str(home["blocks"]).split("Everyone's")[1]
    assert "invites, waiting and live interviews* (2)" in everyone
    assert invite.ref in everyone and "Invited" in everyone and ids.CANCEL_INVITE in everyone
    assert live.conversation_id in everyone and "started by <@U0OWNER1>" in everyone
    assert "/i/" not in str(home["blocks"])  # the link stays with its owner
