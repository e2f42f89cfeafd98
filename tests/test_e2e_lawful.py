"""Issue 24 end to end: lawful AI interviews. A policy per workspace (or per interview), no emotion
reading under EU rules, notice and consent before Start with a stored receipt, New York City's
notice timing, an alternative or an accommodation, and an advisory report."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import httpx
import pytest

from bot.services.starting.lawful import business_days_after
from bot.slack import ids
from sim.driver import SlackDriver, checks_value, form_values, select_value
from tests.conftest import SIGNING_SECRET, wait_until
from tests.helpers import (
    callback_url,
    channel_messages,
    consent_form,
    create_persona,
    interview_values,
    open_modal,
    press_start,
    responses_text,
)
from tests.test_e2e_candidates import external, result_link, start_with

BOTH_BACKENDS = True
PLAN = "experience: How many years have you built backend services? -> years"


def save_policy(driver, slack, served, policy: str, *, posted: bool = False) -> None:
    """An admin chooses the workspace's policy in Interview settings."""
    driver.home_opened("U0ADMIN1")
    home = wait_until(lambda: slack.state.home.get("U0ADMIN1"), what="admin home")
    driver.click(ids.OPEN_INTERVIEW_SETTINGS, user="U0ADMIN1", view_id=home["id"])
    view = wait_until(lambda: driver.latest_view(ids.INTERVIEW_SETTINGS, "U0ADMIN1"), what="settings modal")
    assert policy in str(view["blocks"])
    values = {
        ids.S_OPEN: {ids.VALUE: checks_value("on")},
        ids.S_RESULTS: {ids.VALUE: select_value("owner")},
        ids.S_POLICY: {ids.VALUE: select_value(policy)},
        ids.S_NOTICE_POSTED: {ids.VALUE: checks_value("on") if posted else checks_value()},
    }
    answer = driver.submit(view["id"], values, user="U0ADMIN1")
    assert "errors" not in answer.text, answer.text
    wait_until(lambda: served.deps.store.interview_settings("T0ACME01")["policy"] == policy, what="saved")


def test_the_workspace_policy_is_kept_with_each_interview_and_the_form_overrides_it(
    driver, slack, tavus, served
):
    persona = create_persona(driver, served, perception="off")
    save_policy(driver, slack, served, "illinois")
    first = start_with(driver, served, persona.persona_id, **external())
    assert first.policy == "illinois"
    extra = {**external("Joe Roe", "joe@example.com"), ids.I_POLICY: select_value("eu")}
    start_with(driver, served, persona.persona_id, **extra)
    joe = wait_until(
        lambda: [c for c in served.deps.store._conversations("candidate_name = ?", ("Joe Roe",))],
        what="the second interview",
    )
    assert joe[0].policy == "eu"
    driver.command(f"interview {persona.persona_id} sam@example.com Quick round", channel="C0HIRING1")
    sam = wait_until(
        lambda: served.deps.store._conversations("candidate_email = ?", ("sam@example.com",)),
        what="the quick command's interview",
    )
    assert sam[0].policy == "illinois"  # the quick command keeps the workspace's
    view = open_modal(driver, "interview", ids.START_INTERVIEW)
    forged = {**interview_values(persona.persona_id), ids.I_POLICY: {ids.VALUE: select_value("mars")}}
    assert ids.I_POLICY in driver.submit(view["id"], forged).json().get("errors", {})


