"""TavusClient's objectives, guardrails, documents, test/private conversations and app messages,
against the Tavus simulator over loopback, with faults the way networks fail."""

import logging

import httpx
import pytest
from httpx_aiohttp import HttpxAiohttpClient
from pydantic import ValidationError as ModelError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.tavus import errors as te
from bot.tavus.client import TavusClient
from bot.tavus.documents import DocumentCreate, document_update
from bot.tavus.events import guardrail_trigger, objective_completion, read_event
from bot.tavus.models import ConversationCreate, Layers, PersonaCreate, SttLayer
from bot.tavus.objectives import GuardrailsCreate, GuardrailSpec, ObjectiveSpec
from sim.server import ServerThread
from tests.conftest import TAVUS_KEY, free_port, wait_until
from tests.helpers import TRANSPORTS, Sleeps, sim_tavus_client

PLAN = [
    ObjectiveSpec(
        objective_name="experience",
        objective_prompt="Ask about their last two roles",
        output_variables=["years", "main_stack"],
        next_required_objective="motivation",
    ),
    ObjectiveSpec(
        objective_name="motivation", objective_prompt="Ask why this role", output_variables=["why"]
    ),
]
RULES = GuardrailsCreate(
    name="Hiring compliance",
    data=[
        GuardrailSpec(
            guardrail_name="no_protected_traits", guardrail_prompt="Never ask about age or religion."
        ),
        GuardrailSpec(guardrail_name="no_promises", guardrail_prompt="Never promise an outcome."),
    ],
)


@pytest.fixture(params=TRANSPORTS)
async def client(tavus, request):
    c = sim_tavus_client(tavus, request.param)
    yield c
    await c.aclose()


@pytest.fixture(scope="module")
def receiver():
    """A callback URL on loopback that records every JSON body POSTed to it."""
    got: list[dict] = []

    async def record(request: Request) -> JSONResponse:
        got.append(await request.json())
        return JSONResponse({"ok": True})

    with ServerThread(Starlette(routes=[Route("/hook", record, methods=["POST"])])) as server:
        yield server.url + "/hook", got


def posts(tavus, path):
    return [r for r in tavus.state.requests if r["method"] == "POST" and r["path"] == path]


async def make_persona(client, **kw):
    persona = PersonaCreate(
        persona_name="Interviewer",
        system_prompt="You interview backend engineers.",
        default_replica_id="rfe12d8b9597",
        **kw,
    )
    return await client.create_persona(persona)


async def live_conversation(client, tavus, **persona_kw):
    persona = await make_persona(client, **persona_kw)
    conv = await client.create_conversation(
        ConversationCreate(persona_id=persona.persona_id, conversation_name="Round 1 [ref-live]"),
        marker="ref-live",
    )
    tavus.control(f"conversations/{conv.conversation_id}/join")
    return conv


# objectives, guardrails, documents
async def test_objectives_round_trip(client, tavus):
    created = await client.create_objectives(PLAN)
    assert created.objectives_id.startswith("o") and created.status == "active"
    sent = tavus.state.objectives[created.objectives_id]["data"]
    assert [o["confirmation_mode"] for o in sent] == ["auto", "auto"]  # sent explicitly, as the issue asks
    got = await client.get_objectives(created.objectives_id)
    assert got.objectives_id == created.objectives_id
    assert [(o.objective_name, o.output_variables) for o in got.data] == [
        ("experience", ["years", "main_stack"]),
        ("motivation", ["why"]),
    ]
    listed = await client.list_objectives()
    assert {(o.objectives_id, o.objective_name) for o in listed} == {
        (created.objectives_id, "experience"),
        (created.objectives_id, "motivation"),
    }
    await client.delete_objectives(created.objectives_id)
    with pytest.raises(te.NotFoundError, match="Objective not found"):
        await client.get_objectives(created.objectives_id)


def test_objective_names_and_links_are_checked_before_sending():
    with pytest.raises(ModelError, match="pattern"):
        ObjectiveSpec(objective_name="last two roles", objective_prompt="x")
    with pytest.raises(ModelError, match="without spaces"):
        ObjectiveSpec(objective_name="roles", objective_prompt="x", output_variables=["main stack"])
    with pytest.raises(ModelError, match="unknown objectives"):
        from bot.tavus.objectives import ObjectivesCreate

        ObjectivesCreate(
            data=[ObjectiveSpec(objective_name="a", objective_prompt="x", next_required_objective="b")]
        )
    with pytest.raises(ModelError, match="unique"):
        GuardrailsCreate(data=[RULES.data[0], RULES.data[0]])
    with pytest.raises(ModelError):
        GuardrailSpec(guardrail_name="no-dashes", guardrail_prompt="x")


