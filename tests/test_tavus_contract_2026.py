"""Cross-check our Tavus models and simulator against Tavus's own OpenAPI file of May 2026
(../shared/tavus-openapi-2026-05.yaml). Fields and routes the file leaves out are listed with why."""

import types
import typing

import httpx
import pytest

from bot.tavus import app_messages as am
from bot.tavus import documents as d
from bot.tavus import models as m
from bot.tavus import objectives as o
from tests.conftest import SHARED, TAVUS_KEY, need_shared
from tests.helpers import JSON_TYPES, compatible

SPEC = SHARED / "tavus-openapi-2026-05.yaml"

# (model, where its fields are documented: (method, path, "request" | status code, keys to walk) ...)
PERSONA_REQ = ("post", "/v2/personas", "request", ())
PAIRS = {
    "ObjectivesCreate": (o.ObjectivesCreate, [("post", "/v2/objectives", "request", ())]),
    "ObjectiveSpec": (o.ObjectiveSpec, [("post", "/v2/objectives", "request", ("data", "[]"))]),
    "Objective": (o.Objective, [("get", "/v2/objectives", "200", ("data", "[]"))]),
    "ObjectiveSet": (
        o.ObjectiveSet,
        [("post", "/v2/objectives", "200", ()), ("get", "/v2/objectives/{objectives_id}", "200", ())],
    ),
    "GuardrailsCreate": (o.GuardrailsCreate, [("post", "/v2/guardrails", "request", ())]),
    "GuardrailSpec": (o.GuardrailSpec, [("post", "/v2/guardrails", "request", ("data", "[]"))]),
    "Guardrail": (o.Guardrail, [("get", "/v2/guardrails/{guardrails_id}", "200", ("data",))]),
    "GuardrailSet": (
        o.GuardrailSet,
        [
            ("post", "/v2/guardrails", "200", ()),
            ("get", "/v2/guardrails", "200", ("data", "[]")),
            ("get", "/v2/guardrails/{guardrails_id}", "200", ()),
        ],
    ),
    "DocumentCreate": (d.DocumentCreate, [("post", "/v2/documents", "request", ())]),
    "Crawl": (d.Crawl, [("post", "/v2/documents", "request", ("crawl",))]),
    "Document": (d.Document, [("get", "/v2/documents/{document_id}", "200", ())]),
    "CrawlConfig": (d.CrawlConfig, [("get", "/v2/documents/{document_id}", "200", ("crawl_config",))]),
    "PersonaCreate": (m.PersonaCreate, [PERSONA_REQ]),
    # GET answers `{"data": [persona]}` in this file (the client unwraps it); create's fields come back
    "Persona": (m.Persona, [("get", "/v2/personas/{persona_id}", "200", ("data", "[]")), PERSONA_REQ]),
    "Layers": (m.Layers, [(*PERSONA_REQ[:3], ("layers",))]),
    "PerceptionLayer": (m.PerceptionLayer, [(*PERSONA_REQ[:3], ("layers", "perception"))]),
    "SttLayer": (m.SttLayer, [(*PERSONA_REQ[:3], ("layers", "stt"))]),
    "ConversationalFlowLayer": (
        m.ConversationalFlowLayer,
        [(*PERSONA_REQ[:3], ("layers", "conversational_flow"))],
    ),
    "LlmLayer": (m.LlmLayer, [(*PERSONA_REQ[:3], ("layers", "llm"))]),
    "TtsLayer": (m.TtsLayer, [(*PERSONA_REQ[:3], ("layers", "tts"))]),
    "ConversationCreate": (m.ConversationCreate, [("post", "/v2/conversations", "request", ())]),
    "ConversationProperties": (
        m.ConversationProperties,
        [("post", "/v2/conversations", "request", ("properties",))],
    ),
    "Conversation": (
        m.Conversation,
        [("post", "/v2/conversations", "200", ()), ("get", "/v2/conversations/{conversation_id}", "200", ())],
    ),
}

