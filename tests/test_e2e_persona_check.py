"""Issue 15, persona side: a job description's processing status in the persona lists (by its
callback and by polling), and Test this persona (Tavus's free test mode, no interview, no card)."""

from datetime import timedelta

import httpx
import pytest

import bot.services.personas.documents as documents
from bot.records import PersonaRecord
from bot.slack import ids
from bot.slack.blocks import esc
from bot.slack.documents import document_words
from bot.slack.lists import build_interviews_list, build_personas_list
from bot.slack.note_modal import build_note_modal
from bot.store.migrations import token_hash
from tests.conftest import run_in_app_loop, wait_until
from tests.helpers import channel_messages, create_persona, responses_text
from tests.test_escaping import HOSTILE, assert_safe_mrkdwn, check, conv

JD = "https://example.org/jobs/backend.pdf"
EVIL_NAME = "<!channel> & <@U0VICTIM> *bold*"


def listing(driver, user="U0OWNER1") -> str:
    return str(driver.command("personas", user=user).json()["blocks"])


def stored(served, persona):
    return served.deps.store.persona("T0ACME01", persona.persona_id)


def sent_to_document_route(tavus, doc_id):
    return [
        c
        for c in tavus.state.callbacks_sent
        if "/tavus/document/" in c["url"] and c["event"]["document_id"] == doc_id
    ]


def test_document_ready_by_callback_shows_in_the_lists(driver, slack, tavus, served):
    tavus.control("config", {"document_seconds": 1.0})  # ready after the persona is stored
    persona = create_persona(driver, served, name=EVIL_NAME, jd_url=JD)
    assert persona.document_status in ("started", "processing") and persona.document_hook
    assert "job description processing" in listing(driver)
    doc = tavus.state.documents[persona.document_id]
    url = doc["callback_url"]
    token = url.rsplit("/", 1)[-1]
    assert "/tavus/document/" in url and token_hash(token) == persona.document_hook
    assert token not in str(served.deps.store.db.read("select * from personas"))  # only its hash
    wait_until(
        lambda: stored(served, persona).document_status == "ready", what="ready by callback", timeout=10
    )
    assert [c["status"] for c in sent_to_document_route(tavus, persona.document_id)][-1] == 200
    text = listing(driver)
    assert "job description ready" in text and "&lt;!channel&gt; &amp; &lt;@U0VICTIM&gt;" in text
    assert "<!channel>" not in text
    # a forged or mismatched update changes nothing
    assert httpx.post(f"{served.url}/tavus/document/not-a-token", json=doc).status_code == 404
    other = {**doc, "document_id": "d9-000000000000", "status": "error"}
    assert httpx.post(url, json=other).status_code == 400
    assert httpx.post(url, content=b"{not json").status_code == 400
    late = httpx.post(url, json={**doc, "status": "processing"})  # late and out of order
    assert late.status_code == 200 and stored(served, persona).document_status == "ready"


def test_document_failure_found_by_polling_within_budget(driver, slack, tavus, served, monkeypatch):
    tavus.control("config", {"document_seconds": 30})  # no step of its own during the test
    failing = create_persona(driver, served, name="Failing", jd_url=JD)
    plain = create_persona(driver, served, name="No document")
    # Tavus fails it and its callback is lost: only a poll finds out
    tavus.control(
        f"documents/{failing.document_id}",
        {"status": "error", "error_message": "file_download_failed", "notify": False},
    )
    monkeypatch.setattr(documents, "CHECK_EVERY", timedelta(0))
    gets = f"/v2/documents/{failing.document_id}"
    assert run_in_app_loop(served, served.deps.documents.poll()) == 1  # the one still processing
    assert stored(served, failing).document_status == "error"
    assert run_in_app_loop(served, served.deps.documents.poll()) == 0  # failed: not read again
    assert len([r for r in tavus.state.requests if r["path"] == gets]) == 1
    assert plain.document_id is None
    driver.home_opened()
    home = wait_until(lambda: slack.state.home.get("U0OWNER1"), what="home")
    assert "job description failed: Tavus could not download it" in str(home["blocks"])
    # the budget: with none left for this key, nothing is read
    served.deps.documents.budget.per_minute = 0
    tavus.control(f"documents/{failing.document_id}", {"status": "processing", "notify": False})
    served.deps.store.set_document_status(failing.persona_id, failing.document_id, "processing", None)
    assert run_in_app_loop(served, served.deps.documents.poll()) == 0


def told_with_blocks(slack, url: str, words: str) -> dict:
    """The last answer on `url` whose text has `words`: its text and blocks."""

    def found():
        bodies = [r["body"] for r in slack.state.responses if r["url"] == url]
        return [b for b in bodies if words in b.get("text", "")]

    return wait_until(found, what=words)[-1]


