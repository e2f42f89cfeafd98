"""The Tavus simulator's objectives, guardrails, documents, private and test conversations,
send-app-message and in-call events: Tavus's status codes and error bodies, and the controls."""

import httpx
import pytest

from tests.conftest import TAVUS_KEY, wait_until

H = {"x-api-key": TAVUS_KEY}
OBJ = {"objective_name": "experience", "objective_prompt": "Ask about roles", "output_variables": ["years"]}
GUARD = {"guardrail_name": "no_age", "guardrail_prompt": "Never ask about age."}


def post(tavus, path, body):
    return httpx.post(f"{tavus.url}{path}", headers=H, json=body)


def get(tavus, path, **params):
    return httpx.get(f"{tavus.url}{path}", headers=H, params=params)


def persona(tavus, **body):
    answer = post(
        tavus, "/v2/personas", {"system_prompt": "Hi", "default_replica_id": "rfe12d8b9597", **body}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["persona_id"]


def live(tavus, **persona_body):
    conv = post(tavus, "/v2/conversations", {"persona_id": persona(tavus, **persona_body)}).json()
    tavus.control(f"conversations/{conv['conversation_id']}/join")
    return conv["conversation_id"]


def note(tavus, cid, context="Ask about Go.", **extra):
    body = {
        "message_type": "conversation",
        "event_type": "conversation.append_llm_context",
        "conversation_id": cid,
        "properties": {"context": context},
        **extra,
    }
    return post(tavus, f"/v2/conversations/{cid}/send-app-message", body)


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/v2/objectives", {"data": []}, "data must be a non-empty list"),
        ("/v2/objectives", {"data": [{**OBJ, "objective_name": "two words"}]}, "must not contain spaces"),
        ("/v2/objectives", {"data": [{"objective_name": "x"}]}, "objective_prompt is required"),
        ("/v2/objectives", {"data": [{**OBJ, "confirmation_mode": "maybe"}]}, "confirmation_mode"),
        ("/v2/objectives", {"data": [OBJ, OBJ]}, "unique"),
        ("/v2/objectives", {"data": [{**OBJ, "next_required_objective": "later"}]}, "not in this request"),
        (
            "/v2/guardrails",
            {"data": [{**GUARD, "guardrail_name": "no-age"}]},
            "letters, digits and underscores",
        ),
        ("/v2/guardrails", {"data": [{**GUARD, "guardrail_prompt": "x" * 1001}]}, "1000"),
    ],
)
def test_objective_and_guardrail_validation_uses_message(tavus, path, body, message):
    answer = post(tavus, path, body)
    assert answer.status_code == 400 and message in answer.json()["message"]
    assert not tavus.state.objectives and not tavus.state.guardrails


def test_objectives_and_guardrails_shapes(tavus):
    made = post(tavus, "/v2/objectives", {"data": [OBJ]}).json()
    assert set(made) == {"objectives_id", "objective_name", "status", "created_at"}
    assert (
        get(tavus, f"/v2/objectives/{made['objectives_id']}").json()["data"][0]["confirmation_mode"] == "auto"
    )
    rows = get(tavus, "/v2/objectives").json()
    assert rows["total_count"] == 1 and rows["data"][0]["objectives_id"] == made["objectives_id"]
    assert get(tavus, "/v2/objectives/o000").json() == {"error": "Objective not found"}
    guard = post(tavus, "/v2/guardrails", {"name": "Compliance", "data": [GUARD]}).json()
    assert guard["guardrails_name"] == "Compliance"
    assert set(get(tavus, "/v2/guardrails").json()["data"][0]) == {
        "guardrails_id",
        "created_at",
        "updated_at",
    }
    deleted = httpx.delete(f"{tavus.url}/v2/guardrails/{guard['guardrails_id']}", headers=H)
    assert deleted.status_code == 204 and not deleted.content
    missing = httpx.delete(f"{tavus.url}/v2/guardrails/{guard['guardrails_id']}", headers=H)
    assert (missing.status_code, missing.json()) == (404, {"error": "Guardrails not found"})


