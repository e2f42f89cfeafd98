"""Issue 15 from Slack: a persona with an interview plan, compliance guardrails and a job description."""

import time

import httpx

from bot.slack import ids
from tests.conftest import wait_until
from tests.helpers import (
    callback_url,
    channel_messages,
    create_persona,
    open_modal,
    persona_values,
    responses_text,
    start_interview,
)

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
    # the view itself (the stand-in's call log has the words a moment before the view is stored)
    words = "Tavus does not know replica"
    refused = lambda: [v for v in list(driver.state.views.values()) if words in str(v)]  # noqa: E731
    shown = wait_until(refused, what="refusal shown", timeout=30)[0]
    assert not tavus.state.personas
    assert "ask about their last two roles" in str(shown)  # the plan is kept for the next try
    wait_until(lambda: not tavus.state.objectives and not tavus.state.guardrails, what="plan undone")
    made = [r["path"] for r in tavus.state.requests if r["method"] == "DELETE"]
    assert any("/v2/objectives/" in p for p in made) and any("/v2/guardrails/" in p for p in made)


def planned_interview(driver, tavus, served):
    persona = create_persona(driver, served, name="Planned", plan=PLAN)
    conv = start_interview(driver, served, persona.persona_id)
    tavus.control(f"conversations/{conv.conversation_id}/join")
    return conv


