"""Issue 26: the web process acks, validates, claims and queues; every piece of work after an ack
is an outbox job. The app is served with `worker=False` (web alone) and every converted command,
click and submission is driven with signed requests: Tavus hears nothing, Slack hears no message
or file or canvas call (only the immediate UI: modals, the Home tab, response_url lines), and a job
of each expected kind waits in the outbox. Then a worker starts, and each job's effect shows."""

from __future__ import annotations

import secrets
import time

from cryptography.fernet import Fernet

from bot.app import create_app
from bot.slack import ids
from sim.driver import SlackDriver, form_values, select_value, text_value
from sim.server import ServerThread, free_port
from sim.slack_workflows import Execution, function_executed, manifest_functions
from tests.conftest import SIGNING_SECRET, make_settings, wait_until
from tests.helpers import create_persona, open_modal, persona_values, start_interview
from tests.test_e2e_decisions import decision, open_decision, report_of
from tests.test_e2e_forget import forget_button, prompt

BOTH_BACKENDS = True
SEAL = Fernet.generate_key().decode()
NEW_KEY = "acme-own-tavus-key-3333"
UI_ONLY = ("chat.", "files.", "canvases.", "functions.")  # what the web process must not call
KINDS = {  # the jobs the requests below queue
    "end", "cancel", "persona_delete", "persona_create", "persona_edit", "persona_test_home", "persona_test",
    "forget", "note", "tavus_key", "step_send", "compare", "home", "decide",
}  # fmt: skip


def live(driver, served, tavus, name: str):
    """A live interview, with a persona of its own (start_interview finds the card by persona)."""
    persona = create_persona(driver, served, name=f"For {name}")
    conv = start_interview(driver, served, persona.persona_id, name=name)
    tavus.control(f"conversations/{conv.conversation_id}/join")
    store = served.deps.store
    wait_until(lambda: store.conversation_by_token(conv.token).status == "live", what=f"{name} live")
    return conv


def web_alone(tmp_path, tavus, slack, database_url: str):
    """The web process as `tavus-slack web` builds it: no worker's tasks in it."""
    port = free_port()
    settings = make_settings(
        tmp_path, tavus, slack, DATABASE_URL=database_url, PUBLIC_URL=f"http://127.0.0.1:{port}",
        TAVUS_SLACK_ENCRYPTION_KEY=SEAL,
    )  # fmt: skip
    app = create_app(settings, reconcile=False, worker=False)
    return app, ServerThread(app, port=port).start()


