"""Issue 24 end to end: lawful AI interviews. A policy per workspace (or per interview), no emotion
reading under EU rules, notice and consent before Start with a stored receipt, New York City's
notice timing, an alternative or an accommodation, and an advisory report."""

from __future__ import annotations

import httpx

from bot.slack import ids
from sim.driver import checks_value, select_value
from tests.conftest import wait_until
from tests.helpers import (
    callback_url,
    channel_messages,
    create_persona,
    interview_values,
    open_modal,
    start_interview,
)
from tests.test_e2e_candidates import external, start_with

BOTH_BACKENDS = True


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
    conv = start_interview(driver, served, plain_persona.persona_id)
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