async def test_guardrails_round_trip(client, tavus):
    created = await client.create_guardrails(RULES)
    assert created.guardrails_id.startswith("g") and created.guardrails_name == "Hiring compliance"
    got = await client.get_guardrails(created.guardrails_id)
    assert [g.guardrail_name for g in got.data] == ["no_protected_traits", "no_promises"]
    assert [g.guardrails_id for g in await client.list_guardrails()] == [created.guardrails_id]
    await client.delete_guardrails(created.guardrails_id)
    with pytest.raises(te.NotFoundError, match="Guardrails not found"):
        await client.delete_guardrails(created.guardrails_id)


async def test_document_is_processed_and_reported(client, tavus, receiver):
    url, got = receiver
    got.clear()
    tavus.control("config", {"document_seconds": 0.05})
    doc = await client.create_document(
        DocumentCreate(
            document_url="https://example.org/jobs/backend.pdf", document_name="JD", callback_url=url
        )
    )
    assert doc.status == "started" and doc.pending
    wait_until(lambda: len(got) == 3, what="three document callbacks")
    updates = [document_update(body) for body in got]
    assert [(u.document_id, u.status) for u in updates] == [
        (doc.document_id, "started"),
        (doc.document_id, "processing"),
        (doc.document_id, "ready"),
    ]
    assert (await client.get_document(doc.document_id)).ready
    got.clear()
    tavus.control("config", {"callback_mode": "drop"})  # lost callbacks: polling still tells
    lost = await client.create_document(
        DocumentCreate(document_url="https://example.org/b.pdf", callback_url=url)
    )
    wait_until(lambda: tavus.state.documents[lost.document_id]["status"] == "ready", what="second document")
    assert got == [] and (await client.get_document(lost.document_id)).ready
    await client.delete_document(doc.document_id)
    with pytest.raises(te.NotFoundError, match="Document not found"):
        await client.get_document(doc.document_id)


async def test_document_failures_carry_tavus_code(client, tavus):
    tavus.control("config", {"document_seconds": 0.02, "document_outcome": "error"})
    broken = await client.create_document(DocumentCreate(document_url="https://example.org/gone.pdf"))
    tavus.control("config", {"document_outcome": "ready"})
    odd = await client.create_document(DocumentCreate(document_url="https://example.org/role.zip"))
    docs = tavus.state.documents
    wait_until(lambda: all(docs[d]["status"] == "error" for d in (broken.document_id, odd.document_id)))
    assert (await client.get_document(broken.document_id)).error_message == "file_download_failed"
    assert (await client.get_document(odd.document_id)).error_message == "file_format_unsupported"
    with pytest.raises(ModelError, match="http"):
        DocumentCreate(document_url="file:///etc/passwd")


async def test_list_documents_counts_pages_from_zero(client, tavus):
    for i in range(130):
        did = f"d{i:04x}-000000000000"
        tavus.state.documents[did] = {"document_id": did, "status": "ready", "crawl_config": None, "tags": []}
    assert len({d.document_id for d in await client.list_documents()}) == 130
    pages = [r for r in tavus.state.requests if r["path"] == "/v2/documents"]
    assert len(pages) == 2
    assert len(await client.list_documents(status="error")) == 0


# personas and conversations
async def test_persona_carries_plan_guardrails_documents_and_sparrow(client, tavus):
    objectives = await client.create_objectives(PLAN)
    guardrails = await client.create_guardrails(RULES)
    doc = await client.create_document(DocumentCreate(document_url="https://example.org/jd.txt"))
    persona = await make_persona(
        client,
        objectives_id=objectives.objectives_id,
        guardrails_id=guardrails.guardrails_id,
        document_ids=[doc.document_id],
        layers=Layers.with_smart_turns(True),
    )
    stored = tavus.state.personas[persona.persona_id]
    assert stored["layers"] == {"conversational_flow": {"turn_detection_model": "sparrow-1"}}
    assert (stored["objectives_id"], stored["guardrails_id"]) == (
        objectives.objectives_id,
        guardrails.guardrails_id,
    )
    # Tavus's GET persona (May 2026 file) shows the documents, never the plan's ids
    got = await client.get_persona(persona.persona_id)
    assert got.document_ids == [doc.document_id] and got.objectives_id is None
    assert got.layers.smart_turn_detection()
    legacy = await make_persona(client, layers=Layers(stt=SttLayer(smart_turn_detection=True)))
    assert (await client.get_persona(legacy.persona_id)).layers.smart_turn_detection()
    assert Layers.with_smart_turns(False).smart_turn_detection() is False
    tavus.control("config", {"persona_answer": "wrapped"})  # the May 2026 file's {"data": [persona]}
    assert (await client.get_persona(persona.persona_id)).document_ids == [doc.document_id]


