"""Apply Tavus's conversation events to the store, and queue the Slack work they owe.

The same path serves callbacks and events found by the reconciler. Each event is applied once
(de-duplicated by conversation, type and timestamp), and the transitions commute, so the final
state does not depend on the order in which events arrive.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.records import ConversationRecord
from bot.services.outbox.job_kinds import card_job, ended_jobs, report_job, tell_owner_job, transcript_job
from bot.services.outbox.worker import OutboxWorker
from bot.slack.blocks import esc, esc_cut
from bot.slack.plan_form import guardrail_words, read_words
from bot.store import Job, utcnow
from bot.store.aio import AsyncStore
from bot.tavus.events import guardrail_trigger, objective_completion
from bot.tavus.models import CallbackEvent

log = logging.getLogger(__name__)

KNOWN = {
    "system.replica_joined",
    "system.shutdown",
    "application.transcription_ready",
    "application.perception_analysis",
    "application.recording_ready",
}


class CallbackService:
    def __init__(self, db: AsyncStore, outbox: OutboxWorker) -> None:
        self.db, self.outbox = db, outbox

    async def apply(self, conv: ConversationRecord, event: CallbackEvent) -> bool:
        """Record one event, its state change and the Slack work it owes in one transaction, then
        wake the outbox; False when it was a duplicate or of a type we ignore. No Slack call runs
        here, so Tavus hears 200 as soon as the event is safe. An event naming another conversation
        than the one recorded is not this one's (before the id is known: see events_of)."""
        if conv.conversation_id and event.conversation_id != conv.conversation_id:
            log.warning("ignoring a Tavus event that names another conversation than its own")
            return False
        words = await self.rule_words(conv) if guardrail_trigger(event) else {}
        if event.event_type not in KNOWN and (plan := plan_event(conv, event, words)):
            new, _ = await self.db.apply_event(conv.token, plan[0], jobs=plan[1])
            if new:
                self.outbox.kick()
            return new
        if event.event_type not in KNOWN:
            log.info("ignoring Tavus event type %s", event.event_type[:60])
            return False
        body = event.model_dump(mode="json")
        body.pop("webhook_url", None)  # Tavus echoes our callback URL: its token is a credential
        at = event.timestamp or utcnow()
        kind = event.event_type
        if kind == "system.replica_joined":
            new, _ = await self.db.apply_event(
                conv.token, body, "live", at=at, jobs_if_changed=[card_job(conv)]
            )
        elif kind == "system.shutdown":
            reason = str(event.properties.get("shutdown_reason") or "")[:200] or None
            new, _ = await self.db.apply_event(
                conv.token,
                body,
                "ended",
                at=at,
                reason=reason,
                jobs=[report_job(conv)],  # the one report: posted now, redrawn as results come
                jobs_if_changed=ended_jobs(conv),
            )
        else:  # a result: the report shows it (posted now if the end's event has not come)
            late = [transcript_job(conv)] if kind == "application.transcription_ready" else []
            new, _ = await self.db.apply_event(conv.token, body, jobs=[report_job(conv), *late])
        if new:
            self.outbox.kick()
        return new

    async def rule_words(self, conv: ConversationRecord) -> dict[str, str]:
        """The recruiter's words for the persona's guardrails, as stored when it was made."""
        persona = await self.db.persona(conv.team_id, conv.persona_id) if conv.persona_id else None
        return read_words(persona.guardrail_words if persona else None)


def plan_event(
    conv: ConversationRecord, event: CallbackEvent, words: dict[str, str] | None = None
) -> tuple[dict[str, Any], list[Job]] | None:
    """An objective completion or guardrail trigger as (the body to record, the jobs it owes); the
    body's timestamp falls back to what makes the event itself (Tavus may send none), so a repeat
    is recorded once and two different objectives twice. A trigger tells the owner at once."""
    body = event.model_dump(mode="json")
    body.pop("webhook_url", None)
    if done := objective_completion(event):
        body["timestamp"] = event.timestamp or f"objective:{done.objective_name}"[:200]
        return body, [report_job(conv)]  # during the call the report waits for the end
    if tripped := guardrail_trigger(event):
        body["timestamp"] = (
            event.timestamp or f"guardrail:{tripped.guardrail_name}:{tripped.reason or ''}"[:200]
        )
        why = f": {esc_cut(tripped.reason, 300)}" if tripped.reason else "."
        text = (
            f":rotating_light: The interviewer in *{esc(conv.name or 'your interview')}* hit a guardrail, "
            f"*{esc_cut(guardrail_words(tripped.guardrail_name, words or {}), 300)}*{why} Only you see this."
        )
        return body, [tell_owner_job(conv, f"guardrail:{body['timestamp']}", text), report_job(conv)]
    return None