def test_eu_refuses_emotion_perception_and_its_report_carries_no_perception_text(
    driver, slack, tavus, served
):
    save_policy(driver, slack, served, "eu")
    reader = create_persona(driver, served, name="Reader", perception="raven-1")
    view = open_modal(driver, "interview", ids.START_INTERVIEW)
    driver.submit(view["id"], interview_values(reader.persona_id))
    refused = wait_until(
        lambda: (
            "Perception model: Off" in str(slack.state.views[view["id"]]["blocks"])
            and str(slack.state.views[view["id"]]["blocks"])
        ),
        what="refused",
    )
    assert "Reader" in refused and "EU/EEA" in refused and "raven-1" in refused
    assert not tavus.state.conversations
    plain_persona = create_persona(driver, served, name="Plain", perception="off")
    invited = start_with(driver, served, plain_persona.persona_id, **external())
    assert press_start(result_link(slack)).status_code == 303  # notice read, consent given
    conv = wait_until(
        lambda: (c := served.deps.store.conversation_by_token(invited.token)).conversation_id and c,
        what="the call",
    )
    sent = tavus.state.personas[plain_persona.persona_id]["layers"]["perception"]
    assert sent["perception_model"] == "off"  # what Tavus runs the call with
    assert served.deps.store.conversation_by_token(conv.token).policy == "eu"
    tavus.control(f"conversations/{conv.conversation_id}/join")
    wait_until(lambda: served.deps.store.conversation_by_token(conv.token).status == "live", what="live")
    analysis = {"analysis": "The candidate looked anxious and smiled nervously."}
    body = {
        "conversation_id": conv.conversation_id,
        "event_type": "application.perception_analysis",
        "timestamp": "2026-01-01T00:00:00Z",
        "properties": analysis,
    }
    assert httpx.post(callback_url(served, conv), json=body).status_code == 200  # sent anyway
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    report = wait_until(lambda: report_text(slack, "off under EU/EEA rules"), what="report")
    assert "anxious" not in report and "nervously" not in report


def report_text(slack, *words, channel="D0OWNER1") -> str | None:
    found = [m for m in channel_messages(slack, channel) if m.get("text", "").startswith("Interview report")]
    text = str(found[-1]["blocks"]) if found else ""
    return text if found and all(w in text for w in words) else None


@pytest.mark.parametrize("policy", ["eu", "illinois", "nyc", "other"])
def test_start_needs_the_consent_the_policy_asks_for_and_leaves_a_receipt(
    driver, slack, tavus, served, policy
):
    persona = create_persona(driver, served, plan=PLAN, perception="off" if policy == "eu" else "raven-0")
    save_policy(driver, slack, served, policy, posted=True)  # NYC: notice given with the job posting
    conv = start_with(
        driver, served, persona.persona_id, **external(), **{ids.I_OPTIONS: checks_value("recording")}
    )
    link = result_link(slack)
    page = httpx.get(link).text
    assert "AI interviewer" in page and "Jane" not in page.split("<main>")[0]
    assert "years have you built backend services" in page  # what it evaluates, from the plan's objectives
    assert "recorded (video and audio)" in page and "90 days" in page and "a person decides" in page
    assert "Who receives the results: Olivia Owner and the hiring team" in page  # whom to contact
    analysed = "are not analysed" if policy == "eu" else "Your video is analysed by the AI (Tavus Raven-0)"
    assert analysed in page  # exactly what is analysed, by the persona's perception model
    boxes = set(consent_form(page)["consent"])
    assert boxes == ({"ai", "recording"} if policy == "eu" else {"ai", "recording", "analysis"})
    assert "checked" not in page
    for partial in ({"consent": []}, {"consent": ["ai"]}):
        refused = httpx.post(link, data={**consent_form(page), **partial})
        assert refused.status_code == 400 and "tick each box" in refused.text
    forged = httpx.post(link, data={**consent_form(page), "notice": "0" * 64})
    assert forged.status_code == 400 and "changed" in forged.text
    assert httpx.post(link[:-3] + "xyz", data=consent_form(page)).status_code == 404  # wrong link token
    assert not tavus.state.conversations and served.deps.store.receipt(conv.token) is None
    assert served.deps.store.conversation_by_token(conv.token).status == "invited"
    assert press_start(link).status_code == 303 and len(tavus.state.conversations) == 1
    receipt = served.deps.store.receipt(conv.token)
    assert receipt["policy"] == policy and receipt["notice_version"] == "v1"
    assert receipt["notice_sha256"] == consent_form(page)["notice"]
    assert json.loads(receipt["choices"]) == {box: True for box in boxes}
    assert httpx.post(link, data=consent_form(page)).status_code == 303  # a replay rejoins, no new receipt
    assert served.deps.store.receipt(conv.token)["given_at"] == receipt["given_at"]
    cid = served.deps.store.conversation_by_token(conv.token).conversation_id
    tavus.control(f"conversations/{cid}/join")
    tavus.control(f"conversations/{cid}/leave")
    label = {"eu": "EU/EEA", "illinois": "Illinois", "nyc": "New York City", "other": "Other"}[policy]
    report = wait_until(lambda: report_text(slack, "Consent:* given"), what="report with consent")
    assert f"under {label} (notice v1, sha256 {receipt['notice_sha256'][:16]}" in report
    assert "This report is advisory: a person decides." in report