async def test_unknown_ids_on_a_persona_are_refused(client, tavus):
    with pytest.raises(te.NotFoundError, match="Invalid objectives_id"):
        await make_persona(client, objectives_id="o000000000")
    with pytest.raises(te.NotFoundError, match="Invalid guardrails_id"):
        await make_persona(client, guardrails_id="g000000000")
    with pytest.raises(te.NotFoundError, match="Invalid document_ids"):
        await make_persona(client, document_ids=["d0-000000000000"])
    assert not tavus.state.personas


async def test_plan_is_attached_to_an_existing_persona_by_json_patch(client, tavus):
    from bot.tavus.models import PatchOperation

    persona = await make_persona(client)
    with pytest.raises(te.NotFoundError, match="Invalid objectives_id"):
        await client.patch_persona(
            persona.persona_id, [PatchOperation(op="add", path="/objectives_id", value="o000000000")]
        )
    objectives = await client.create_objectives(PLAN)
    patched = await client.patch_persona(
        persona.persona_id, [PatchOperation(op="add", path="/objectives_id", value=objectives.objectives_id)]
    )
    assert patched.objectives_id == objectives.objectives_id


async def test_test_conversation_costs_nothing_and_holds_no_slot(client, tavus):
    tavus.control("config", {"concurrency_limit": 1, "credits": 1})
    persona = await make_persona(client)
    await client.create_conversation(
        ConversationCreate(persona_id=persona.persona_id, conversation_name="[ref-busy]"), marker="ref-busy"
    )
    test = await client.create_test_conversation(persona.persona_id, marker="ref-try1")
    assert test.status == "ended" and "ref-try1" in test.conversation_name
    assert tavus.state.conversations[test.conversation_id].body["test_mode"] is True
    assert tavus.state.credits == 0  # only the real one was billed
    assert tavus.control(f"conversations/{test.conversation_id}/join")["changed"] is False


async def test_private_room_needs_its_meeting_token(client, tavus):
    persona = await make_persona(client)
    conv = await client.create_conversation(
        ConversationCreate(persona_id=persona.persona_id, conversation_name="[ref-priv]", require_auth=True),
        marker="ref-priv",
    )
    assert conv.meeting_token and conv.meeting_token not in repr(conv)
    assert httpx.get(conv.conversation_url).status_code == 403
    assert "not allowed" in httpx.get(conv.conversation_url + "?t=wrong").text
    assert httpx.get(conv.join_url()).status_code == 200


# send-app-message
async def test_note_reaches_a_live_interviewer(client, tavus):
    persona = await make_persona(client)
    conv = await client.create_conversation(
        ConversationCreate(persona_id=persona.persona_id, conversation_name="[ref-note]"), marker="ref-note"
    )
    await client.append_llm_context(conv.conversation_id, "Probe their Kubernetes experience.")
    tavus.control(f"conversations/{conv.conversation_id}/join")
    await client.append_llm_context(conv.conversation_id, "Ask for a concrete example.")
    got = tavus.state.conversations[conv.conversation_id].app_messages
    assert [(m["event_type"], m["properties"]["context"], m["queued"]) for m in got] == [
        ("conversation.append_llm_context", "Probe their Kubernetes experience.", True),
        ("conversation.append_llm_context", "Ask for a concrete example.", False),
    ]


async def test_gone_room_counts_as_not_active(client, tavus):
    conv = await live_conversation(client, tavus)
    path = f"/v2/conversations/{conv.conversation_id}/send-app-message"
    gone = {"error": "The conversation's room is no longer available."}
    tavus.control("faults", {"method": "POST", "path": path, "status": 410, "body": gone})
    with pytest.raises(te.ConversationNotActiveError, match="no longer available"):
        await client.append_llm_context(conv.conversation_id, "hello?")
    assert len(posts(tavus, path)) == 1