def test_document_moves_through_its_states(tavus):
    tavus.control("config", {"document_seconds": 1.0})
    doc = post(tavus, "/v2/documents", {"document_url": "https://example.org/jd.pdf"}).json()
    assert (doc["status"], doc["document_name"]) == ("started", "jd.pdf")
    seen = set()

    def finished():
        status = get(tavus, f"/v2/documents/{doc['document_id']}").json()["status"]
        seen.add(status)
        return status == "ready"

    wait_until(finished, timeout=30, what="document ready")
    assert {"processing", "ready"} <= seen


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        ({}, 400, "document_url is required"),
        ({"document_url": "ftp://example.org/x.pdf"}, 400, "valid URL"),
        ({"document_url": "https://example.org", "crawl": {"depth": 11}}, 400, "crawl.depth"),
        ({"document_url": "https://example.org", "crawl": {"max_pages": 0}}, 400, "crawl.max_pages"),
    ],
)
def test_document_validation_uses_error(tavus, body, status, text):
    answer = post(tavus, "/v2/documents", body)
    assert answer.status_code == status and text in answer.json()["error"]


def test_only_five_crawls_at_once(tavus):
    tavus.control("config", {"document_seconds": 30})
    crawl = {"document_url": "https://example.org/careers", "crawl": {"depth": 1, "max_pages": 2}}
    assert all(post(tavus, "/v2/documents", crawl).status_code == 200 for _ in range(5))
    refused = post(tavus, "/v2/documents", crawl)
    assert refused.status_code == 429 and "crawl" in refused.json()["error"].lower()
    assert post(tavus, "/v2/documents", {"document_url": "https://example.org/a.pdf"}).status_code == 200


def test_documents_list_is_zero_based_with_filters(tavus):
    tavus.control("config", {"document_seconds": 30})
    for i in range(3):
        post(tavus, "/v2/documents", {"document_url": f"https://example.org/{i}.pdf", "tags": [f"t{i}"]})
    first = get(tavus, "/v2/documents", limit=2, page=0).json()
    assert (len(first["data"]), first["page"], first["total_count"]) == (2, 0, 3)
    assert len(get(tavus, "/v2/documents", limit=2, page=1).json()["data"]) == 1
    assert get(tavus, "/v2/documents", tags="t1,t9").json()["total_count"] == 1
    assert get(tavus, "/v2/documents", status="ready").json()["total_count"] == 0
    assert get(tavus, "/v2/documents/d0-000").json() == {"message": "Document not found"}


def test_persona_refers_only_to_what_exists(tavus):
    base = {"system_prompt": "Hi"}
    for body, error in [
        ({"objectives_id": "o0"}, "Invalid objectives_id"),
        ({"guardrails_id": "g0"}, "Invalid guardrails_id"),
        ({"document_ids": ["d0-0"]}, "Invalid document_ids: d0-0"),
        ({"layers": {"conversational_flow": {"turn_detection_model": "sparrow-9"}}}, "turn_detection_model"),
    ]:
        answer = post(tavus, "/v2/personas", {**base, **body})
        assert answer.status_code == 400 and error in answer.json()["error"]
    conv = post(tavus, "/v2/conversations", {"persona_id": persona(tavus), "document_ids": ["d0-0"]})
    assert conv.json() == {"error": "Invalid document_ids: d0-0"}


def test_private_room_and_test_mode(tavus):
    tavus.control("config", {"credits": 5})
    conv = post(tavus, "/v2/conversations", {"persona_id": persona(tavus), "require_auth": True}).json()
    assert httpx.get(conv["conversation_url"]).status_code == 403
    assert httpx.get(f"{conv['conversation_url']}?t={conv['meeting_token']}").status_code == 200
    test = post(tavus, "/v2/conversations", {"persona_id": persona(tavus), "test_mode": True}).json()
    assert test["status"] == "ended" and "meeting_token" not in test
    assert tavus.state.credits == 4 and tavus.state.active_count() == 1
    assert tavus.control(f"conversations/{test['conversation_id']}/join")["changed"] is False
    assert note(tavus, test["conversation_id"]).json() == {
        "error": "App messages can only be sent to active conversations."
    }


def test_send_app_message_records_and_validates(tavus):
    cid = live(tavus)
    assert note(tavus, cid).json() == {"message": "App message queued"}
    assert note(tavus, cid, event_type="conversation.dance").status_code == 400
    assert note(tavus, cid, message_type="system").status_code == 400
    assert "does not match" in note(tavus, cid, conversation_id="c999").json()["error"]
    assert "properties.context" in note(tavus, cid, context=" ").json()["error"]
    assert note(tavus, cid, context="x" * 70_000).status_code == 413
    assert note(tavus, "c000000000").json() == {"error": "Invalid conversation_id"}
    got = tavus.state.conversations[cid].app_messages
    assert [m["properties"]["context"] for m in got] == ["Ask about Go."]


