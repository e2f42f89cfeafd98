"""Conversation life cycle of the Tavus simulator and the callbacks it POSTs."""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

import httpx

from sim.tavus_state import SHUTDOWN_REASONS, SimConversation, TavusState, new_id, now_iso

log = logging.getLogger(__name__)

DEFAULT_ABSENT_TIMEOUT = 300
QUESTIONS = [
    "Could you walk me through a project you are proud of?",
    "What was the hardest technical decision in it, and why?",
    "How do you work with people who disagree with you?",
    "What would you like to learn in your next role?",
]
ANSWERS = [
    "Sure. I rebuilt our billing pipeline so invoices went out the same day.",
    "Choosing to migrate the data in place instead of a big-bang switch; it kept us online.",
    "I ask what they would need to see to change their mind, and share the same for me.",
    "I'd like to get better at running larger systems and mentoring.",
]


class CallbackSender:
    """Moves conversations through joined and ended, recording and POSTing each event."""

    def __init__(self, state: TavusState) -> None:
        self.state = state
        self._http = httpx.AsyncClient(timeout=10.0)
        self._timers: dict[str, list[asyncio.TimerHandle]] = {}
        self._tasks: set[asyncio.Task] = set()

    async def close(self) -> None:
        self.cancel_all()
        await self._http.aclose()

    def cancel_all(self) -> None:
        """Stop every timer: conversations' and documents'."""
        for key in list(self._timers):
            self.cancel_timers(key)

    def emit_live(self, conv: SimConversation, kind: str, properties: dict[str, Any]) -> dict[str, Any]:
        """Report something that happened during the call (an objective, a guardrail)."""
        event = self._event(conv, kind, properties)
        self._emit(conv, [event])
        return event

    def post(self, url: str, body: dict[str, Any]) -> None:
        """POST one body to a callback URL in the background (a document's status, say), lost or
        doubled as callback_mode says."""
        mode = self.state.callback_mode
        if mode != "drop":
            self._spawn(self._post_all(url, [body, body] if mode == "duplicate" else [body]))

    def open_conversation(self, body: dict[str, Any], base_url: str) -> SimConversation:
        cid = new_id("c", 9)
        props = body.get("properties") or {}
        stored = {
            **body,
            "conversation_id": cid,
            "conversation_url": f"{base_url}/c/{cid}",
            "replica_id": body.get("replica_id")
            or self.state.personas.get(body.get("persona_id") or "", {}).get("default_replica_id"),
            "created_at": now_iso(),
            "updated_at": now_iso(),
        }
        stored.setdefault("conversation_name", f"Conversation {cid}")
        if body.get("require_auth"):
            stored["meeting_token"] = secrets.token_urlsafe(16)
        conv = SimConversation(cid, stored)
        self.state.conversations[cid] = conv
        if body.get("test_mode"):
            conv.status = "ended"
            return conv
        if self.state.credits is not None:
            self.state.credits -= 1
        scale = self.state.time_scale
        absent = props.get("participant_absent_timeout") or DEFAULT_ABSENT_TIMEOUT
        self._later(cid, absent * scale, lambda: None if conv.joined else self.finish(conv, "absent"))
        if duration := props.get("max_call_duration"):
            self._later(cid, duration * scale, lambda: self.finish(conv, "timeout"))
        return conv

    def join(self, conv: SimConversation) -> bool:
        if conv.status != "active" or conv.joined:
            return False
        conv.joined = True
        self._emit(
            conv, [self._event(conv, "system.replica_joined", {"replica_id": conv.body["replica_id"]})]
        )
        return True

    def finish(self, conv: SimConversation, why: str) -> bool:
        """End the call for `why` (end, leave, absent, timeout, error); False if already ended."""
        if conv.status != "active":
            return False
        conv.status = "ended"
        conv.body["updated_at"] = now_iso()
        self.cancel_timers(conv.conversation_id)
        events = [self._event(conv, "system.shutdown", {"shutdown_reason": SHUTDOWN_REASONS[why]})]
        if conv.joined:
            events += self._after_call_events(conv)
        self._emit(conv, events)
        return True

    def cancel_timers(self, cid: str) -> None:
        for handle in self._timers.pop(cid, []):
            handle.cancel()

    def _after_call_events(self, conv: SimConversation) -> list[dict[str, Any]]:
        persona = self.state.personas.get(conv.body.get("persona_id") or "", {})
        events = [
            self._event(
                conv,
                "application.transcription_ready",
                {"replica_id": conv.body["replica_id"], "transcript": self._transcript(conv, persona)},
            )
        ]
        perception = ((persona.get("layers") or {}).get("perception") or {}).get("perception_model", "")
        if str(perception).startswith("raven"):
            events.append(
                self._event(
                    conv,
                    "application.perception_analysis",
                    {
                        "analysis": "The candidate sat upright, kept steady eye contact and smiled often; "
                        "they looked down briefly when describing the migration."
                    },
                )
            )
        if (conv.body.get("properties") or {}).get("enable_recording"):
            events.append(
                self._event(
                    conv,
                    "application.recording_ready",
                    self._recording(conv),
                )
            )
        return events

    def _recording(self, conv: SimConversation) -> dict[str, Any]:
        """recording_ready's properties: the current form (storage_provider, storage_uri) or the
        older one (bucket_name, s3_key, duration), as `recording_form` says."""
        key = f"{conv.conversation_id}/recording.mp4"
        if self.state.recording_form == "old":
            return {"bucket_name": "tavus-recordings", "s3_key": key, "duration": 312}
        return {"storage_provider": "s3", "storage_uri": f"s3://tavus-recordings/{key}", "duration": 312}

    def _transcript(self, conv: SimConversation, persona: dict[str, Any]) -> list[dict[str, str]]:
        turns = [{"role": "system", "content": persona.get("system_prompt") or "You are an interviewer."}]
        greeting = conv.body.get("custom_greeting") or "Hi, thanks for joining. Shall we begin?"
        turns += [{"role": "assistant", "content": greeting}, {"role": "user", "content": "Yes, ready."}]
        for i in range(self.state.transcript_pairs):
            turns.append({"role": "assistant", "content": QUESTIONS[i % len(QUESTIONS)]})
            turns.append({"role": "user", "content": ANSWERS[i % len(ANSWERS)]})
        return turns

    def _event(self, conv: SimConversation, kind: str, properties: dict[str, Any]) -> dict[str, Any]:
        return {
            "conversation_id": conv.conversation_id,
            "event_type": kind,
            "message_type": kind.split(".")[0],
            "timestamp": now_iso(),
            "webhook_url": conv.body.get("callback_url"),
            "properties": properties,
        }

    def _emit(self, conv: SimConversation, events: list[dict[str, Any]]) -> None:
        conv.events.extend(events)
        url = conv.body.get("callback_url")
        mode = self.state.callback_mode
        if not url or mode == "drop":
            return
        batch = list(reversed(events)) if mode == "reverse" else events
        if mode == "duplicate":
            batch = [e for e in batch for _ in (0, 1)]
        self._spawn(self._post_all(url, batch))

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post_all(self, url: str, events: list[dict[str, Any]]) -> None:
        for event in events:
            try:
                response = await self._http.post(url, json=event)
                status = response.status_code
            except httpx.HTTPError as exc:
                status = f"failed: {type(exc).__name__}"
            self.state.callbacks_sent.append({"url": url, "event": event, "status": status})

    def later(self, key: str, seconds: float, action) -> None:
        """Run `action` after `seconds`; cancel_timers(key) stops it."""
        self._later(key, seconds, action)

    def _later(self, cid: str, seconds: float, action) -> None:
        handle = asyncio.get_running_loop().call_later(seconds, action)
        self._timers.setdefault(cid, []).append(handle)
