"""TavusClient against the Tavus simulator over loopback: every endpoint, error and retry."""

import asyncio
import logging

import httpx
import pytest
from httpx_aiohttp import HttpxAiohttpClient

from bot.tavus import errors as te
from bot.tavus.client import TavusClient
from bot.tavus.models import (
    ConversationalFlowLayer,
    ConversationCreate,
    ConversationProperties,
    Layers,
    PatchOperation,
    PerceptionLayer,
    PersonaCreate,
    SttLayer,
)
from tests.conftest import TAVUS_KEY, free_port
from tests.helpers import TRANSPORTS, sim_tavus_client

SEED = PersonaCreate(
    persona_name="Interviewer",
    system_prompt="You are a friendly interviewer.",
    context="Backend role.",
    pipeline_mode="full",
    default_replica_id="rfe12d8b9597",
    layers=Layers(
        perception=PerceptionLayer(perception_model="raven-0"), stt=SttLayer(smart_turn_detection=True)
    ),
)


@pytest.fixture(params=TRANSPORTS)
async def client(tavus, request):
    """Both transports: the app's default (httpx over aiohttp) and plain httpx."""
    c = sim_tavus_client(tavus, request.param)
    yield c
    await c.aclose()


def conv_request(persona_id: str, marker: str = "ref-test0001", **kw) -> ConversationCreate:
    return ConversationCreate(persona_id=persona_id, conversation_name=f"Round 1 [{marker}]", **kw)


async def test_persona_endpoints(client, tavus):
    created = await client.create_persona(SEED)
    assert created.persona_id.startswith("p") and created.persona_name == "Interviewer"
    got = await client.get_persona(created.persona_id)
    assert got.layers.perception.perception_model == "raven-0"
    assert got.layers.stt.smart_turn_detection is True
    patched = await client.patch_persona(
        created.persona_id, [PatchOperation(op="replace", path="/context", value="Frontend role.")]
    )
    assert patched.context == "Frontend role."
    assert [p.persona_id for p in await client.list_personas()] == [created.persona_id]
    await client.delete_persona(created.persona_id)
    with pytest.raises(te.NotFoundError):
        await client.get_persona(created.persona_id)


async def test_conversational_flow_form_is_expressible(client, tavus):
    persona = PersonaCreate(
        persona_name="Newer",
        system_prompt="Hi",
        layers=Layers(
            conversational_flow=ConversationalFlowLayer(
                turn_detection_model="sparrow-1",
                turn_taking_patience="medium",
                replica_interruptibility="low",
            )
        ),
    )
    created = await client.create_persona(persona)
    flow = tavus.state.personas[created.persona_id]["layers"]["conversational_flow"]
    assert flow == {
        "turn_detection_model": "sparrow-1",
        "turn_taking_patience": "medium",
        "replica_interruptibility": "low",
    }


async def test_list_personas_reads_every_page(client, tavus):
    for i in range(130):
        tavus.state.personas[f"p{i:07x}"] = {"persona_id": f"p{i:07x}", "persona_name": f"n{i}"}
    assert len(await client.list_personas()) == 130
    pages = [r for r in tavus.state.requests if r["path"] == "/v2/personas"]
    assert len(pages) == 2


async def test_unknown_fields_are_kept(client, tavus):
    created = await client.create_persona(SEED)
    tavus.state.personas[created.persona_id]["brand_new_field"] = {"x": 1}
    # the list (GET persona answers only the May 2026 file's fields in the stand-in)
    got = next(p for p in await client.list_personas() if p.persona_id == created.persona_id)
    assert got.model_extra["brand_new_field"] == {"x": 1}


async def test_replicas(client):
    replicas = await client.list_replicas()
    assert "rfe12d8b9597" in {r.replica_id for r in replicas}
    assert await client.list_replicas(replica_type="user") == []