async def test_note_to_an_ended_conversation_is_refused(client, tavus):
    conv = await live_conversation(client, tavus)
    await client.end_conversation(conv.conversation_id)
    with pytest.raises(te.ConversationNotActiveError, match="only be sent to active"):
        await client.append_llm_context(conv.conversation_id, "too late")
    with pytest.raises(te.NotFoundError):
        await client.append_llm_context("c000000000", "nobody")
    with pytest.raises(ValueError, match="empty"):
        await client.append_llm_context(conv.conversation_id, "   ")
    with pytest.raises(te.ValidationError) as info:
        await client.append_llm_context(conv.conversation_id, "x" * 70_000)
    assert info.value.status == 413
    assert len(posts(tavus, f"/v2/conversations/{conv.conversation_id}/send-app-message")) == 1


async def test_502_is_retried_because_nothing_was_delivered(client, tavus):
    conv = await live_conversation(client, tavus)
    tavus.control(f"conversations/{conv.conversation_id}/app-message-fault", {"status": 502})
    await client.append_llm_context(conv.conversation_id, "once")
    assert [
        m["properties"]["context"] for m in tavus.state.conversations[conv.conversation_id].app_messages
    ] == ["once"]
    assert len(client.sleeps) == 1
    tavus.control(f"conversations/{conv.conversation_id}/app-message-fault", {"status": 502, "times": 10})
    with pytest.raises(te.AppMessageNotDeliveredError, match="Please retry"):
        await client.append_llm_context(conv.conversation_id, "never")
    assert len(tavus.state.conversations[conv.conversation_id].app_messages) == 1


async def test_504_is_not_sent_again(client, tavus):
    conv = await live_conversation(client, tavus)
    tavus.control(f"conversations/{conv.conversation_id}/app-message-fault", {"status": 504})
    with pytest.raises(te.AppMessageMaybeDeliveredError, match="may have been delivered") as info:
        await client.append_llm_context(conv.conversation_id, "maybe")
    assert info.value.status == 504
    assert not isinstance(info.value, te.ServerError | te.TavusConnectionError)  # generic retries skip it
    assert len(posts(tavus, f"/v2/conversations/{conv.conversation_id}/send-app-message")) == 1
    assert len(tavus.state.conversations[conv.conversation_id].app_messages) == 1  # it was delivered
    assert client.sleeps == []


@pytest.mark.parametrize(("kind", "delivered"), [("reset", 0), ("drop", 1)])
async def test_broken_connection_is_not_sent_again(client, tavus, kind, delivered):
    conv = await live_conversation(client, tavus)
    path = f"/v2/conversations/{conv.conversation_id}/send-app-message"
    tavus.control("faults", {"method": "POST", "path": path, "kind": kind})
    with pytest.raises(te.AppMessageMaybeDeliveredError):
        await client.append_llm_context(conv.conversation_id, "lost?")
    assert len(posts(tavus, path)) == 1
    assert len(tavus.state.conversations[conv.conversation_id].app_messages) == delivered


async def test_timeout_is_not_sent_again(client, tavus):
    slow = TavusClient(
        TAVUS_KEY, base_url=tavus.url, backoff=0.001, http_client=HttpxAiohttpClient(timeout=0.3)
    )
    conv = await live_conversation(client, tavus)
    path = f"/v2/conversations/{conv.conversation_id}/send-app-message"
    tavus.control("faults", {"method": "POST", "path": path, "kind": "stall_after", "seconds": 2})
    with pytest.raises(te.AppMessageMaybeDeliveredError, match="did not answer in time"):
        await slow.append_llm_context(conv.conversation_id, "slow")
    assert len(posts(tavus, path)) == 1
    await slow.aclose()


async def test_rate_limit_is_retried_after_retry_after(client, tavus):
    conv = await live_conversation(client, tavus)
    tavus.control("config", {"app_message_rate_per_minute": 1})
    await client.append_llm_context(conv.conversation_id, "first")
    with pytest.raises(te.RateLimitError) as info:
        await client.append_llm_context(conv.conversation_id, "second")
    assert 1 <= info.value.retry_after <= 60
    assert client.sleeps == [min(info.value.retry_after, 30.0)] * 3  # capped, then gave up
    assert len(tavus.state.conversations[conv.conversation_id].app_messages) == 1


async def test_refused_connection_is_retried_then_reported():
    sleeps = Sleeps()
    closed = TavusClient(TAVUS_KEY, base_url=f"http://127.0.0.1:{free_port()}", backoff=0.001, sleep=sleeps)
    with pytest.raises(te.TavusConnectionError, match="could not be reached") as info:
        await closed.append_llm_context("c123456789", "hello")
    assert info.value.maybe_sent is False and len(sleeps) == 3
    await closed.aclose()


