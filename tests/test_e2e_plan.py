"""Issue 15 from Slack: a persona with an interview plan, compliance guardrails and a job description."""

from bot.slack import ids
from tests.conftest import wait_until
from tests.helpers import create_persona, open_modal, persona_values

PLAN = (
    "Last two roles: ask about their last two roles -> years, main_stack\nmotivation: why this team → reason"
)


def test_persona_with_plan_guardrails_and_job_description(driver, tavus, served):
    persona = create_persona(
        driver,
        served,
        name="Planned",
        plan=PLAN,
        guardrail_lines="Never discuss other candidates.",
        jd_url="https://example.org/jobs/backend.pdf",
    )
    sent = tavus.state.personas[persona.persona_id]
    objectives = tavus.state.objectives[sent["objectives_id"]]
    data = objectives["data"]
    assert [o["objective_name"] for o in data] == ["last_two_roles", "motivation"]
    assert data[0]["output_variables"] == ["years", "main_stack"]
    assert data[0]["objective_prompt"] == "ask about their last two roles"
    assert data[0]["confirmation_mode"] == "auto"
    guards = tavus.state.guardrails[sent["guardrails_id"]]["data"]
    prompts = " ".join(g["guardrail_prompt"] for g in guards)
    for word in ("age", "race", "religion", "disability", "pregnancy", "marital", "sexual orientation"):
        assert word in prompts
    assert "national origin or citizenship" in prompts and "outcome" in prompts
    assert guards[-1]["guardrail_prompt"] == "Never discuss other candidates."
    assert sent["document_ids"] == [persona.document_id]
    assert tavus.state.documents[persona.document_id]["document_url"].endswith("backend.pdf")
    assert sent["layers"]["conversational_flow"]["turn_detection_model"] == "sparrow-1"
    assert (persona.objectives_id, persona.guardrails_id) == (sent["objectives_id"], sent["guardrails_id"])


def test_template_fills_an_empty_plan(driver, tavus, served):
    persona = create_persona(driver, served, name="Screener", template="screening", smart_turn=False)
    sent = tavus.state.personas[persona.persona_id]
    names = [o["objective_name"] for o in tavus.state.objectives[sent["objectives_id"]]["data"]]
    assert names[:2] == ["motivation", "experience"]
    assert "conversational_flow" not in (sent.get("layers") or {})


def submit(driver, **values):
    view = open_modal(driver, "persona", ids.NEW_PERSONA)
    return driver.submit(view["id"], persona_values(**values)).json()


def test_bad_plan_lines_and_guardrails_off_are_explained_inline(driver, tavus, served):
    answer = submit(driver, plan="experience: roles -> years\njust some words")
    assert answer["response_action"] == "errors"
    assert "Line 2" in answer["errors"][ids.P_PLAN] and "colon" in answer["errors"][ids.P_PLAN]
    dup = submit(driver, plan="a: one\nA: two")
    assert "Two objectives" in dup["errors"][ids.P_PLAN]
    off = submit(driver, guardrails=False)
    assert "why" in off["errors"][ids.P_GUARDRAILS_WHY]
    url = submit(driver, jd_url="file:///etc/passwd")
    assert "https://" in url["errors"][ids.P_JD_URL]
    assert not tavus.state.objectives and not tavus.state.guardrails and not tavus.state.personas


def test_guardrails_off_with_a_reason_and_no_plan(driver, tavus, served):
    why = "This persona only role-plays a mock interview with our own staff."
    persona = create_persona(driver, served, name="Mock", guardrails=False, why=why)
    sent = tavus.state.personas[persona.persona_id]
    assert not sent.get("guardrails_id") and not sent.get("objectives_id")
    assert not tavus.state.guardrails and persona.guardrails_id is None


def test_persona_refused_removes_its_plan(driver, tavus, served):
    view = open_modal(driver, "persona", ids.NEW_PERSONA)
    driver.submit(view["id"], persona_values(name="Ghost", plan=PLAN, custom="rzzzzzzzzz99"))
    wait_until(lambda: "Tavus does not know replica" in str(driver.state), what="refusal shown", timeout=5)
    assert not tavus.state.personas
    wait_until(lambda: not tavus.state.objectives and not tavus.state.guardrails, what="plan undone")
    made = [r["path"] for r in tavus.state.requests if r["method"] == "DELETE"]
    assert any("/v2/objectives/" in p for p in made) and any("/v2/guardrails/" in p for p in made)