async def test_conversation_endpoints(client, tavus):
    persona = await client.create_persona(SEED)
    conv = await client.create_conversation(
        conv_request(
            persona.persona_id, properties=ConversationProperties(max_call_duration=600, language="english")
        ),
        marker="ref-test0001",
    )
    assert conv.conversation_id.startswith("c") and conv.status == "active"
    assert conv.conversation_url.endswith(conv.conversation_id)
    assert [c.conversation_id for c in await client.list_conversations(status="active")] == [
        conv.conversation_id
    ]
    tavus.control(f"conversations/{conv.conversation_id}/join")
    await client.end_conversation(conv.conversation_id)
    got = await client.get_conversation(conv.conversation_id, verbose=True)
    assert got.status == "ended"
    kinds = [e.event_type for e in got.events]
    assert kinds[:2] == ["system.replica_joined", "system.shutdown"]
    assert "application.transcription_ready" in kinds and "application.perception_analysis" in kinds
    assert await client.list_conversations(status="active") == []
    await client.delete_conversation(conv.conversation_id)
    with pytest.raises(te.NotFoundError, match="Invalid conversation_id"):
        await client.get_conversation(conv.conversation_id)


async def test_authentication_error_hides_the_key(tavus, caplog):
    bad = TavusClient("wrong-key-123456", base_url=tavus.url)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(te.AuthenticationError) as info:
        await bad.list_replicas()
    assert info.value.status == 401 and info.value.message == "Invalid access token"
    assert "wrong-key-123456" not in str(info.value) + repr(info.value) + repr(bad) + caplog.text
    await bad.aclose()


async def test_validation_and_not_found(client):
    with pytest.raises(te.ValidationError, match="system_prompt is required"):
        await client.create_persona(PersonaCreate(persona_name="x", pipeline_mode="full"))
    with pytest.raises(te.ValidationError, match="Invalid replica_uuid"):
        await client.create_persona(
            PersonaCreate(persona_name="x", system_prompt="y", default_replica_id="r000000000")
        )
    with pytest.raises(te.NotFoundError):
        await client.get_persona("p0000000")
    with pytest.raises(te.NotFoundError):
        await client.end_conversation("c0000000")
    with pytest.raises(te.NotFoundError):
        await client.get_persona("../replicas")  # never builds another path


async def test_echo_with_perception_cannot_be_built():
    with pytest.raises(ValueError, match="echo mode"):
        PersonaCreate(
            persona_name="e",
            pipeline_mode="echo",
            layers=Layers(perception=PerceptionLayer(perception_model="raven-0")),
        )


async def test_concurrency_limit_and_credits(client, tavus):
    persona = await client.create_persona(SEED)
    tavus.control("config", {"concurrency_limit": 1})
    await client.create_conversation(conv_request(persona.persona_id, "ref-a"), marker="ref-a")
    with pytest.raises(te.ConcurrencyLimitError, match="maximum concurrent"):
        await client.create_conversation(conv_request(persona.persona_id, "ref-b"), marker="ref-b")
    tavus.control("config", {"concurrency_limit": 5, "credits": 0})
    with pytest.raises(te.OutOfCreditsError, match="out of conversational credits") as info:
        await client.create_conversation(conv_request(persona.persona_id, "ref-c"), marker="ref-c")
    assert info.value.status == 402


async def test_reads_retry_429_honouring_retry_after(client, tavus):
    tavus.control(
        "faults", {"method": "GET", "path": "/v2/replicas", "status": 429, "retry_after": "0.25", "times": 2}
    )
    assert await client.list_replicas()
    assert client.sleeps == [0.25, 0.25]


async def test_429_without_retry_after_backs_off_with_jitter(client, tavus):
    tavus.control("faults", {"method": "GET", "path": "/v2/replicas", "status": 429, "times": 3})
    assert await client.list_replicas()
    assert len(client.sleeps) == 3
    assert 0.005 <= client.sleeps[0] <= 0.01 and 0.02 <= client.sleeps[2] <= 0.04


async def test_rate_limit_error_carries_retry_after(client, tavus):
    tavus.control(
        "faults", {"method": "GET", "path": "/v2/replicas", "status": 429, "retry_after": "7", "times": 10}
    )
    with pytest.raises(te.RateLimitError) as info:
        await client.list_replicas()
    assert info.value.retry_after == 7.0


async def test_server_errors_retry_then_fail(client, tavus):
    tavus.control("faults", {"method": "GET", "path": "/v2/personas", "status": 502, "times": 2})
    assert await client.list_personas() == []
    tavus.control(
        "faults",
        {
            "method": "POST",
            "path": "/v2/conversations/c",
            "status": 500,
            "times": 10,
            "body": {"message": "boom"},
        },
    )
    with pytest.raises(te.ServerError, match="boom"):
        await client.end_conversation("c123456789")
    assert len(client.sleeps) == 2 + 3