def test_business_days_skip_weekends():
    friday = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
    assert business_days_after(friday, 10) == datetime(2026, 12, 18, 9, 30, tzinfo=UTC)
    assert business_days_after(friday, 1).weekday() == 0  # Monday
    assert business_days_after(datetime(2026, 12, 5, tzinfo=UTC), 1) == datetime(2026, 12, 7, tzinfo=UTC)


def test_nyc_invites_open_ten_business_days_after_notice_unless_the_posting_gave_it(
    driver, slack, tavus, served
):
    persona = create_persona(driver, served, perception="off")
    save_policy(driver, slack, served, "nyc")
    soon = {ids.I_OPENS: {"type": "datetimepicker", "selected_date_time": int(time.time()) + 3600}}
    view = open_modal(driver, "interview", ids.START_INTERVIEW)
    driver.submit(view["id"], {**interview_values(persona.persona_id), **form_values(**external(**soon))})
    refused = wait_until(
        lambda: (
            "at the earliest" in str(slack.state.views[view["id"]]["blocks"])
            and str(slack.state.views[view["id"]]["blocks"])
        ),
        what="refused",
    )
    earliest = business_days_after(datetime.now(UTC), 10)
    assert "10 business days" in refused and earliest.strftime("%A %d %B %Y at") in refused
    assert "Monday to Friday" in refused and "job posting" in refused
    assert not served.deps.store._conversations("team_id = ?", ("T0ACME01",))
    # no opening time chosen: the invite opens at the earliest allowed time
    conv = start_with(driver, served, persona.persona_id, **external())
    opens = datetime.fromisoformat(conv.opens_at)
    assert abs((opens - earliest).total_seconds()) < 120
    assert "opens on" in httpx.get(result_link(slack)).text and not tavus.state.conversations
    save_policy(driver, slack, served, "nyc", posted=True)
    start_with(driver, served, persona.persona_id, **external("Joe Roe", "joe@example.com", **soon))
    joe = wait_until(
        lambda: served.deps.store._conversations("candidate_name = ?", ("Joe Roe",)), what="accepted"
    )
    assert joe[0].status == "invited"


