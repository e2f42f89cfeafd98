"""A start job delivered again after its first run created the interview (its worker died before
marking it done) answers as the first run did, whatever changed meanwhile: here the persona is
deleted between the two runs, and the rerun must not tell the starter "nothing was started" while
the interview it made waits with its card in the channel (found in review, issue 26)."""

from __future__ import annotations

from tests.conftest import run_in_app_loop, wait_until
from tests.helpers import create_persona
from tests.test_processes import answers


def test_a_rerun_after_the_persona_went_does_not_deny_the_started_interview(driver, served, slack):
    persona = create_persona(driver, served, name="Rerun")
    response = driver.command("interview Rerun Rerun check", channel="C0HIRING1")
    assert "Creating an interview" in response.json()["text"]
    store = served.deps.store
    wait_until(lambda: [j for j in store.jobs(kind="start") if j.state == "done"], what="the start ran")
    [conv] = [c for c in store._conversations("1 = 1", ()) if c.name == "Rerun check"]
    assert conv.status == "waiting"
    # the worker died after the start but before job_done: the lease runs out, the job runs again
    store.delete_persona("T0ACME01", persona.persona_id, actor="U0OWNER1")
    with store.db.write() as tx:
        tx.execute("update outbox set state = 'pending', lease_until = null where kind = 'start'")

    async def kick():
        served.deps.outbox.kick()

    run_in_app_loop(served, kick())
    before = len(answers(slack, response.response_url))
    wait_until(lambda: len(answers(slack, response.response_url)) > before, what="the rerun's answer")
    last = answers(slack, response.response_url)[-1]["body"]["text"]
    assert "nothing was started" not in last, last
