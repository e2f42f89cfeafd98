"""Issue 24: the candidate's own data (GDPR Art. 15, a copy), from their invite link: what is stored
about them, as JSON and as readable text. It is read from the stored events the way the report
is (bot/services/results/report.py), so it shows exactly what the hiring team's report could show."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import parse_time
from bot.records import ConversationRecord
from bot.services.results.report import gather_report

if TYPE_CHECKING:
    from bot.deps import Deps


async def stored_data(deps: Deps, conv: ConversationRecord) -> dict[str, Any]:
    """Everything stored about the candidate of one interview, without our internal ids."""
    state = await gather_report(deps.db, deps.ws, conv)
    ended = parse_time(conv.ended_at or conv.updated_at)
    keep = deps.settings.RETENTION_DAYS
    return {
        "interview": {
            "reference": conv.ref,
            "title": conv.name,
            "status": conv.status,
            "invited_at": conv.created_at,
            "started_at": conv.live_at,
            "ended_at": conv.ended_at,
            "kept_until": (ended + timedelta(days=keep)).isoformat() if ended else None,
        },
        "candidate": {"name": conv.candidate_name, "email": conv.candidate_email},
        "transcript": [
            {"role": t.get("role"), "content": t.get("content")} if isinstance(t, dict) else {"content": t}
            for t in state.transcript or []
        ],
        "scorecard": [{"objective": name, "values": values or {}} for name, values in state.done.items()],
        "guardrails_hit": [{"guardrail": name, "reason": why} for name, why in state.trips],
        "analysis": state.analysis,
        "recording": state.recording_url,
        "shared_with": [
            {"place": r["place"], "what": r["what"], "members": r["members"], "at": r["at"]}
            for r in await deps.db.recipients(conv.token)
        ],
        # h-law1's consent receipts (issue 24), when that table exists
        "consent_receipts": await deps.db.consent_receipts_of(conv.token),
    }


def what_is_stored(data: dict[str, Any]) -> list[str]:
    """Plain lines for the page: each kind of data kept, with how much of it."""
    items = []
    if any(data["candidate"].values()):
        items.append("your name and email address as the hiring team entered them")
    if data["transcript"]:
        items.append(f"the transcript of your interview ({len(data['transcript'])} turns)")
    if data["scorecard"]:
        items.append(f"the interview plan's scorecard ({len(data['scorecard'])} objective(s) completed)")
    if data["guardrails_hit"]:
        items.append(f"{len(data['guardrails_hit'])} compliance guardrail alert(s)")
    if data["analysis"]:
        items.append("the AI's analysis of the video (perception)")
    if data["recording"]:
        items.append("a link to the recording of the call")
    if data["shared_with"]:
        items.append(f"where your results were sent ({len(data['shared_with'])} place(s))")
    if data["consent_receipts"]:
        items.append("the receipt of your consent")
    return items


def as_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def as_text(data: dict[str, Any]) -> str:
    """The same data, readable: transcript, scorecard values, consent receipt."""
    info = data["interview"]
    lines = [
        f"Interview: {info['title'] or 'AI video interview'} ({info['reference'] or 'no reference'})",
        f"Status: {info['status']}; invited {info['invited_at']}; started {info['started_at'] or '-'}; "
        f"ended {info['ended_at'] or '-'}; kept until {info['kept_until'] or '-'}",
        f"Name: {data['candidate']['name'] or '-'}; email: {data['candidate']['email'] or '-'}",
        "",
        "Transcript:",
        *[f"  {t.get('role') or '?'}: {t.get('content')}" for t in data["transcript"]],
        *([] if data["transcript"] else ["  (none stored)"]),
        "",
        "Scorecard (objectives completed, with the values recorded):",
    ]
    for row in data["scorecard"]:
        values = ", ".join(f"{k} = {v}" for k, v in row["values"].items()) or "no values"
        lines.append(f"  {row['objective']}: {values}")
    lines += [] if data["scorecard"] else ["  (none)"]
    lines += ["", "Guardrail alerts:"]
    lines += [f"  {g['guardrail']}: {g['reason'] or ''}" for g in data["guardrails_hit"]] or ["  (none)"]
    lines += ["", f"Analysis: {data['analysis'] or '(none)'}", f"Recording: {data['recording'] or '(none)'}"]
    lines += ["", "Shared with:"]
    lines += [
        f"  {s['place']} ({s['members'] or '?'} members) at {s['at']}" for s in data["shared_with"]
    ] or ["  (nowhere yet)"]
    lines += ["", "Consent receipts:"]
    lines += [f"  {json.dumps(r, default=str)}" for r in data["consent_receipts"]] or ["  (none stored)"]
    return "\n".join(lines) + "\n"