async def test_app_message_failures_never_log_the_key(tavus, caplog):
    caplog.set_level(logging.DEBUG)
    key = "tavus-secret-key-9f8e7d"
    tavus.control("config", {"extra_keys": [key]})
    c = TavusClient(key, base_url=tavus.url, backoff=0.001)
    conv = await live_conversation(c, tavus)
    tavus.control(f"conversations/{conv.conversation_id}/app-message-fault", {"status": 502, "times": 2})
    await c.append_llm_context(conv.conversation_id, "note")
    assert "retrying" in caplog.text and key not in caplog.text + repr(c)
    await c.aclose()


# faults on the new creates and reads
@pytest.mark.parametrize("kind", ["reset", "drop"])
async def test_creates_are_not_repeated_after_a_broken_connection(client, tavus, kind):
    for path in ("/v2/objectives", "/v2/guardrails", "/v2/documents"):
        tavus.control("faults", {"method": "POST", "path": path, "kind": kind})
    with pytest.raises(te.TavusConnectionError):
        await client.create_objectives(PLAN)
    with pytest.raises(te.TavusConnectionError):
        await client.create_guardrails(RULES)
    with pytest.raises(te.TavusConnectionError):
        await client.create_document(DocumentCreate(document_url="https://example.org/jd.pdf"))
    for path in ("/v2/objectives", "/v2/guardrails", "/v2/documents"):
        assert len(posts(tavus, path)) == 1
    made = len(tavus.state.objectives) + len(tavus.state.guardrails) + len(tavus.state.documents)
    assert made == (3 if kind == "drop" else 0)


async def test_reads_retry_server_errors_and_time_out(client, tavus):
    created = await client.create_objectives(PLAN)
    tavus.control("faults", {"method": "GET", "path": "/v2/objectives/", "status": 503, "times": 2})
    assert (await client.get_objectives(created.objectives_id)).data
    assert len(client.sleeps) == 2
    slow = TavusClient(
        TAVUS_KEY, base_url=tavus.url, max_retries=0, http_client=HttpxAiohttpClient(timeout=0.2)
    )
    tavus.control("latency", {"method": "GET", "path": "/v2/documents", "seconds": 0.6})
    with pytest.raises(te.TavusTimeoutError):
        await slow.list_documents()
    await slow.aclose()


# in-call events, end to end at the Tavus layer
async def test_simulated_call_reports_objectives_and_guardrails(client, tavus, receiver):
    url, got = receiver
    got.clear()
    objectives = await client.create_objectives(PLAN)
    guardrails = await client.create_guardrails(RULES)
    persona = await make_persona(
        client, objectives_id=objectives.objectives_id, guardrails_id=guardrails.guardrails_id
    )
    conv = await client.create_conversation(
        ConversationCreate(persona_id=persona.persona_id, callback_url=f"{url}?ref=ref-ev"), marker="ref-ev"
    )
    cid = conv.conversation_id
    tavus.control(f"conversations/{cid}/join")
    tavus.control(
        f"conversations/{cid}/objective",
        {"objective_name": "experience", "output_variables": {"years": "6", "main_stack": "Go"}},
    )
    # each event goes out on its own: one that happened later may arrive first (as at Tavus), so
    # the second objective is completed once the first one's callback is in
    completed = lambda: [c[0] for c in map(objective_completion, map(read_event, list(got))) if c]  # noqa: E731
    wait_until(lambda: "experience" in completed(), what="the first objective's callback")
    tavus.control(f"conversations/{cid}/objective", {"objective_name": "motivation"})
    tavus.control(
        f"conversations/{cid}/guardrail", {"guardrail_name": "no_protected_traits", "reason": "age"}
    )
    wait_until(lambda: len(got) == 4, what="four callbacks")
    events = [read_event(body) for body in got]
    assert all(e.conversation_id == cid for e in events)
    done = [c for c in map(objective_completion, events) if c]
    assert done == [
        ("experience", {"years": "6", "main_stack": "Go"}),
        ("motivation", {"why": "simulated why"}),
    ]
    tripped = [t for t in map(guardrail_trigger, events) if t]
    assert tripped == [("no_protected_traits", "age", guardrails.guardrails_id)]
    verbose = await client.get_conversation(cid, verbose=True)
    assert [e.event_type for e in verbose.events][1:] == [
        "conversation.objective.completed",
        "conversation.objective.completed",
        "conversation.guardrail.triggered",
    ]