def test_send_app_message_rate_limit(tavus):
    cid = live(tavus)
    tavus.control("config", {"app_message_rate_per_minute": 2})
    assert [note(tavus, cid).status_code for _ in range(3)] == [200, 200, 429]
    limited = note(tavus, cid)
    assert (
        limited.json() == {"message": "Too many requests"} and 30 <= int(limited.headers["retry-after"]) <= 60
    )
    assert note(tavus, live(tavus)).status_code == 200  # counted per conversation


@pytest.mark.parametrize(
    ("fault", "status", "delivered"),
    [({"status": 502}, 502, 0), ({"status": 504}, 504, 1), ({"status": 504, "delivered": False}, 504, 0)],
)
def test_injected_502_and_504(tavus, fault, status, delivered):
    cid = live(tavus)
    tavus.control(f"conversations/{cid}/app-message-fault", fault)
    answer = note(tavus, cid)
    assert answer.status_code == status
    assert ("Please retry" if status == 502 else "may have been delivered") in answer.json()["error"]
    assert len(tavus.state.conversations[cid].app_messages) == delivered
    assert note(tavus, cid).status_code == 200  # one fault, one answer
    bad = httpx.post(f"{tavus.url}/_sim/conversations/{cid}/app-message-fault", json={"status": 500})
    assert bad.status_code == 400


def test_in_call_events_need_a_live_call_and_a_known_name(tavus):
    oid = post(tavus, "/v2/objectives", {"data": [OBJ]}).json()["objectives_id"]
    gid = post(tavus, "/v2/guardrails", {"data": [GUARD]}).json()["guardrails_id"]
    pid = persona(tavus, objectives_id=oid, guardrails_id=gid)
    cid = post(tavus, "/v2/conversations", {"persona_id": pid}).json()["conversation_id"]

    def emit(kind, body):
        return httpx.post(f"{tavus.url}/_sim/conversations/{cid}/{kind}", json=body)

    assert emit("objective", {"objective_name": "experience"}).status_code == 409  # nobody joined yet
    tavus.control(f"conversations/{cid}/join")
    assert "no objective named" in emit("objective", {"objective_name": "nope"}).json()["error"]
    undeclared = emit("objective", {"objective_name": "experience", "output_variables": {"salary": 1}})
    assert "does not record" in undeclared.json()["error"]
    done = emit("objective", {"objective_name": "experience", "output_variables": {"years": "5"}}).json()[
        "event"
    ]
    assert done["event_type"] == "conversation.objective.completed"
    assert done["properties"]["output_variables"] == {"years": "5"}
    tripped = emit("guardrail", {"guardrail_name": "no_age", "reason": "asked for birth year"}).json()[
        "event"
    ]
    assert tripped["properties"] == {
        "guardrail_name": "no_age",
        "reason": "asked for birth year",
        "guardrails_id": gid,
    }
    assert emit("guardrail", {"guardrail_name": "other"}).status_code == 400
    kinds = [e["event_type"] for e in tavus.state.conversations[cid].events]
    assert kinds == [
        "system.replica_joined",
        "conversation.objective.completed",
        "conversation.guardrail.triggered",
    ]
    bare = live(tavus)
    assert (
        "has no objectives"
        in httpx.post(
            f"{tavus.url}/_sim/conversations/{bare}/objective", json={"objective_name": "x"}
        ).json()["error"]
    )


def test_state_shows_plans_documents_and_notes(tavus):
    tavus.control("config", {"document_seconds": 30})
    post(tavus, "/v2/documents", {"document_url": "https://example.org/a.pdf"})
    post(tavus, "/v2/objectives", {"data": [OBJ]})
    cid = live(tavus)
    note(tavus, cid, "Dig into testing.")
    state = httpx.get(f"{tavus.url}/_sim/state").json()
    assert len(state["documents"]) == 1 and len(state["objectives"]) == 1
    assert state["conversations"][cid]["app_messages"][0]["properties"] == {"context": "Dig into testing."}
    tavus.control("reset")
    assert httpx.get(f"{tavus.url}/_sim/state").json()["documents"] == {}
