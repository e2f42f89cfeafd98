"""Issue 24 end to end: lawful AI interviews. A policy per workspace (or per interview), no emotion
reading under EU rules, notice and consent before Start with a stored receipt, New York City's
notice timing, an alternative or an accommodation, and an advisory report."""

from __future__ import annotations

from bot.slack import ids
from sim.driver import checks_value, select_value
from tests.conftest import wait_until
from tests.helpers import create_persona, interview_values, open_modal
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
    other = start_with(
        driver,
        served,
        persona.persona_id,
        **external("Joe Roe", "joe@example.com"),
        **{ids.I_POLICY: select_value("eu")},
    )
    assert served.deps.store.conversation_by_token(other.token).policy == "eu"
    view = open_modal(driver, "interview", ids.START_INTERVIEW)
    forged = {**interview_values(persona.persona_id), ids.I_POLICY: {ids.VALUE: select_value("mars")}}
    assert ids.I_POLICY in driver.submit(view["id"], forged).json().get("errors", {})
