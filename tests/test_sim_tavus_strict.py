"""Issue 23 #3: sim-tavus is as strict as Tavus where the app could otherwise pass by luck: each API
key is an account that sees only its own objects, an unknown persona is 400 `Invalid persona_id`,
`callback_url` must be a string, and recording_ready comes in its current form (storage_provider,
storage_uri) or the older one, both of which the app reports."""

import httpx
import pytest

from bot.services.results.results import recording_text
from tests.conftest import TAVUS_KEY, wait_until
from tests.helpers import channel_messages, create_persona, start_interview

OTHER = "another-account-key-42"


def api(tavus, key: str = TAVUS_KEY):
    return httpx.Client(base_url=f"{tavus.url}/v2", headers={"x-api-key": key}, timeout=10)


def persona_body(name: str = "P") -> dict:
    return {"persona_name": name, "system_prompt": "Interview.", "default_replica_id": "rfe12d8b9597"}


def test_each_key_is_an_account_that_sees_only_its_own_objects(tavus):
    tavus.control("config", {"extra_keys": [OTHER]})
    with api(tavus) as mine, api(tavus, OTHER) as theirs:
        pid = mine.post("/personas", json=persona_body()).json()["persona_id"]
        cid = mine.post("/conversations", json={"persona_id": pid}).json()["conversation_id"]
        assert theirs.get(f"/personas/{pid}").status_code == 400
        assert theirs.delete(f"/personas/{pid}").json() == {"error": "Invalid persona_id"}
        assert pid not in str(theirs.get("/personas").json())
        refused = theirs.post("/conversations", json={"persona_id": pid})
        assert refused.status_code == 400 and refused.json() == {"error": "Invalid persona_id"}
        assert theirs.get(f"/conversations/{cid}").status_code == 404
        assert theirs.post(f"/conversations/{cid}/end").status_code == 404
        assert theirs.delete(f"/conversations/{cid}").status_code == 404
        assert cid not in str(theirs.get("/conversations").json())
        assert mine.get(f"/conversations/{cid}").json()["status"] == "active"  # untouched
        objectives = mine.post(
            "/objectives", json={"data": [{"objective_name": "a", "objective_prompt": "b"}]}
        )
        oid = objectives.json()["objectives_id"]
        assert theirs.get(f"/objectives/{oid}").status_code == 404
        assert theirs.post("/personas", json={**persona_body(), "objectives_id": oid}).status_code == 400
        assert mine.get(f"/personas/{pid}").status_code == 200


def test_an_unknown_persona_is_invalid_persona_id(tavus):
    with api(tavus) as client:
        for answer in (
            client.get("/personas/p0nosuch1"),
            client.delete("/personas/p0nosuch1"),
            client.patch(
                "/personas/p0nosuch1", json=[{"op": "replace", "path": "/persona_name", "value": "x"}]
            ),
        ):
            assert answer.status_code == 400 and answer.json() == {"error": "Invalid persona_id"}


@pytest.mark.parametrize("callback", [123, ["https://x.example/"], {"url": "https://x.example/"}, None])
def test_callback_url_must_be_a_string(tavus, callback):
    with api(tavus) as client:
        pid = client.post("/personas", json=persona_body()).json()["persona_id"]
        answer = client.post("/conversations", json={"persona_id": pid, "callback_url": callback})
        assert answer.status_code == 400 and "callback_url" in answer.json()["error"]
        assert not tavus.state.conversations


def test_recording_ready_in_either_form_is_reported():
    current = recording_text({"storage_provider": "gcs", "storage_uri": "gs://bucket/c1/rec.mp4"})
    assert "gs://bucket/c1/rec.mp4" in current and "Google Cloud Storage" in current
    old = recording_text({"bucket_name": "bucket", "s3_key": "c1/rec.mp4", "duration": 75})
    assert "s3://bucket/c1/rec.mp4" in old and "Amazon S3" in old and "1 min 15 s" in old
    linked = recording_text({"storage_provider": "s3", "storage_uri": "https://r.example/c1.mp4"})
    assert "open the recording" in linked


@pytest.mark.parametrize("form", ["current", "old"])
def test_the_report_names_the_recording_the_stand_in_sent(driver, slack, tavus, served, form):
    tavus.control("config", {"recording_form": form})
    served.deps.store.save_interview_settings("T0ACME01", "U0ADMIN1", results_to="thread")
    persona = create_persona(driver, served)
    conv = start_interview(driver, served, persona.persona_id, options=("recording",))
    tavus.control(f"conversations/{conv.conversation_id}/join")
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    sent = wait_until(
        lambda: [c for c in tavus.state.callbacks_sent if "recording_ready" in str(c)], what="recording_ready"
    )
    keys = "storage_uri" if form == "current" else "s3_key"
    assert keys in str(sent[0])
    path = f"s3://tavus-recordings/{conv.conversation_id}/recording.mp4"
    wait_until(
        lambda: any(path in str(m.get("blocks")) for m in channel_messages(slack, conv.channel_id)),
        what="the recording's path in the report",
    )