# Fields the May 2026 file leaves out, each with the source that documents them.
DOCUMENTED_ONLY = {
    "ObjectiveSet.updated_at": "the list rows of GET /v2/objectives carry updated_at",
    "PersonaCreate.context": "tavus-api.md: context on persona create (the older file has it too)",
    "Persona.context": "tavus-api.md: GET /v2/personas/{id} answers the fields of create",
    "PerceptionLayer.ambient_awareness_queries": "tavus-api.md; this file splits it into visual_/audio_*",
    "PerceptionLayer.perception_tool_prompt": "tavus-api.md; this file has visual_tool_prompt",
    "PerceptionLayer.perception_tools": "tavus-api.md; this file has visual_tools",
    "SttLayer.smart_turn_detection": "the legacy form, still read (tavus-api.md, Current API: Names)",
    "PerceptionLayer.perception_analysis_queries": "the older third-party file",
}
# A set's `data`: the file answers one object but patches `/data/0/...`; we read either as a list.
DATA_AS_LIST = {"ObjectiveSet.data", "GuardrailSet.data"}
# Simulator routes the file has no path for, and routes of the file it does not simulate.
SIM_ONLY = {
    "POST /v2/conversations/{}/send-app-message": "tavus-api.md; the file has its body only",
}
NOT_SIMULATED_FAMILIES = ("/v2/objectives", "/v2/guardrails", "/v2/documents")
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
NOT_SIMULATED = {
    "PATCH /v2/objectives/{}": "the app makes a new set instead of patching one",
    "PATCH /v2/guardrails/{}": "the app makes a new set instead of patching one",
    "PATCH /v2/documents/{}": "the app never renames or retags documents",
    "POST /v2/documents/{}/recrawl": "the app never recrawls",
}


@pytest.fixture(scope="module")
def spec():
    import yaml

    return yaml.safe_load(need_shared(SPEC).read_text())  # skips in a user's clone, fails under CI


def resolve(spec, schema):
    while "$ref" in schema:
        node = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def schema_at(spec, method, path, where, keys):
    operation = spec["paths"][path][method]
    if where == "request":
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
    else:
        schema = operation["responses"][where]["content"]["application/json"]["schema"]
    for key in keys:
        schema = resolve(spec, schema)
        schema = schema["items"] if key == "[]" else schema["properties"][key]
    return resolve(spec, schema)


def literal_values(annotation) -> set:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return set().union(*(literal_values(a) for a in typing.get_args(annotation)))
    return set(typing.get_args(annotation)) if origin is typing.Literal else set()


@pytest.mark.parametrize("name", list(PAIRS))
def test_models_agree_with_the_file(name, spec):
    model, places = PAIRS[name]
    schemas = [schema_at(spec, *place) for place in places]
    props = {k: v for s in schemas for k, v in s.get("properties", {}).items()}
    for field, info in model.model_fields.items():
        key = f"{name}.{field}"
        if field not in props:
            assert key in DOCUMENTED_ONLY, f"{key} is not in the May 2026 file and no source is given"
            continue
        assert key not in DOCUMENTED_ONLY, f"{key} is in the file now: drop it from DOCUMENTED_ONLY"
        if key in DATA_AS_LIST:
            continue
        assert compatible(info.annotation, props[field]), f"{key}: {props[field]}"
        enum = props[field].get("enum")
        if enum and literal_values(info.annotation):
            assert literal_values(info.annotation) <= set(enum), f"{key} allows values the file does not"
    for schema in schemas if places[0][2] == "request" else []:
        for required in schema.get("required", []):
            assert model.model_fields[required].is_required(), f"{name}.{required} is required by Tavus"


def test_app_message_matches_append_llm_context(spec):
    schema = spec["components"]["schemas"]["append_llm_context"]
    body = am.AppMessage.append_llm_context("c123", "Ask about Go.").to_json()
    assert set(body) == set(schema["properties"])
    assert body["event_type"] == schema["example"]["event_type"]
    assert body["message_type"] == schema["example"]["message_type"]
    assert set(body["properties"]) >= set(schema["properties"]["properties"]["required"])