def test_the_web_process_only_acks_and_queues_and_a_worker_does_the_rest(
    serve, slack, tavus, tmp_path, database_url
):
    # what the clicks and forms act on, made with a whole app (web and worker in one process)
    full = serve(TAVUS_SLACK_ENCRYPTION_KEY=SEAL)
    driver = SlackDriver(full.url, SIGNING_SECRET, slack.state, slack.url)
    tavus.control("config", {"extra_keys": [NEW_KEY], "concurrency_limit": 20})
    persona = create_persona(driver, full)  # edited
    tried = create_persona(driver, full, name="Tried")  # tested, and named by the workflow
    doomed = create_persona(driver, full, name="Doomed")
    clicked, commanded, noted, over = (live(driver, full, tavus, n) for n in ("A", "B", "D", "C"))
    tavus.control(f"conversations/{over.conversation_id}/leave")
    wait_until(lambda: full.deps.store.conversation_by_token(over.token).status == "ended", what="C ended")
    asked = prompt(slack, driver, over.conversation_id)
    decided = live(driver, full, tavus, "E")
    tavus.control(f"conversations/{decided.conversation_id}/leave")
    wait_until(lambda: report_of(slack, decided), what="E's report")
    decision_form = open_decision(driver, slack, decided, "hold")
    new_form = open_modal(driver, "persona", ids.NEW_PERSONA)
    driver.click(ids.EDIT_PERSONA, persona.persona_id, channel="C0GENERAL", ephemeral=True)
    edit_form = wait_until(lambda: driver.latest_view(ids.EDIT_PERSONA_VIEW), what="edit form")
    driver.click(ids.OPEN_NOTE, noted.conversation_id, channel="C0HIRING1")
    note_form = wait_until(lambda: driver.latest_view(ids.NOTE_VIEW), what="note modal")
    driver.home_opened("U0ADMIN1")
    admin_home = wait_until(lambda: slack.state.home.get("U0ADMIN1"), what="admin home")
    driver.click(ids.OPEN_TAVUS_KEY, user="U0ADMIN1", view_id=admin_home["id"])
    key_form = wait_until(lambda: driver.latest_view(ids.TAVUS_KEY, "U0ADMIN1"), what="key modal")
    driver.click(ids.OPEN_INTERVIEW_SETTINGS, user="U0ADMIN1", view_id=admin_home["id"])
    rules = wait_until(lambda: driver.latest_view(ids.INTERVIEW_SETTINGS, "U0ADMIN1"), what="settings")
    driver.home_opened()
    home = wait_until(lambda: slack.state.home.get("U0OWNER1"), what="home")
    wait_until(lambda: not full.deps.store.jobs(state="pending"), what="the setup's jobs done")
    full.server.stop()

    app, web = web_alone(tmp_path, tavus, slack, database_url)
    try:
        driver = SlackDriver(web.url, SIGNING_SECRET, slack.state, slack.url)
        tavus_seen, slack_seen = len(tavus.state.requests), len(slack.state.log)
        driver.click(ids.END, clicked.conversation_id, channel="C0HIRING1")
        assert driver.command(f"end {commanded.conversation_id}").status_code == 200
        driver.click(ids.DELETE_PERSONA, doomed.persona_id, channel="C0GENERAL", ephemeral=True)
        driver.submit(new_form["id"], persona_values(name="Made by a worker"))
        driver.submit(edit_form["id"], edit_values("Renamed by a worker"))
        driver.click(ids.FORGET, forget_button(asked)["value"], channel="C0GENERAL", ephemeral=True)
        driver.submit(note_form["id"], form_values(**{ids.N_TEXT: text_value("Ask about caching.")}))
        driver.command(f"note {noted.conversation_id} Ask about queues.")
        driver.submit(key_form["id"], form_values(key=text_value(NEW_KEY)), user="U0ADMIN1")
        driver.click(ids.TEST_PERSONA, tried.persona_id, view_id=home["id"])
        driver.command(f"test {tried.persona_id}")
        execution = send_step(driver)
        compared = driver.command("compare For C").response_url
        driver.submit(rules["id"], SETTINGS, user="U0ADMIN1")
        driver.submit(decision_form["id"], decision(reason="Wait for the second round."))
        time.sleep(1.5)  # work done after an ack would show by now: then look
        assert [(r["method"], r["path"]) for r in tavus.state.requests[tavus_seen:]] == []
        after = [c["method"] for c in slack.state.log[slack_seen:]]
        assert [m for m in after if m.startswith(UI_ONLY)] == [], after
        store = app.state.deps.store
        kinds = lambda: {j.kind for j in store.jobs(state="pending")}  # noqa: E731
        wait_until(lambda: kinds() >= KINDS, what=f"every job queued, not only {kinds()}")
    finally:
        web.stop()

    worker = serve(TAVUS_SLACK_ENCRYPTION_KEY=SEAL)  # a worker (with a web of its own, unused here)
    conversations = tavus.state.conversations
    wait_until(lambda: conversations[clicked.conversation_id].status == "ended", what="End's end")
    wait_until(lambda: conversations[commanded.conversation_id].status == "ended", what="`end`'s end")
    wait_until(lambda: doomed.persona_id not in tavus.state.personas, what="the persona deleted")
    wait_until(lambda: "Made by a worker" in names(tavus), what="the persona created")
    wait_until(lambda: "Renamed by a worker" in names(tavus), what="the persona edited")
    wait_until(lambda: over.conversation_id not in live_ids(tavus), what="the interview forgotten")
    wait_until(lambda: len(conversations[noted.conversation_id].app_messages) == 2, what="both notes")
    wait_until(lambda: "Saved" in str(slack.state.views[key_form["id"]]["blocks"]), what="the key saved")
    tested = f"Tavus accepted a test call with *{tried.name}*"
    wait_until(lambda: tested in str(slack.state.home["U0OWNER1"]["blocks"]), what="the Home tab's test")
    wait_until(
        lambda: [
            e
            for e in slack.state.calls_to("functions.completeSuccess")
            if e["args"].get("function_execution_id") == execution
        ],
        what="the step's completion",
    )
    said = lambda: [  # noqa: E731
        r["body"]["text"] for r in slack.state.responses if r["url"] == compared and not r.get("from_ack")
    ]
    # C's only interview is forgotten by a job beside it: compared before or after, the answer names C
    wait_until(lambda: "For C" in str(said()), what="the comparison")
    published = lambda: [str(c["args"]) for c in slack.state.calls_to("views.publish")]  # noqa: E731
    wait_until(lambda: "settings saved" in str(published()), what="the settings' Home tab")
    shown = lambda: str(slack.state.views[decision_form["id"]]["blocks"])  # noqa: E731
    wait_until(lambda: "Recorded: *Hold*" in shown(), what="the decision recorded")
    wait_until(lambda: not worker.deps.store.jobs(state="pending"), what="every job done")


SETTINGS = {
    ids.S_OPEN: {ids.VALUE: {"type": "checkboxes", "selected_options": [{"value": "on"}]}},
    ids.S_RESULTS: {ids.VALUE: {"type": "static_select", "selected_option": {"value": "owner"}}},
    ids.S_CONSENT: {ids.VALUE: text_value("We keep the transcript for 90 days.")},
}


def edit_values(name: str) -> dict:
    return form_values(
        **{
            ids.P_NAME: text_value(name),
            ids.P_PROMPT: text_value("You interview staff engineers."),
            ids.P_CONTEXT: text_value("We hire for the payments team."),
            ids.P_REPLICA: select_value("rfe12d8b9597"),
            ids.P_CUSTOM_REPLICA: text_value(None),
        }
    )


def send_step(driver: SlackDriver) -> str:
    """Workflow Builder's `send` step, as Slack delivers it."""
    inputs = {
        "interactivity": {"interactor": {"id": "U0OWNER1"}},
        "persona": "Tried",
        "candidate_name": "Robin",
        "channel": "C0HIRING1",
        "title": "Workflow interview with Robin",
    }
    execution = Execution("Fx" + secrets.token_hex(5).upper(), "send_ai_interview", inputs, "xwfp-test")
    event = function_executed(execution, manifest_functions()["send_ai_interview"])
    assert driver.event(event).status_code == 200
    return execution.id


def names(tavus) -> set[str]:
    return {p.get("persona_name") for p in tavus.state.personas.values()}


def live_ids(tavus) -> set[str]:
    return {cid for cid, c in tavus.state.conversations.items() if c.status != "deleted"}