def test_test_persona_uses_test_mode_and_reports_privately(driver, slack, tavus, served):
    tavus.control("config", {"document_seconds": 0.05})
    persona = create_persona(driver, served, name=EVIL_NAME, plan="experience: ask -> years", jd_url=JD)
    # its callbacks may come before the persona is stored (and be refused): the test reads it
    wait_until(lambda: tavus.state.documents[persona.document_id]["status"] == "ready", what="ready")
    response = driver.command(f"test {persona.persona_id}")
    answer = told_with_blocks(slack, response.response_url, "Tavus accepted")
    told = answer["text"]
    tests = [c for c in tavus.state.conversations.values() if c.body.get("test_mode")]
    assert len(tests) == 1
    assert "&lt;!channel&gt;" in told and "<!channel>" not in told
    # plain words first: what is attached and ready; the ids only behind the detail line
    assert "Interview plan: 1 objective the interviewer works through: experience." in told
    assert "Compliance guardrails: on (9 rules)" in told and "Job description: ready" in told
    assert ":warning:" not in told, "a persona whose plan and guardrails are attached is good"
    assert "Tavus can report calls back to this app" in told and "/tavus/callback/" not in told
    for raw in (tests[0].conversation_id, persona.persona_id, persona.objectives_id, persona.guardrails_id):
        assert raw not in told
    details = answer["blocks"][-1]
    assert details["type"] == "context"
    detail = details["elements"][0]["text"]
    assert tests[0].conversation_id in detail and "status ended" in detail and "/tavus/callback/" in detail
    assert persona.objectives_id in detail and persona.guardrails_id in detail
    assert not served.deps.store.active_of("T0ACME01", "U0OWNER1")  # no interview recorded
    assert not channel_messages(slack, "C0GENERAL") and not channel_messages(slack, "C0HIRING1")
    # the Test button in the list, for a persona Tavus no longer knows
    del tavus.state.personas[persona.persona_id]
    driver.click(ids.TEST_PERSONA, persona.persona_id, channel="C0GENERAL", ephemeral=True)
    wait_until(
        lambda: [r for r in slack.state.responses if "does not know" in r["body"].get("text", "")],
        what="told it is gone",
    )
    assert len([c for c in tavus.state.conversations.values() if c.body.get("test_mode")]) == 1


def test_test_persona_trusts_only_what_tavus_promises(driver, slack, tavus, served):
    """Tavus's GET persona (May 2026 file) carries no objectives_id nor guardrails_id: their
    absence there is no mismatch (the stand-in answers only the file's fields); a set gone at
    Tavus is, and one Tavus shows with another id is."""
    persona = create_persona(driver, served, name="Planned", plan="experience: ask -> years")
    shown = httpx.get(
        f"{tavus.url}/v2/personas/{persona.persona_id}", headers={"x-api-key": tavus.state.api_key}
    ).json()
    assert "objectives_id" not in shown and "guardrails_id" not in shown and "context" not in shown
    told = told_with_blocks(slack, driver.command("test Planned").response_url, "Tavus accepted")["text"]
    assert ":warning:" not in told and "Create" not in told
    assert "Interview plan: 1 objective" in told and "Compliance guardrails: on" in told
    del tavus.state.guardrails[persona.guardrails_id]
    told = told_with_blocks(slack, driver.command("test Planned").response_url, "no longer has them")["text"]
    assert "Interview plan: 1 objective" in told


def test_test_button_in_the_lists_and_unknown_names(driver, slack, tavus, served):
    persona = create_persona(driver, served, name="Plain")
    assert ids.TEST_PERSONA in listing(driver)
    response = driver.command("test Nobody <here>")
    told = wait_until(lambda: responses_text(slack, response.response_url), what="answer")
    assert "found no persona `Nobody &lt;here&gt;`" in told[-1]
    # someone else's persona that is not shared cannot be tested by them
    driver.click(ids.TEST_PERSONA, persona.persona_id, user="U0OTHER1", channel="C0GENERAL", ephemeral=True)
    wait_until(
        lambda: [r for r in slack.state.responses if "no such persona" in r["body"].get("text", "")],
        what="refused",
    )
    assert not tavus.state.conversations


@pytest.mark.parametrize("hostile", HOSTILE)
def test_new_builders_escape_outside_text(hostile):
    """The note modal, the lists' note button and document line, and Tavus's error code, with hostile
    names and codes: nothing outside can mention, link or format."""
    live = conv(hostile, status="live")
    for view in (build_note_modal(live), build_note_modal(live, text=hostile, error=esc(hostile))):
        check(view["blocks"])
    check(build_interviews_list([live], "/tavus"))
    failed = PersonaRecord(
        persona_id="p1",
        team_id="T0ACME01",
        owner_id="U0OWNER1",
        name=hostile,
        created_at="2026-01-01",
        document_id="d1",
        document_status="error",
        document_error=hostile,
    )
    check(build_personas_list([failed], "/tavus"))
    assert_safe_mrkdwn(document_words(failed))
