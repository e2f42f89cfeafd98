"""The interview report: one message with the scorecard (each objective done or not, with the values
Tavus recorded), the guardrails the interviewer hit, and how the call went."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks import Block, cut, esc, esc_cut, section
from bot.store import ConversationRecord

MAX_LINES = 25  # a plan has at most 20 objectives; guardrail trips are capped the same way


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return esc_cut(" ".join(text.split()), 300) or "–"


def build_report(
    conv: ConversationRecord,
    plan: list[tuple[str, list[str]]],
    done: dict[str, dict[str, Any]],
    trips: list[tuple[str, str | None]],
    seconds: int | None,
) -> tuple[str, list[Block]]:
    """(fallback text, blocks): `plan` lists the objectives (name, values to record) in order,
    `done` the completed ones with their values, `trips` each guardrail hit with its reason."""
    who = f"<@{conv.candidate_id}>" if conv.candidate_id else esc(conv.candidate_name or "") or "open link"
    took = f"{seconds // 60} min {seconds % 60} s" if seconds is not None else "unknown length"
    ended = esc_cut(conv.shutdown_reason, 100) if conv.shutdown_reason else "not reported"
    head = (
        f":bar_chart: *Interview report: {esc_cut(conv.name, 120)}*\nCandidate {who} · persona "
        f"*{esc_cut(conv.persona_name, 80)}* · {took} · ended: {ended}"
    )
    names = [name for name, _ in plan] + [name for name in done if name not in {n for n, _ in plan}]
    wanted = dict(plan)
    lines = []
    for name in names[:MAX_LINES]:
        if name in done:
            values = done[name]
            keys = wanted.get(name) or list(values)
            shown = ", ".join(f"{esc(k)}: {_value(values[k])}" for k in keys if k in values)
            lines.append(f":white_check_mark: *{esc(name)}*" + (f" · {shown}" if shown else ""))
        else:
            lines.append(f":white_circle: *{esc(name)}* · not done")
    count = sum(1 for n in names if n in done)
    score = f"*Scorecard* · {count} of {len(names)} objectives done\n" + "\n".join(lines)
    if trips:
        rails = f"*Guardrails* · triggered {len(trips)} time{'s' if len(trips) != 1 else ''}\n" + "\n".join(
            f":rotating_light: *{esc(name)}*" + (f": {_value(reason)}" if reason else "")
            for name, reason in trips[:MAX_LINES]
        )
    else:
        rails = "*Guardrails* · none triggered"
    text = cut(f"Interview report: {conv.name or ''} · {count} of {len(names)} objectives done", 200)
    return text, [section(cut(head, 2900)), section(cut(score, 2900)), section(cut(rails, 2900))]