def emit(tavus, conv, kind, body):
    answer = httpx.post(f"{tavus.url}/_sim/conversations/{conv.conversation_id}/{kind}", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def recorded(served, conv, word):
    events = served.deps.store.events_of(conv.conversation_id)
    return [e for e in events if word in e["event_type"]]


def test_objectives_and_guardrail_recorded_and_owner_told(driver, slack, tavus, served):
    conv = planned_interview(driver, tavus, served)
    emit(tavus, conv, "objective", {"objective_name": "last_two_roles", "output_variables": {"years": "7"}})
    emit(tavus, conv, "objective", {"objective_name": "motivation", "output_variables": {"reason": "<@U1>"}})
    reason = "asked <b>how old</b> & when they graduated"
    emit(tavus, conv, "guardrail", {"guardrail_name": "no_age", "reason": reason})
    done = wait_until(lambda: len(recorded(served, conv, "objective")) == 2 or None, what="objectives")
    assert done
    told = wait_until(
        lambda: [m for m in channel_messages(slack, "D0OWNER1") if "asked about age" in m["text"]],
        what="owner told",
    )
    assert "&lt;b&gt;how old&lt;/b&gt; &amp; when" in told[0]["text"]
    assert len(recorded(served, conv, "guardrail")) == 1
    # Tavus may deliver a callback twice: recorded once, told once
    event = recorded(served, conv, "guardrail")[0]
    again = httpx.post(callback_url(served, conv), json=event)
    assert again.status_code == 200
    time.sleep(0.5)
    assert len([m for m in channel_messages(slack, "D0OWNER1") if "asked about age" in m["text"]]) == 1
    assert not [m for m in channel_messages(slack, conv.channel_id) if "asked about age" in m.get("text", "")]


def test_unknown_plan_shapes_are_ignored(driver, tavus, served):
    conv = planned_interview(driver, tavus, served)
    for body in (
        {"event_type": "conversation.objective.activated", "properties": {"objective_name": "x"}},
        {"event_type": "conversation.guardrail.triggered", "properties": {"nothing": 1}},
        {"event_type": "conversation.something_new", "properties": {"objective_name": 1}},
    ):
        answer = httpx.post(
            callback_url(served, conv), json={"conversation_id": conv.conversation_id, **body}
        )
        assert answer.status_code == 200
    assert not recorded(served, conv, "objective") and not recorded(served, conv, "guardrail")


def note(driver, slack, text, want, user="U0OWNER1"):
    response = driver.command(f"note {text}", user=user)
    return wait_until(
        lambda: [t for t in responses_text(slack, response.response_url) if want in t], what=want, timeout=10
    )[-1]


def notes_at_tavus(tavus, conv):
    return [m["properties"]["context"] for m in tavus.state.conversations[conv.conversation_id].app_messages]


def test_live_note_reaches_the_interviewer_and_each_outcome_is_plain(driver, slack, tavus, served):
    persona = create_persona(driver, served, name="Planned")
    conv = start_interview(driver, served, persona.persona_id, name="Backend round 1")
    note(driver, slack, "Backend round 1 Ask about Go.", "not live yet")
    tavus.control(f"conversations/{conv.conversation_id}/join")
    live = lambda: served.deps.store.conversation_by_token(conv.token).status == "live"  # noqa: E731
    wait_until(live, what="live")
    sent = note(driver, slack, "Backend round 1 Dig into <their> testing & CI.", "Sent your note")
    assert "does not hear it" in sent
    assert notes_at_tavus(tavus, conv) == ["Dig into <their> testing & CI."]
    # someone else may not; an admin may, by id
    note(driver, slack, f"{conv.conversation_id} hello", "Only <@U0OWNER1> or an admin", user="U0OTHER1")
    note(driver, slack, f"{conv.conversation_id} Wrap up soon.", "Sent your note", user="U0ADMIN1")
    # a 504: it may have arrived, and it is not sent again
    tavus.control(f"conversations/{conv.conversation_id}/app-message-fault", {"status": 504})
    maybe = note(driver, slack, "Backend round 1 Ask about on-call.", "may have passed")
    assert "not repeated" in maybe
    assert notes_at_tavus(tavus, conv).count("Ask about on-call.") == 1
    note(driver, slack, "Nobody here at all", "found no interview")
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    wait_until(lambda: served.deps.store.conversation_by_token(conv.token).status == "ended", what="ended")
    note(driver, slack, f"{conv.conversation_id} too late", "has ended")


def test_note_to_a_conversation_tavus_ended_says_so(driver, slack, tavus, served):
    persona = create_persona(driver, served, name="Planned")
    conv = start_interview(driver, served, persona.persona_id, name="Round two")
    tavus.control(f"conversations/{conv.conversation_id}/join")
    wait_until(lambda: served.deps.store.conversation_by_token(conv.token).status == "live", what="live")
    tavus.control("config", {"callback_mode": "drop"})  # Tavus ended it; its callback is lost
    ended = httpx.post(
        f"{tavus.url}/v2/conversations/{conv.conversation_id}/end", headers={"x-api-key": "sim-tavus-key"}
    )
    assert ended.status_code == 200
    told = note(driver, slack, "Round two Ask more.", "no longer active")
    assert "not sent" in told


def test_report_has_scorecard_guardrails_then_the_transcript_file(driver, slack, tavus, served):
    conv = planned_interview(driver, tavus, served)
    emit(
        tavus,
        conv,
        "objective",
        {"objective_name": "last_two_roles", "output_variables": {"years": "7 & more"}},
    )
    emit(tavus, conv, "guardrail", {"guardrail_name": "no_age", "reason": "asked their birth year"})
    wait_until(lambda: recorded(served, conv, "guardrail"), what="guardrail recorded")
    tavus.control(f"conversations/{conv.conversation_id}/leave")

    def report():
        return [
            m for m in channel_messages(slack, "D0OWNER1") if m.get("text", "").startswith("Interview report")
        ]

    posted = wait_until(report, what="the report", timeout=15)
    shared = wait_until(
        lambda: [m for m in channel_messages(slack, "D0OWNER1") if m.get("files")], what="the transcript file"
    )
    wait_until(lambda: "attached in this thread as a file" in str(report()[0]["blocks"]), what="redrawn")
    assert len(report()) == 1 and len(shared) == 1
    body = str(report()[0]["blocks"])
    assert "1 of 2 objectives done" in body
    assert ":white_check_mark: *last_two_roles* · years: 7 &amp; more" in body
    assert ":white_circle: *motivation* · not done" in body
    assert ":rotating_light: *asked about age*: asked their birth year" in body
    assert shared[0]["thread_ts"] == posted[0]["thread_ts"]  # the file is in the report's thread
    transcript_replies = [m for m in channel_messages(slack, "D0OWNER1") if "Transcript" in m.get("text", "")]
    assert not [m for m in transcript_replies if not m.get("files")]  # no more twenty thread replies


def test_no_plan_still_one_report(driver, slack, tavus, served):
    persona = create_persona(driver, served, name="Plain")
    conv = start_interview(driver, served, persona.persona_id)
    tavus.control(f"conversations/{conv.conversation_id}/join")
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    wait_until(
        lambda: [m for m in channel_messages(slack, "D0OWNER1") if m.get("files")], what="file", timeout=15
    )
    reports = [m for m in channel_messages(slack, "D0OWNER1") if "Interview report" in m.get("text", "")]
    assert len(reports) == 1
    assert "no interview plan" in str(reports[0]["blocks"])
