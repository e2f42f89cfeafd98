"""Issue 23: sim-tavus kept honest automatically. Schemathesis generates requests from Tavus's own
OpenAPI file (../shared/tavus-openapi-2026-05.yaml) for every route the app uses, sends them to the
stand-in served on loopback, and fails on any answer the file does not allow (status, content type,
body schema, or a 5xx). A short seeded run: a few examples an operation, derandomized.

The stand-in's answers that differ from the file on purpose are listed in DIVERGENCES, each with its
reason; they are the only ones tolerated."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings

from tests.conftest import SHARED, TAVUS_KEY, need_shared

SPEC = SHARED / "tavus-openapi-2026-05.yaml"
EXAMPLES = 3  # per operation: enough to reach each answer the file describes, under ~30 s in all

# (method, path) of every Tavus route the app calls (bot/tavus/client.py, bot/tavus/resources.py)
USED = {
    ("GET", "/v2/replicas"),
    ("POST", "/v2/personas"),
    ("GET", "/v2/personas"),
    ("GET", "/v2/personas/{persona_id}"),
    ("PATCH", "/v2/personas/{persona_id}"),
    ("DELETE", "/v2/personas/{persona_id}"),
    ("POST", "/v2/conversations"),
    ("GET", "/v2/conversations"),
    ("GET", "/v2/conversations/{conversation_id}"),
    ("DELETE", "/v2/conversations/{conversation_id}"),
    ("POST", "/v2/conversations/{conversation_id}/end"),
    ("POST", "/v2/objectives"),
    ("GET", "/v2/objectives"),
    ("GET", "/v2/objectives/{objectives_id}"),
    ("DELETE", "/v2/objectives/{objectives_id}"),
    ("POST", "/v2/guardrails"),
    ("GET", "/v2/guardrails"),
    ("GET", "/v2/guardrails/{guardrails_id}"),
    ("DELETE", "/v2/guardrails/{guardrails_id}"),
    ("POST", "/v2/documents"),
    ("GET", "/v2/documents"),
    ("GET", "/v2/documents/{document_id}"),
    ("DELETE", "/v2/documents/{document_id}"),
}

# Where the stand-in answers otherwise than the file, on purpose: (method, path) → (words of the
# failure that is tolerated, and only it; why).
SET_AS_LIST = (
    'is not of type "object"',
    "a set holds several objectives or guardrails (the app makes one per plan line), and the file's "
    "own PATCH examples address them as /data/0/…: only a list can hold a set, so the stand-in answers "
    "`data` as one; the app reads an object too (ObjectiveSet, GuardrailSet: _data_as_list)",
)
DIVERGENCES: dict[tuple[str, str], tuple[str, str]] = {
    ("GET", "/v2/objectives/{objectives_id}"): SET_AS_LIST,
    ("GET", "/v2/guardrails/{guardrails_id}"): SET_AS_LIST,
}


def response_checks() -> list:
    """The checks of what the stand-in answered: never a 5xx, a status, content type, headers and
    body the file allows. (Whether it accepts every request the file's loose schemas allow is not
    one of them: Tavus refuses `{}` as a conversation too, for want of a replica.)"""
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]


# the ids the file's own examples use, so its example requests find objects and see 200s
EXAMPLE_IDS = {
    "personas": "pcb7a34da5fe",
    "conversations": "c123456",
    "objectives": "o12345",
    "guardrails": "g12345",
    "documents": "d8-5c71baca86fc",
}


SEEDS = {  # kind → (its id field, a body the stand-in accepts)
    "personas": (
        "persona_id",
        {"persona_name": "P", "system_prompt": "Hi.", "default_replica_id": "rfe12d8b9597"},
    ),
    "objectives": ("objectives_id", {"data": [{"objective_name": "a", "objective_prompt": "b"}]}),
    "guardrails": ("guardrails_id", {"data": [{"guardrail_name": "g", "guardrail_prompt": "p"}]}),
    "documents": ("document_id", {"document_url": "https://example.org/jd.pdf"}),
    "conversations": ("conversation_id", {}),
}


def seed(tavus) -> None:
    """One object of each kind under the file's example ids, made through the stand-in's API."""
    import httpx

    state = tavus.state
    with httpx.Client(base_url=f"{tavus.url}/v2", headers={"x-api-key": TAVUS_KEY}, timeout=10) as api:
        for kind, (field, body) in SEEDS.items():
            if kind == "conversations":
                body = {"persona_id": EXAMPLE_IDS["personas"]}
            made, new = api.post(f"/{kind}", json=body).json()[field], EXAMPLE_IDS[kind]
            table = getattr(state, kind)
            table[new] = table.pop(made)
            if kind == "conversations":
                table[new].conversation_id = table[new].body["conversation_id"] = new
            elif field in table[new]:
                table[new][field] = new


def tolerated(key: tuple[str, str], failure: str) -> bool:
    """Whether `failure` is the listed divergence of this operation, and nothing more."""
    words = DIVERGENCES.get(key, ("", ""))[0]
    return bool(words) and words in failure and "distinct failure" in failure and "1 distinct" in failure


def operations():
    import schemathesis

    schema = schemathesis.openapi.from_path(need_shared(SPEC))
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in USED:
            yield operation


def test_every_route_the_app_uses_answers_as_tavus_documents(tavus):
    need_shared(SPEC)  # a user's clone has no ../shared/: skipped there (failed under CI=true)
    tavus.control("config", {"document_seconds": 600})  # the seeded document stays as it is
    seed(tavus)
    started, checked, failures, checks = time.monotonic(), set(), [], response_checks()
    for operation in operations():
        key = (operation.method.upper(), operation.path)
        checked.add(key)

        # the file's own examples first (they name the seeded objects), then generated requests
        for strategy in [*operation.get_strategies_from_examples(), operation.as_strategy()]:

            @given(case=strategy)
            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )
            def conforms(case) -> None:
                case.call_and_validate(
                    base_url=tavus.url, headers={"x-api-key": TAVUS_KEY}, checks=checks, timeout=10
                )

            try:
                conforms()
            except (Exception, BaseExceptionGroup) as exc:  # every operation is tried, all reported
                if not tolerated(key, str(exc)):
                    failures.append(f"{key[0]} {key[1]}: {str(exc)[:1500]}")
                break
    assert checked == USED, f"the file no longer describes {sorted(USED - checked)}"
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)
    assert time.monotonic() - started < 120  # it is meant to stay a short run