def normal(path: str) -> str:
    import re

    return re.sub(r"\{[^}]+\}", "{}", path)


def test_simulator_routes_are_in_the_file(tavus, spec):
    documented = {
        f"{meth.upper()} {normal(p)}"
        for p, ops in spec["paths"].items()
        for meth in ops
        if meth in HTTP_METHODS
    }
    simulated = {
        f"{meth} {normal(route.path)}"
        for route in tavus.sim.app.routes
        if getattr(route, "path", "").startswith("/v2/")
        for meth in (route.methods or set()) - {"HEAD"}
    }
    assert simulated - documented == set(SIM_ONLY)
    wanted = {r for r in documented if r.split(" ")[1].startswith(NOT_SIMULATED_FAMILIES)}
    assert wanted - simulated == set(NOT_SIMULATED)


def check_answer(body, schema, spec, allowed_extra=frozenset()):
    schema = resolve(spec, schema)
    props = schema.get("properties", {})
    for key, value in body.items():
        if key in allowed_extra or value is None:
            continue
        assert key in props, f"simulator answers {key!r}, which the file does not know"
        kind = props[key].get("type", "object")
        assert isinstance(value, JSON_TYPES[kind]), key
        if kind == "array" and "properties" in resolve(spec, props[key].get("items", {})):
            for row in value:
                check_answer(row, props[key]["items"], spec)


def test_simulator_answers_match_the_file(tavus, spec):
    def answer(method, path, status="200"):
        return spec["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]

    objective = {"objective_name": "roles", "objective_prompt": "Ask", "output_variables": ["years"]}
    with httpx.Client(base_url=tavus.url, headers={"x-api-key": TAVUS_KEY}) as http:
        made = http.post("/v2/objectives", json={"data": [objective]}).json()
        check_answer(made, answer("post", "/v2/objectives"), spec)
        check_answer(http.get("/v2/objectives").json(), answer("get", "/v2/objectives"), spec)
        one = http.get(f"/v2/objectives/{made['objectives_id']}").json()
        item = answer("get", "/v2/objectives/{objectives_id}")["properties"]["data"]
        assert set(one) == {"data"} and all(check_answer(row, item, spec) is None for row in one["data"])
        guard = {"guardrail_name": "no_age", "guardrail_prompt": "Never ask about age."}
        made = http.post("/v2/guardrails", json={"name": "set", "data": [guard]}).json()
        check_answer(made, answer("post", "/v2/guardrails"), spec)
        check_answer(http.get("/v2/guardrails").json(), answer("get", "/v2/guardrails"), spec)
        doc = http.post("/v2/documents", json={"document_url": "https://example.org/jd.pdf"}).json()
        check_answer(doc, answer("post", "/v2/documents"), spec)
        check_answer(
            http.get(f"/v2/documents/{doc['document_id']}").json(),
            answer("get", "/v2/documents/{document_id}"),
            spec,
        )
        check_answer(http.get("/v2/documents").json(), answer("get", "/v2/documents"), spec)
        missing = http.get("/v2/documents/d0-0")
        assert set(missing.json()) == set(answer("get", "/v2/documents/{document_id}", "404")["properties"])
        persona = http.post(
            "/v2/personas", json={"system_prompt": "Hi", "default_replica_id": "rfe12d8b9597"}
        ).json()
        conv = http.post(
            "/v2/conversations", json={"persona_id": persona["persona_id"], "require_auth": True}
        ).json()
        check_answer(conv, answer("post", "/v2/conversations"), spec)
        assert conv["meeting_token"]
        test = http.post(
            "/v2/conversations", json={"persona_id": persona["persona_id"], "test_mode": True}
        ).json()
        assert test["status"] == "ended"
