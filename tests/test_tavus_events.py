"""Reading objective and guardrail events in every shape the shared notes list, and documents'
status callbacks; unknown shapes give None, never an exception."""

import pytest

from bot.tavus.documents import document_update
from bot.tavus.events import (
    GuardrailTrigger,
    ObjectiveCompletion,
    guardrail_trigger,
    objective_completion,
    read_event,
)
from bot.tavus.models import CallbackEvent

CID = "c123456789"


def envelope(kind: str, **props) -> dict:
    return {
        "conversation_id": CID,
        "event_type": kind,
        "message_type": kind.split(".")[0],
        "timestamp": "2026-05-01T10:00:00Z",
        "properties": props,
    }


@pytest.mark.parametrize(
    "body",
    [
        # the simulator's choice: the usual envelope, to the conversation's callback URL
        envelope(
            "conversation.objective.completed", objective_name="experience", output_variables={"years": 6}
        ),
        # third-party code's server callback: an application event in the envelope
        envelope(
            "application.objective_completed", objective_name="experience", output_variables={"years": 6}
        ),
        # the in-call interaction relayed flat, fields at the top level
        {
            "conversation_id": CID,
            "message_type": "conversation",
            "event_type": "conversation.objective.completed",
            "objective_name": "experience",
            "output_variables": {"years": 6},
        },
        # variables as a list of name/value pairs
        envelope(
            "conversation.objective.completed",
            objective_name="experience",
            output_variables=[{"name": "years", "value": 6}],
        ),
    ],
)
def test_objective_completion_shapes(body):
    assert objective_completion(body) == ObjectiveCompletion("experience", {"years": 6})
    assert objective_completion(read_event(body)) == ObjectiveCompletion("experience", {"years": 6})


def test_objective_events_that_are_not_completions():
    assert objective_completion(envelope("conversation.objective.activated", objective_name="x")) is None
    assert objective_completion(envelope("conversation.objective.pending", objective_name="x")) is None
    assert objective_completion(envelope("conversation.objective.completed")) is None  # no name
    assert objective_completion(envelope("system.shutdown", objective_name="x")) is None
    odd = envelope("conversation.objective.completed", objective_name="x", output_variables="garbage")
    assert objective_completion(odd) == ObjectiveCompletion("x", {})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            envelope("conversation.guardrail.triggered", guardrail_name="no_age", reason="asked age"),
            GuardrailTrigger("no_age", "asked age", None),
        ),
        (
            envelope(
                "application.guardrail_triggered", guardrail="no_age", reason="asked age", guardrail_id="g1"
            ),
            GuardrailTrigger("no_age", "asked age", "g1"),
        ),
        (
            {
                "conversation_id": CID,
                "event_type": "guardrail",
                "guardrail": {"guardrail_name": "no_age", "id": 7},
            },
            GuardrailTrigger("no_age", None, "7"),
        ),
        (
            envelope(
                "conversation.guardrail.triggered", guardrail_name="no_age", guardrails_id="g2", message="hi"
            ),
            GuardrailTrigger("no_age", "hi", "g2"),
        ),
    ],
)
def test_guardrail_trigger_shapes(body, expected):
    assert guardrail_trigger(body) == expected
    assert guardrail_trigger(CallbackEvent.model_validate(body)) == expected


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "text",
        {},
        {"event_type": "conversation.guardrail.triggered"},  # no conversation id
        {"conversation_id": CID, "event_type": 5},
        {"conversation_id": CID, "event_type": "x", "properties": "not an object"},
        envelope("application.brand_new_event", anything={"nested": [1, 2]}),
    ],
)
def test_unknown_shapes_never_fail(body):
    assert objective_completion(body if isinstance(body, dict) else {}) is None
    assert guardrail_trigger(body if isinstance(body, dict) else {}) is None
    event = read_event(body)
    assert event is None or event.properties is not None


def test_read_event_keeps_a_non_object_properties_out():
    event = read_event({"conversation_id": CID, "event_type": "x", "properties": "nope"})
    assert event is not None and event.properties == {}


def test_document_updates_in_any_shape():
    doc = {"document_id": "d1-abc", "status": "processing", "progress": 50}
    assert document_update(doc).status == "processing"
    assert document_update({"event_type": "document.ready", "properties": {**doc, "status": "ready"}}).ready
    assert document_update({"data": {**doc, "status": "error", "error_message": "file_empty"}}).failed
    assert document_update({"status": "ready"}) is None
    assert document_update("nope") is None
    assert document_update({"document_id": "d1", "progress": "lots"}) is None  # unreadable, not a crash
    assert document_update({"document_id": "d1", "status": "brand_new"}).pending
