"""The interview report as a Slack canvas (markdown): the same parts as the message, with the
whole transcript. Every outside text is escaped for markdown, so a candidate's words cannot add a
heading, a link, a mention or an image to the canvas."""

from __future__ import annotations

import re

from bot.policy import policy_for
from bot.slack.messages import SHUTDOWN_WORDS
from bot.slack.report import ADVISORY, OPEN, ReportState, shown_name
from bot.slack.transcript import transcript_turns

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~=:@&])")
_URL = re.compile(r"^https://[^\s()<>\[\]\\]{1,2000}$")  # a link target that cannot break out
MAX_CANVAS = 900_000  # UTF-8 bytes; Slack takes up to 1 MiB of markdown


def md(text: object, limit: int = 2000) -> str:
    """Outside text on one line, every markdown character escaped, cut to `limit`."""
    flat = " ".join(str(text if text is not None else "").split())[:limit]
    return _SPECIAL.sub(r"\\\1", flat)


def canvas_title(state: ReportState) -> str:
    """A canvas title is plain text: cut, on one line."""
    return " ".join(f"Interview report: {state.conv.name or 'interview'}".split())[:120]


def build_report_canvas(state: ReportState) -> str:
    """The canvas's markdown."""
    conv = state.conv
    if conv.candidate_id:
        who = f"Candidate ![](@{conv.candidate_id})"
    elif name := shown_name(conv, state.private):
        who = f"Candidate {md(name, 100)}"
    else:
        who = "An external candidate" if conv.candidate_name else OPEN.capitalize()
    took = f"{state.seconds // 60} min {state.seconds % 60} s" if state.seconds is not None else "unknown"
    reason = conv.shutdown_reason
    ended = md(SHUTDOWN_WORDS.get(reason or "") or (reason or "not reported").replace("_", " "), 100)
    ended = ended if state.ended else "not reported yet"
    out = [
        f"# {md(canvas_title(state), 120)}",
        f"{who} · persona **{md(conv.persona_name, 80)}** · "
        f"{md((conv.live_at or conv.created_at or '')[:16].replace('T', ' '))} UTC · {took} · ended: {ended}",
        "## Scorecard",
    ]
    wanted = dict(state.plan)
    for name in state.objectives()[:25]:
        values = state.done.get(name)
        if values is None:
            out.append(f"- [ ] **{md(name, 100)}**: not done")
            continue
        keys = wanted.get(name) or list(values)
        shown = ", ".join(f"{md(k, 60)}: {md(values[k], 300)}" for k in keys if k in values)
        out.append(f"- [x] **{md(name, 100)}**" + (f": {shown}" if shown else ""))
    if not state.objectives():
        out.append("This persona has no interview plan.")
    out.append("## Guardrails")
    out += [
        f"- **{md(state.rule(n), 300)}**" + (f": {md(r, 300)}" if r else "") for n, r in state.trips[:25]
    ] or ["None triggered."]
    out.append("## Perception analysis")
    if state.perception_barred:
        out.append(f"Off under {state.perception_barred} rules.")
    elif state.analysis is not None:
        out.append(md(state.analysis, 6000))
    else:
        out.append("On its way." if state.perception else "Not used by this persona.")
    out.append("## Consent")  # issue 24
    receipt = state.consent
    out.append(
        md(
            f"Given {receipt['given_at']} under {policy_for(receipt['policy']).label} (notice "
            f"{receipt['notice_version']}, sha256 {receipt['notice_sha256']}).",
            400,
        )
        if receipt
        else "None recorded."
    )
    out.append(ADVISORY)
    out.append("## Recording")
    if state.recording_url and _URL.match(state.recording_url):
        out.append(f"[Open the recording]({state.recording_url})")
    elif state.recording_line:
        out.append("Ready, in your own recording storage (see the report message).")
    elif conv.recording == 0:
        out.append("Not recorded.")
    else:
        out.append("On its way." if conv.recording else "On its way, if this interview was recorded.")
    out.append("## Transcript")
    if state.transcript is None:
        out.append("On its way (Tavus sends it a few minutes after the call).")
    else:
        turns = transcript_turns(state.transcript)
        out += [f"**{md(speaker, 40)}:** {md(text, 20_000)}\n" for speaker, text in turns] or [
            "Nothing was said."
        ]
    # cut by bytes, not characters: a transcript in Hebrew or emoji is 2-4 bytes a character
    return "\n\n".join(out).encode()[:MAX_CANVAS].decode("utf-8", "ignore")


def build_comparison_canvas(title: str, rows: list) -> str:
    """Issue 25: a long comparison as a markdown table, a row per candidate (rows are
    bot/slack/openings.py's Candidate), every outside text escaped."""
    out = [
        f"# {md(title, 150)}",
        "Most objectives done first, then the earliest. Made again at each compare.",
        "| # | Candidate | Done | Objectives | Guardrails hit | Length | Date | Decision | Report |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for n, row in enumerate(rows, start=1):
        conv, state = row.conv, row.state
        who = (
            f"![](@{conv.candidate_id})"
            if conv.candidate_id
            else md(conv.candidate_name or f"{conv.name} (open interview, no named candidate)", 120)
        )
        done = "; ".join(
            f"{md(name, 60)}: "
            + ", ".join(f"{md(k, 40)} {md(v, 120)}" for k, v in (state.done[name] or {}).items())
            for name in state.objectives()[:25]
            if name in state.done
        )
        trips = ", ".join(md(name, 60) for name, _ in state.trips[:10]) or "none"
        took = f"{state.seconds // 60} min" if state.seconds is not None else "unknown"
        verdict = md((row.decision or {}).get("verdict") or "none yet", 20)
        report = f"[report]({row.link})" if _URL.match(row.link or "") else ""
        date = md((conv.live_at or conv.created_at or "")[:10], 10)
        cells = [str(n), who, f"{row.done} of {row.total}", done, trips, took, date, verdict, report]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)[:MAX_CANVAS]
