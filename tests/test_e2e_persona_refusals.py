"""Tavus's refusals of a persona form, said where they belong, through signed Slack requests: the
listeners hear them from bot/services/personas/forms.py, never as Tavus errors."""

from bot.slack import ids
from tests.conftest import wait_until
from tests.helpers import create_persona, open_modal, persona_values


def test_a_refused_system_prompt_is_shown_under_the_prompt(driver, slack, tavus, served):
    view = open_modal(driver, "persona", ids.NEW_PERSONA)
    refusal = {"error": "system_prompt contains a forbidden phrase"}
    tavus.control("faults", {"method": "POST", "path": "/v2/personas", "status": 400, "body": refusal})
    assert driver.submit(view["id"], persona_values()).json()["response_action"] == "update"

    def form_again():
        current = slack.state.views.get(view["id"], {})
        return current if "refused the system prompt" in str(current.get("blocks")) else None

    blocks = wait_until(form_again, what="form shown again with the error")["blocks"]
    at = next(i for i, b in enumerate(blocks) if b.get("block_id") == ids.P_PROMPT)
    said = blocks[at + 1]["elements"][0]["text"]
    assert "Tavus refused the system prompt: system_prompt contains a forbidden phrase" in said
    assert blocks[at]["element"]["initial_value"] == "You interview backend engineers."  # kept
    assert not served.deps.store.personas_of("T0ACME01", "U0OWNER1")


def test_an_edit_tavus_cannot_load_says_so(driver, slack, tavus, served):
    persona = create_persona(driver, served, name="Backend screen")
    tavus.control(
        "faults", {"method": "GET", "path": f"/v2/personas/{persona.persona_id}", "status": 404, "times": 5}
    )
    driver.click(ids.EDIT_PERSONA, persona.persona_id, channel="C0GENERAL", ephemeral=True)
    said = wait_until(
        lambda: [v for v in slack.state.views.values() if "couldn't load" in str(v.get("blocks"))],
        what="the edit's failure",
    )
    assert "I couldn't load *Backend screen*: Tavus no longer knows it" in str(said[-1]["blocks"])
    assert driver.latest_view(ids.EDIT_PERSONA_VIEW) is None  # no form filled in with nothing
