"""What goes into an interview's report: the plan at Tavus and what was recorded during the call."""

from __future__ import annotations

import logging
from typing import Any

from bot.clock import duration_seconds
from bot.services.workspaces import Workspaces
from bot.slack.blocks import Block
from bot.slack.report import build_report
from bot.store import ConversationRecord
from bot.store.aio import AsyncStore
from bot.tavus import errors as te
from bot.tavus.events import guardrail_trigger, objective_completion

log = logging.getLogger(__name__)


async def report_message(
    db: AsyncStore, ws: Workspaces, conv: ConversationRecord
) -> tuple[str, list[Block]] | None:
    """The report, or None for an interview without a plan and without anything recorded."""
    events = await db.events_of(conv.conversation_id) if conv.conversation_id else []
    done: dict[str, dict[str, Any]] = {}
    trips: list[tuple[str, str | None]] = []
    for event in events:
        if completed := objective_completion(event):
            done[completed.objective_name] = completed.output_variables
        elif tripped := guardrail_trigger(event):
            trips.append((tripped.guardrail_name, tripped.reason))
    persona = await db.persona(conv.team_id, conv.persona_id) if conv.persona_id else None
    objectives_id = persona.objectives_id if persona else None
    if not (objectives_id or done or trips):
        return None
    plan: list[tuple[str, list[str]]] = []
    if objectives_id:
        try:
            found = await (await db.run(ws.tavus, conv.team_id)).get_objectives(objectives_id)
            plan = [(o.objective_name, o.output_variables or []) for o in found.data if o.objective_name]
        except te.TavusError as exc:  # the completed ones still show; the rest cannot be named
            log.warning("could not read objectives %s for a report: %s", objectives_id, exc)
    seconds = duration_seconds(conv.live_at or conv.created_at, conv.ended_at)
    return build_report(conv, plan, done, trips, seconds)
