"""Issue 26: a start queued by the web process carries the request (an email, perhaps) until a
worker runs it: `forget` stops it, retention clears it like any job's content; and no module of
bot/ touches asyncio's private attributes (the loop's ready queue, its I/O callback hook)."""

from __future__ import annotations

import re
from pathlib import Path

from bot.services.starting.interviews import InterviewRequest
from bot.services.starting.start_job import new_token, start_job
from bot.store import ConversationRecord, PersonaRecord, Store, utcnow
from bot.store.erasure import CONTENT_CLEARED

BOT = Path(__file__).resolve().parents[1] / "bot"


def queued_start(store: Store) -> InterviewRequest:
    persona = PersonaRecord(
        persona_id="p1", team_id="T0ACME01", owner_id="U0OWNER1", name="Screening", created_at=utcnow()
    )
    store.add_persona(persona)
    req = InterviewRequest(
        team_id="T0ACME01",
        user_id="U0OWNER1",
        persona=persona,
        channel_id="C0HIRING1",
        candidate_name="casey@example.com",
        candidate_email="casey@example.com",
        token=new_token(),
    )
    store.add_jobs([start_job(req, {"response_url": "http://127.0.0.1:9/hook", "intent": "quick:x"})])
    return req


def test_forget_stops_a_start_job_whose_first_run_was_cut_short(tmp_path):
    store = Store(str(tmp_path / "s.db"))
    req = queued_start(store)
    [job] = store.jobs(kind="start")
    assert job.token == req.token and "casey@example.com" in (job.payload or "")
    # its first run recorded the start, then its worker died: the owner forgets the interview
    store.begin_conversation(
        ConversationRecord(
            token=req.token,
            team_id=req.team_id,
            owner_id=req.user_id,
            status="creating",
            created_at=utcnow(),
            request_key=req.request_key,
            candidate_email=req.candidate_email,
        )
    )
    store.begin_forget(req.token, "U0OWNER1")
    [job] = store.jobs(kind="start")
    assert job.state == "done" and job.data == {}  # a rerun finds nothing to start or say
    store.close()


def test_retention_clears_a_pending_start_jobs_request(tmp_path):
    store = Store(str(tmp_path / "s.db"))
    queued_start(store)
    store.purge_before("9999")  # every job is older than this cutoff
    [job] = store.jobs(kind="start")
    assert job.data == {} and job.state == "parked" and job.last_error == CONTENT_CLEARED
    store.close()


def test_no_module_touches_asyncios_private_loop_attributes():
    private = re.compile(r"\._ready\b|_add_callback\b")
    found = [
        f"{path.relative_to(BOT.parent)}:{n}"
        for path in BOT.rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if private.search(line)
    ]
    assert found == []
