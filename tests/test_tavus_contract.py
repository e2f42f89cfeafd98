"""Cross-check our Tavus models and simulator against ../shared/tavus-openapi.yaml.

tavus-api.md wins where the two differ; each such field is listed below with the reason.
"""

from pathlib import Path

import httpx
import pytest

from bot.tavus import models as m
from tests.conftest import SHARED, TAVUS_KEY, need_shared
from tests.helpers import JSON_TYPES, compatible

SPEC = SHARED / "tavus-openapi.yaml"


@pytest.fixture(autouse=True)
def spec() -> Path:
    return need_shared(SPEC)  # skips in a user's clone, fails under CI


PAIRS = [
    (m.PersonaCreate, "CreatePersonaRequest"),
    (m.Persona, "Persona"),
    (m.Layers, "PersonaLayers"),
    (m.PerceptionLayer, "PerceptionLayer"),
    (m.SttLayer, "SttLayer"),
    (m.ConversationalFlowLayer, "ConversationalFlowLayer"),
    (m.LlmLayer, "LlmLayer"),
    (m.TtsLayer, "TtsLayer"),
    (m.ConversationCreate, "CreateConversationRequest"),
    (m.ConversationProperties, "ConversationProperties"),
    (m.Conversation, "Conversation"),
    (m.Replica, "Replica"),
]

# Fields tavus-api.md documents that the third-party spec leaves out.
DOCUMENTED_ONLY = {
    "PersonaCreate.document_tags": "tavus-api.md lists document_tags on persona create",
    "PerceptionLayer.perception_tool_prompt": "tavus-api.md: layers.perception.perception_tool_prompt",
    "PerceptionLayer.perception_tools": "tavus-api.md: layers.perception.perception_tools",
    "SttLayer.smart_turn_detection": "the quickstart's stt.smart_turn_detection (tavus-api.md)",
    "ConversationCreate.conversation_name": "tavus-api.md: conversation_name on create",
    "ConversationCreate.test_mode": "tavus-api.md: test_mode on create",
    "ConversationCreate.require_auth": "tavus-api.md: require_auth on create",
    "ConversationCreate.max_participants": "tavus-api.md: max_participants on create",
    "Conversation.meeting_token": "tavus-api.md: the create answer adds meeting_token with require_auth",
    "Conversation.events": "tavus-api.md: GET ?verbose=true adds events",
    **{
        field: "in tavus-openapi-2026-05.yaml (tests/test_tavus_contract_2026.py checks it)"
        for field in (
            "Persona.document_ids",
            "Persona.document_tags",
            "ConversationalFlowLayer.voice_isolation",
            "ConversationalFlowLayer.idle_engagement",
            "ConversationCreate.document_tags",
            "ConversationCreate.document_retrieval_strategy",
        )
    },
}


@pytest.fixture(scope="module")
def schemas():
    import yaml

    # need_shared here too: a module-scoped fixture is set up before the function-scoped skip above
    return yaml.safe_load(need_shared(SPEC).read_text())["components"]["schemas"]


@pytest.mark.parametrize(("model", "name"), PAIRS, ids=[n for _, n in PAIRS])
def test_models_agree_with_the_spec(model, name, schemas):
    props = schemas[name].get("properties", {})
    for field, info in model.model_fields.items():
        key = info.alias or field
        if key not in props:
            assert f"{model.__name__}.{key}" in DOCUMENTED_ONLY, (
                f"{model.__name__}.{key} is in neither source"
            )
            continue
        assert compatible(info.annotation, props[key]), f"{model.__name__}.{key}: {props[key]}"


def check_answer(body: dict, schema: dict, allowed_extra: set[str] = frozenset()) -> None:
    props = schema["properties"]
    for key, value in body.items():
        if key in allowed_extra or value is None:
            continue
        assert key in props, f"simulator answers {key!r}, which the spec does not know"
        assert isinstance(value, JSON_TYPES[props[key].get("type", "object")]), key


def test_simulator_answers_match_the_spec(tavus, schemas):
    h = {"x-api-key": TAVUS_KEY}
    with httpx.Client(base_url=tavus.url, headers=h) as http:
        created = http.post(
            "/v2/personas",
            json={"persona_name": "a", "system_prompt": "b", "default_replica_id": "rfe12d8b9597"},
        ).json()
        check_answer(created, schemas["Persona"])
        check_answer(http.get(f"/v2/personas/{created['persona_id']}").json(), schemas["Persona"])
        conv = http.post(
            "/v2/conversations", json={"persona_id": created["persona_id"], "require_auth": True}
        ).json()
        check_answer(conv, schemas["CreateConversationResponse"])
        assert conv["meeting_token"]
        got = http.get(f"/v2/conversations/{conv['conversation_id']}", params={"verbose": "true"}).json()
        check_answer(got, schemas["Conversation"], {"events"})
        for replica in http.get("/v2/replicas").json()["data"]:
            check_answer(replica, schemas["Replica"])
        listing = http.get("/v2/conversations").json()
        check_answer(listing, schemas["ListConversationsResponse"], {"total_count"})
