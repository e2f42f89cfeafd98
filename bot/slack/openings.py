"""Issue 25: openings (roles) with their candidates' counts, and the side-by-side comparison of one
opening's finished interviews: a section per candidate with its scorecard, guardrail hits, length,
date, decision so far and report link, and the buttons to decide."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.records import ConversationRecord, OpeningRecord
from bot.slack import ids
from bot.slack.blocks import (
    Block,
    button,
    context,
    cut,
    duration_text,
    esc,
    esc_cut,
    header,
    link,
    section,
    slack_date,
)
from bot.slack.decisions import WORDS, decision_buttons, decision_line
from bot.slack.report import ReportState, scorecard_lines

STATES = (
    ("invited", "invited"),
    ("waiting", "waiting"),
    ("live", "live"),
    ("ended", "finished"),
    ("failed", "failed"),
)
MAX_OPENINGS = 40  # two blocks each would pass Slack's 50 per message; one each stays well within
MAX_HOME = 10


@dataclass
class Candidate:
    """One row of a comparison."""

    conv: ConversationRecord
    state: ReportState
    done: int
    total: int
    link: str = ""
    decision: dict[str, Any] | None = None


def counts_line(counts: dict[str, int]) -> str:
    """`2 invited · 3 finished (1 Advance, 2 undecided)`, or that it has no candidates yet."""
    parts = [f"{counts[key]} {word}" for key, word in STATES if counts.get(key)]
    if not parts:
        return "no candidates yet"
    decided = [(WORDS[v], counts[v]) for v in WORDS if counts.get(v)]
    undecided = counts.get("ended", 0) - sum(n for _, n in decided)
    shown = [f"{n} {word}" for word, n in decided] + ([f"{undecided} undecided"] if undecided > 0 else [])
    return " · ".join(parts) + (f" ({', '.join(shown)})" if shown else "")


def opening_row(opening: OpeningRecord, counts: dict[str, int], persona_name: str | None) -> Block:
    line = (
        f"*{esc(opening.name)}* · interviewed by *{esc(persona_name) or opening.persona_id}* · "
        f"by <@{opening.owner_id}>"
    )
    if opening.job_description:
        line += f" · {link(opening.job_description, 'job description')}"
    line += f"\n{counts_line(counts)}"
    return section(line, accessory=button("Compare", ids.COMPARE_OPENING, value=opening.id))


def build_openings_list(
    openings: list[OpeningRecord],
    counts: dict[str, dict[str, int]],
    persona_names: dict[str, str],
    command: str = "/tavus",
) -> tuple[str, list[Block]]:
    if not openings:
        text = f"No openings yet. Make one with `{command} opening &lt;name&gt; &lt;persona&gt;`."
        return text, [section(text)]
    blocks: list[Block] = [section(f"*Openings* ({len(openings)})")]
    for opening in openings[:MAX_OPENINGS]:
        blocks.append(opening_row(opening, counts.get(opening.id, {}), persona_names.get(opening.persona_id)))
    if len(openings) > MAX_OPENINGS:
        blocks.append(context(f"{len(openings) - MAX_OPENINGS} more not shown."))
    return f"{len(openings)} openings", blocks


def home_openings(
    openings: list[OpeningRecord], counts: dict[str, dict[str, int]], persona_names: dict[str, str]
) -> list[Block]:
    """The Home tab's part: the workspace's latest openings with their counts."""
    if not openings:
        return []
    blocks: list[Block] = [{"type": "divider"}, section(f"*Openings* ({len(openings)})")]
    for opening in openings[:MAX_HOME]:
        blocks.append(opening_row(opening, counts.get(opening.id, {}), persona_names.get(opening.persona_id)))
    return blocks


def candidate_name(conv: ConversationRecord) -> str:
    """Only the opening's owner and admins see a comparison (ephemeral), so an external
    candidate's name (or the email that stands for it) is shown there."""
    if conv.candidate_id:
        return f"<@{conv.candidate_id}>"
    # an open interview has no candidate: it is named by its title, as its card names it
    named = esc_cut(conv.candidate_name, 80)
    return named or f"{esc_cut(conv.name, 80)} (open interview, no named candidate)"


def candidate_blocks(n: int, row: Candidate) -> list[Block]:
    conv, state = row.conv, row.state
    took = duration_text(conv.live_at or conv.created_at, conv.ended_at) or "unknown length"
    report = f" · {link(row.link, 'report')}" if row.link else ""
    head = (
        f"*{n}. {candidate_name(conv)}* · *{row.done} of {row.total}* objectives · {took} · "
        f"{slack_date(conv.live_at or conv.created_at, '{date_short}')}{report}"
    )
    _, lines = scorecard_lines(state)
    trips = ", ".join(esc(name) for name, _ in state.trips[:10])
    rails = f":rotating_light: guardrails hit: {trips}" if trips else "guardrails: none hit"
    text = "\n".join([head, *lines, rails, decision_line(row.decision)])
    ref = conv.ref or conv.conversation_id or ""
    return [section(cut(text, 2900)), decision_buttons(ref)]


def build_comparison(
    opening: OpeningRecord, rows: list[Candidate], shown: int, canvas_url: str = ""
) -> tuple[str, list[Block]]:
    """The first `shown` candidates, best first (most objectives done, then the earliest)."""
    title = f"Candidates for {opening.name}"
    if not rows:
        text = f"No interview for *{esc(opening.name)}* has finished yet."
        return text, [section(text)]
    blocks: list[Block] = [
        header(title),
        context(
            f"{len(rows)} finished interview{'s' if len(rows) != 1 else ''} · most objectives done first, "
            "then the earliest · only you see this"
        ),
    ]
    for n, row in enumerate(rows[:shown], start=1):
        blocks += candidate_blocks(n, row)
    if len(rows) > shown and canvas_url:
        blocks.insert(
            2,
            section(
                f":page_facing_up: All {len(rows)} candidates: {link(canvas_url, 'the comparison canvas')}"
            ),
        )
    if len(rows) > shown:
        blocks.append(context(f"{len(rows) - shown} more below these; decide on them from their reports."))
    return cut(title, 150), blocks