@pytest.mark.parametrize("transport", [HttpxAiohttpClient, httpx.AsyncClient])
async def test_connection_refused(transport):
    closed = TavusClient(
        TAVUS_KEY, base_url=f"http://127.0.0.1:{free_port()}", backoff=0.001, http_client=transport()
    )
    with pytest.raises(te.TavusConnectionError, match="could not be reached") as info:
        await closed.list_replicas()
    assert info.value.maybe_sent is False
    await closed.aclose()


@pytest.mark.parametrize("transport", [HttpxAiohttpClient, httpx.AsyncClient])
async def test_timeout(tavus, transport):
    slow = TavusClient(
        TAVUS_KEY, base_url=tavus.url, backoff=0.001, max_retries=0, http_client=transport(timeout=0.2)
    )
    tavus.control("latency", {"method": "GET", "path": "/v2/replicas", "seconds": 0.5})
    with pytest.raises(te.TavusTimeoutError):
        await slow.list_replicas()
    await slow.aclose()


async def test_ambiguous_create_that_timed_out_is_adopted(client, tavus):
    persona = await client.create_persona(SEED)
    tavus.control(
        "faults", {"method": "POST", "path": "/v2/conversations", "kind": "stall_after", "seconds": 3}
    )
    conv = await client.create_conversation(conv_request(persona.persona_id, "ref-amb1"), marker="ref-amb1")
    assert list(tavus.state.conversations) == [conv.conversation_id]
    assert "ref-amb1" in conv.conversation_name


async def test_dropped_connection_after_create_is_adopted(client, tavus):
    persona = await client.create_persona(SEED)
    tavus.control("faults", {"method": "POST", "path": "/v2/conversations", "kind": "drop"})
    conv = await client.create_conversation(conv_request(persona.persona_id, "ref-amb2"), marker="ref-amb2")
    assert len(tavus.state.conversations) == 1 and conv.conversation_id in tavus.state.conversations


async def test_create_retried_when_surely_not_created(client, tavus):
    persona = await client.create_persona(SEED)
    tavus.control("faults", {"method": "POST", "path": "/v2/conversations", "status": 503, "times": 1})
    conv = await client.create_conversation(conv_request(persona.persona_id, "ref-amb3"), marker="ref-amb3")
    assert list(tavus.state.conversations) == [conv.conversation_id]


async def test_create_not_retried_when_it_cannot_be_checked(client, tavus):
    persona = await client.create_persona(SEED)
    tavus.control("faults", {"method": "POST", "path": "/v2/conversations", "status": 503, "times": 1})
    tavus.control("faults", {"method": "GET", "path": "/v2/conversations", "status": 503, "times": 10})
    with pytest.raises(te.ServerError):
        await client.create_conversation(conv_request(persona.persona_id, "ref-amb4"), marker="ref-amb4")
    posts = [r for r in tavus.state.requests if r["method"] == "POST" and r["path"] == "/v2/conversations"]
    assert len(posts) == 1


async def test_marker_is_required(client):
    with pytest.raises(ValueError):
        await client.create_conversation(ConversationCreate(persona_id="p1234567"), marker="ref-x")


async def test_reset_before_acting_is_not_retried_blindly(client, tavus):
    persona = await client.create_persona(SEED)
    tavus.control("faults", {"method": "POST", "path": "/v2/conversations", "kind": "reset"})
    with pytest.raises(te.TavusConnectionError):
        await client.create_conversation(conv_request(persona.persona_id, "ref-amb5"), marker="ref-amb5")
    # it looked (more than once) instead of creating again: nothing is billed twice
    assert not tavus.state.conversations
    lists = [r for r in tavus.state.requests if r["method"] == "GET" and r["path"] == "/v2/conversations"]
    assert len(lists) == 4


async def test_slow_create_beyond_the_timeout_is_adopted_not_duplicated(tavus):
    async def short_sleep(seconds: float) -> None:  # the real waits, shortened
        await asyncio.sleep(min(seconds, 0.5))

    slow = TavusClient(
        TAVUS_KEY, base_url=tavus.url, http_client=HttpxAiohttpClient(timeout=0.3), sleep=short_sleep
    )
    created = await slow.create_persona(SEED)
    tavus.control("latency", {"method": "POST", "path": "/v2/conversations", "seconds": 0.8})
    conv = await slow.create_conversation(conv_request(created.persona_id, "ref-slow"), marker="ref-slow")
    assert list(tavus.state.conversations) == [conv.conversation_id]
    await slow.aclose()
