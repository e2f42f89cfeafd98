"""What goes into an interview's report: the plan at Tavus and everything recorded about the call
(objective completions, guardrail triggers, the end, the transcript, perception, the recording),
read from the stored events each time the report is drawn, so the latest state always wins."""

from __future__ import annotations

import logging
from typing import Any

from bot.clock import duration_seconds
from bot.policy import policy_for
from bot.records import ConversationRecord
from bot.services.access.workspaces import Workspaces
from bot.services.results.results import recording_text
from bot.slack.plan_form import read_words
from bot.slack.report import ReportState
from bot.store.aio import AsyncStore
from bot.tavus import errors as te
from bot.tavus.events import guardrail_trigger, objective_completion

log = logging.getLogger(__name__)


async def gather_report(
    db: AsyncStore,
    ws: Workspaces,
    conv: ConversationRecord,
    row: dict[str, Any] | None = None,
    plan: list[tuple[str, list[str]]] | None = None,
) -> ReportState:
    """The report's content from the store (and the plan's objective names from Tavus, unless
    `plan` is given: a comparison reads its persona's plan once for all its interviews)."""
    events = await db.events_of(conv.conversation_id, conv.token)
    state = ReportState(conv=conv, ended=conv.status == "ended", decision=await db.decision_of(conv.token))
    for event in events:
        kind, props = event.get("event_type"), event.get("properties") or {}
        if completed := objective_completion(event):
            state.done[completed.objective_name] = completed.output_variables
        elif tripped := guardrail_trigger(event):
            state.trips.append((tripped.guardrail_name, tripped.reason))
        elif kind == "system.shutdown":
            state.ended = True
        elif kind == "application.transcription_ready":
            turns = props.get("transcript")
            state.transcript = turns if isinstance(turns, list) else []
        elif kind == "application.perception_analysis":
            state.analysis = str(props.get("analysis") or "No analysis was returned.")
        elif kind == "application.recording_ready":
            state.recording_line = recording_text(props)
            state.recording_url = next(
                (
                    str(props[k])
                    for k in ("recording_url", "download_url", "url", "storage_uri")
                    if props.get(k)
                ),
                None,
            )
    if not state.has_results:
        return state  # during the call: nothing is drawn yet, so Tavus is not asked for the plan
    persona = await db.persona(conv.team_id, conv.persona_id) if conv.persona_id else None
    state.perception = bool(persona and str(persona.perception_model or "").startswith("raven"))
    state.rule_words = read_words(persona.guardrail_words if persona else None)
    if not policy_for(conv.policy).emotion_perception_allowed:  # issue 24: never shown, even if sent
        state.analysis, state.perception, state.perception_barred = None, False, policy_for(conv.policy).label
    if plan:
        state.plan = plan
    elif persona and persona.objectives_id:
        try:
            found = await (await db.run(ws.tavus_for, persona)).get_objectives(persona.objectives_id)
            state.plan = [
                (o.objective_name, o.output_variables or []) for o in found.data if o.objective_name
            ]
        except te.TavusError as exc:  # the completed ones still show; the rest cannot be named
            log.warning("could not read objectives %s for a report: %s", persona.objectives_id, exc)
    state.consent = await db.receipt(conv.token)  # issue 24
    state.seconds = duration_seconds(conv.live_at or conv.created_at, conv.ended_at)
    if row:
        state.transcript_as = row.get("transcript_as")
    return state
