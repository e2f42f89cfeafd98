"""Issue 26: a listener's job run again (its worker killed mid-job, the job taken over by another)
does no harm: End does not end twice, a live note is not sent twice, a persona is not made twice.
Each job runs once through the app's own worker; then its record is run again by its runner, as a
new worker would run it."""

from __future__ import annotations

import dataclasses
import json

from bot.slack import ids
from sim.driver import form_values, text_value
from tests.conftest import run_in_app_loop, wait_until
from tests.helpers import create_persona, open_modal, persona_values, start_interview

BOTH_BACKENDS = True


def rerun(served, kind: str, data: dict | None = None) -> None:
    """Run the (single, finished) job of `kind` again with its runner; `data`: the payload it had
    before its first run cleared it, as when that run was killed before the end."""
    store = served.deps.store
    [job] = wait_until(lambda: [j for j in store.jobs(kind=kind) if j.state == "done"], what=f"{kind} done")
    if data is not None:
        assert job.data == {}  # the first run kept no copy of the form
        job = dataclasses.replace(job, payload=json.dumps(data))
    run_in_app_loop(served, served.deps.runners[kind].run(job))


def live(driver, served, tavus):
    persona = create_persona(driver, served)
    conv = start_interview(driver, served, persona.persona_id)
    tavus.control(f"conversations/{conv.conversation_id}/join")
    store = served.deps.store
    wait_until(lambda: store.conversation_by_token(conv.token).status == "live", what="live")
    return conv


def ends(tavus, cid: str) -> list:
    return [r for r in tavus.state.requests if r["method"] == "POST" and r["path"].endswith(f"{cid}/end")]


def test_end_run_again_says_it_has_ended_and_ends_nothing(driver, served, slack, tavus):
    conv = live(driver, served, tavus)
    url = driver.response_url("actions")
    driver.click(ids.END, conv.conversation_id, channel="C0HIRING1", response_url=url)
    said = lambda: [r["body"]["text"] for r in slack.state.responses if r["url"] == url]  # noqa: E731
    wait_until(lambda: said() == [f"Ended *{conv.name}*."], what="the End's answer")
    rerun(served, "end")
    assert len(ends(tavus, conv.conversation_id)) == 1
    assert said()[-1] == f"*{conv.name}* has already ended."


def test_a_note_run_again_is_not_sent_twice(driver, served, slack, tavus):
    conv = live(driver, served, tavus)
    driver.click(ids.OPEN_NOTE, conv.conversation_id, channel="C0HIRING1")
    view = wait_until(lambda: driver.latest_view(ids.NOTE_VIEW), what="note modal")
    driver.submit(view["id"], form_values(**{ids.N_TEXT: text_value("Ask about caching.")}))
    messages = lambda: tavus.state.conversations[conv.conversation_id].app_messages  # noqa: E731
    wait_until(lambda: len(messages()) == 1, what="the note at Tavus")
    where = {"view": view["id"]}
    rerun(
        served,
        "note",
        {
            "user": "U0OWNER1",
            "conversation_id": conv.conversation_id,
            "text": "Ask about caching.",
            "where": where,
        },
    )
    assert len(messages()) == 1
    assert "may not have reached the interviewer" in str(slack.state.views[view["id"]]["blocks"])


def test_a_persona_create_run_again_makes_no_second_persona(driver, served, slack, tavus):
    view = open_modal(driver, "persona", ids.NEW_PERSONA)
    driver.submit(view["id"], persona_values(name="Made once"))
    made = lambda: [p for p in tavus.state.personas.values() if p.get("persona_name") == "Made once"]  # noqa: E731
    wait_until(lambda: "Created *Made once*" in str(slack.state.views[view["id"]]["blocks"]), what="created")
    data = {"user": "U0OWNER1", "values": persona_values(name="Made once"), "where": {"view": view["id"]}}
    rerun(served, "persona_create", data)
    assert len(made()) == 1
    assert "Created *Made once*" in str(slack.state.views[view["id"]]["blocks"])


def test_the_reconciler_leaves_a_send_step_whose_job_still_waits(tmp_path):
    """A `send` step queued for a worker is not a step a dead instance dropped: recovery waits for
    its job; once the job is gone (run, or never queued) a step still `received` is recovered."""
    from bot.services.steps.send_job import step_send_job
    from bot.store import Store

    store = Store(str(tmp_path / "s.db"))
    try:
        assert store.receive_step("Fx1", "T0ACME01", "send", "Wx1")
        store.add_jobs([step_send_job("Fx1", "T0ACME01", {}, {"inputs": {}})])
        assert store.recover_steps("9999") == 0 and store.step("Fx1")["state"] == "received"
        [job] = store.jobs(kind="step_send")
        with store.db.write() as tx:
            tx.execute("update outbox set state = 'done' where id = ?", (job.id,))
        assert store.recover_steps("9999") == 1 and store.step("Fx1")["state"] != "received"
    finally:
        store.close()
