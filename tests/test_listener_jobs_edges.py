"""Listeners' jobs at their edges (issue 26's review): queued before the ack, a rerun after a
kill, an answer Slack refused once."""

from __future__ import annotations

import dataclasses

from bot.services.personas.persona_jobs import CREATE, persona_job
from bot.slack import ids
from handlers.guard import FAILED
from tests.conftest import run_in_app_loop
from tests.helpers import create_persona, open_modal, persona_values


def test_a_persona_create_rerun_after_a_kill_before_tavus_makes_the_persona(driver, served, slack, tavus):
    """The person already has a persona named "Backend"; they create another "Backend". The first
    run of the job marked itself (`ran:<key>`) and was killed before Tavus made anything. Its rerun
    must make the persona; it shows the older one as "Persona created" and makes nothing."""
    old = create_persona(driver, served, name="Backend")
    view = open_modal(driver, "persona", ids.NEW_PERSONA)
    store = served.deps.store
    job = persona_job(
        CREATE, "T0ACME01", "U0OWNER1", values=persona_values(name="Backend"), where={"view": view["id"]}
    )
    store.add_jobs([dataclasses.replace(job, held=120)])  # leased: the app's own worker leaves it
    store.first_time(f"ran:{job.key}")  # the killed first run got this far
    [record] = [j for j in store.jobs(kind=CREATE) if j.key == job.key]
    run_in_app_loop(served, served.deps.runners[CREATE].run(record))
    mine = lambda: [p for p in store.personas_of("T0ACME01", "U0OWNER1") if p.name == "Backend"]  # noqa: E731
    shown = str(slack.state.views[view["id"]]["blocks"])
    assert old.persona_id not in shown, "the rerun shows the older persona as the one just created"
    assert len(mine()) == 2


def test_a_new_persona_is_queued_before_its_ack(driver, served, slack, monkeypatch):
    """reliability.md: a listener's work is queued before its ack, so a web process dying after the
    ack loses nothing. The New persona submission acks ("Creating … at Tavus…") and only then
    queues its job: when the job cannot be queued (here the store refuses it; a web process killed
    after the ack is the same) the modal already says it is being created, and nothing will."""
    view = open_modal(driver, "persona", ids.NEW_PERSONA)

    async def refused(jobs):
        raise RuntimeError("the store is gone")

    monkeypatch.setattr(served.deps.db, "add_jobs", refused)
    response = driver.submit(view["id"], persona_values(name="Never made"))
    assert response.status_code == 200 and "update" not in response.text, response.text
    dm = slack.state.dm_channel("U0OWNER1").id
    told = [m for m in slack.state.messages.get(dm, []) if FAILED in m.get("text", "")]
    assert told, "the person was not told that their persona was not made"


def test_a_note_whose_answer_slack_refused_with_a_5xx_is_answered_on_its_retry(driver, served, tavus):
    """`/tavus note`: answer_url raises on Slack's 5xx so that the job is retried ("retried"). The
    note job clears its payload before it answers, so the retry finds nothing and never answers:
    the person is not told whether their note went."""
    import dataclasses
    import http.server
    import threading

    import pytest

    from bot.services.access.answers import by_url
    from bot.services.calls.note_job import NOTE, note_job
    from tests.test_listener_jobs_rerun import live

    got: list[int] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("content-length") or 0))
            got.append(1)
            self.send_response(503 if len(got) == 1 else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    hook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        conv = live(driver, served, tavus)
        url = f"http://127.0.0.1:{hook.server_address[1]}/hook"
        job = note_job(conv, conv.team_id, "U0OWNER1", conversation_id=conv.conversation_id,
                       text="Ask about caching.", where=by_url(url, replace=False))  # fmt: skip
        store, runner = served.deps.store, served.deps.runners[NOTE]
        store.add_jobs([dataclasses.replace(job, held=120)])  # leased: the app's own worker leaves it
        record = lambda: next(j for j in store.jobs(kind=NOTE) if j.key == job.key)  # noqa: E731
        with pytest.raises(ConnectionError):  # Slack's 503: the outbox retries the job
            run_in_app_loop(served, runner.run(record()))
        run_in_app_loop(served, runner.run(record()))  # the retry
        assert len(got) == 2, "the retry did not answer the person"
    finally:
        hook.shutdown()