def test_a_request_for_a_person_pauses_the_invite_and_reaches_the_owner(driver, slack, tavus, served):
    persona = create_persona(driver, served, perception="off")
    conv = start_with(driver, served, persona.persona_id, **external())
    link = result_link(slack)
    page = httpx.get(link).text
    assert "I'd prefer an interview with a person" in page and "I need an accommodation" in page
    too_long = httpx.post(link, data={"ask": "person", "words": "x" * 1001})
    assert too_long.status_code == 400 and "at most 1000" in too_long.text
    assert httpx.post(link, data={"ask": "teleport"}).status_code == 400
    words = "I use a screen reader <b>*please*</b> <!channel> & call me"
    asked = httpx.post(link, data={"ask": "person", "words": words})
    assert asked.status_code == 200 and "You asked for an interview with a person" in asked.text
    assert "Olivia Owner, who will contact you" in asked.text and "<b>" not in asked.text
    dm = wait_until(
        lambda: [m for m in channel_messages(slack, "D0OWNER1") if "asked for" in m.get("text", "")],
        what="the owner told",
    )[0]
    blocks = dm["blocks"]
    said = next(b for b in blocks if b.get("text", {}).get("type") == "plain_text")["text"]["text"]
    assert words in said  # their words, shown as typed: plain text, never mrkdwn
    assert "<!channel>" not in dm["text"] and "Jane Doe" in str(blocks)
    # Start is now refused with a sentence, and nothing is created at Tavus
    refused = httpx.post(link, data=consent_form(page))
    assert refused.status_code == 409 and "will not start from this link" in refused.text
    assert not tavus.state.conversations
    assert httpx.post(link, data={"ask": "accommodation"}).status_code == 200  # asked once: no second DM
    button = next(b for b in blocks if b["type"] == "actions")["elements"][0]
    assert button["action_id"] == ids.MARK_HANDLED
    driver.click(ids.MARK_HANDLED, button["value"], user="U0OTHER1", channel="D0OWNER1", message=dm)
    driver.click(ids.MARK_HANDLED, button["value"], user="U0OWNER1", channel="D0OWNER1", message=dm)
    invite = wait_until(
        lambda: (i := served.deps.store.invite(conv.token)) and i["handled_at"] and i, what="handled"
    )
    assert invite["handled_by"] == "U0OWNER1" and invite["request_kind"] == "person"
    actions = [a["action"] for a in served.deps.store.audit_log("T0ACME01")]
    assert "invite.request" in actions and actions.count("invite.request_handled") == 1
    assert len([m for m in channel_messages(slack, "D0OWNER1") if "asked for" in m.get("text", "")]) == 1


def test_persona_lists_say_each_personas_perception():
    from bot.records import PersonaRecord
    from bot.slack.lists import persona_detail

    made = dict(team_id="T", owner_id="U", created_at="2026-01-01T00:00:00Z", replica_id="r1")
    assert "perception raven-1" in persona_detail(
        PersonaRecord("p1", name="A", perception_model="raven-1", **made), {}
    )
    assert "perception off" in persona_detail(
        PersonaRecord("p2", name="B", perception_model=None, **made), {}
    )


@pytest.mark.parametrize("policy", ["eu", "illinois", "nyc"])
def test_where_the_notice_comes_first_no_interview_starts_without_its_page(
    driver, slack, tavus, served, serve, policy
):
    """No open interview (nobody would read the notice), and no candidate interview without the
    invite page (PUBLIC_URL): refused with a sentence, nothing made at Tavus."""
    persona = create_persona(driver, served, name="Plain", perception="off")
    save_policy(driver, slack, served, policy, posted=True)
    asked = driver.command("interview Plain Open round", channel="C0HIRING1")
    said = wait_until(lambda: said_with(slack, asked, "named candidate"), what="the refusal")
    assert "add the candidate" in said and not tavus.state.conversations
    # the same workspace and database, without a public address: the first app (its worker too, which
    # would run the second's queued start with its own settings) is stopped first (issue 26)
    served.server.stop()
    bare = serve(PUBLIC_URL=None)
    other = SlackDriver(bare.url, SIGNING_SECRET, slack.sim.state, slack.url)
    try:
        asked = other.command(f"interview {persona.persona_id} jo@example.com Round", channel="C0HIRING1")
        said = wait_until(lambda: said_with(slack, asked, "PUBLIC_URL"), what="the refusal")
    finally:
        other.close()
    assert "invite page" in said and not tavus.state.conversations
    assert not bare.deps.store.active_in_team("T0ACME01")


def said_with(slack, response, words: str) -> str | None:
    return next((t for t in responses_text(slack, response.response_url) if words in t), None)
