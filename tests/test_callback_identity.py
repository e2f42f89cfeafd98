"""Issue 23 #2: a callback belongs to the conversation whose token it came with. Before that
conversation's Tavus id is known its events are accepted by the token alone, but an event naming
another conversation's id never lands in that one's report nor makes its real event a duplicate;
once the id is known, an event naming another id is refused."""

import secrets

import httpx

from bot.records import ConversationRecord
from bot.services.starting.request import callback_secret
from bot.store import utcnow
from bot.store.migrations import token_hash
from tests.helpers import callback_url, create_persona, start_interview

STAMP = "2026-05-01T10:00:00.000000Z"


def transcript(conversation_id: str, words: str) -> dict:
    return {
        "conversation_id": conversation_id,
        "event_type": "application.transcription_ready",
        "message_type": "application",
        "timestamp": STAMP,
        "properties": {"transcript": [{"role": "user", "content": words}]},
    }


def test_an_event_to_a_conversation_without_an_id_never_reaches_another(driver, slack, tavus, served):
    store = served.deps.store
    persona = create_persona(driver, served)
    known = start_interview(driver, served, persona.persona_id)
    # another interview whose create answer is not back yet: no Tavus id recorded
    token = secrets.token_urlsafe(24)
    secret = callback_secret(served.deps.settings, token)
    store.begin_conversation(
        ConversationRecord(
            token=token, team_id="T0ACME01", owner_id="U0OWNER1", status="creating", created_at=utcnow(),
            persona_id=persona.persona_id, name="No id yet", channel_id="C0HIRING1",
            token_hash=token_hash(secret),
        )
    )  # fmt: skip
    pending = store.conversation_by_token(token)
    # an event to that one's URL naming the first one's id (and the same type and timestamp as the
    # first one's real event): accepted by its token, but kept with the conversation it came to
    stray = httpx.post(callback_url(served, pending), json=transcript(known.conversation_id, "NOT THEIRS"))
    assert stray.status_code == 200
    real = httpx.post(callback_url(served, known), json=transcript(known.conversation_id, "their words"))
    assert real.json() == {"ok": True, "applied": True}  # not dropped as a duplicate of the stray one
    events = str(store.events_of(known.conversation_id, known.token))
    assert "their words" in events and "NOT THEIRS" not in events
    # once the id is known, an event naming another id is refused, and the stray one is not its
    store.conversation_created(token, "c0ownid001", None)
    refused = httpx.post(
        callback_url(served, pending), json={**transcript(known.conversation_id, "x"), "timestamp": "t2"}
    )
    assert refused.status_code == 400
    assert "NOT THEIRS" not in str(store.events_of("c0ownid001", token))
