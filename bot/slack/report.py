"""The interview report: one message with who, when and how the call ended, the scorecard (each
objective done or not, with the values Tavus recorded), the guardrails the interviewer hit, the
perception summary, the recording and where the transcript is. Each part still missing says it is
on its way; the message is redrawn (chat.update) as late callbacks arrive."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.policy import policy_for
from bot.records import ConversationRecord
from bot.slack.blocks import Block, cut, esc, esc_cut, section, slack_date, user_ref
from bot.slack.decisions import decision_buttons, decision_line
from bot.slack.messages import shutdown_words
from bot.slack.plan_form import guardrail_words

MAX_LINES = 25  # a plan has at most 20 objectives; guardrail trips are capped the same way


@dataclass
class ReportState:
    """Everything one drawing of the report shows; None for a part that is still on its way."""

    conv: ConversationRecord
    plan: list[tuple[str, list[str]]] = field(default_factory=list)
    done: dict[str, dict[str, Any]] = field(default_factory=dict)
    trips: list[tuple[str, str | None]] = field(default_factory=list)
    seconds: int | None = None
    ended: bool = False
    transcript: list[Any] | None = None
    analysis: str | None = None
    perception: bool = False  # the persona uses perception, so an analysis will come
    recording_line: str | None = None  # mrkdwn, made from Tavus's recording_ready
    recording_url: str | None = None  # its https link, when Tavus gave one
    transcript_as: str | None = None  # "file", "thread" or "canvas" once it is placed
    rule_words: dict[str, str] = field(default_factory=dict)  # the recruiter's words per guardrail
    private: bool = False  # drawn for the owner's DM only: an external candidate's email may show

    def rule(self, name: str) -> str:
        """A guardrail the interviewer hit, in plain words (text still to escape)."""
        return guardrail_words(name, self.rule_words)

    decision: dict[str, Any] | None = None  # issue 25: the latest decision a person made
    consent: dict[str, Any] | None = None  # issue 24: the consent receipt, for invites
    perception_barred: str | None = None  # issue 24: the policy (label) under which none is shown

    @property
    def has_results(self) -> bool:
        """A call that took place ended, or a result came: the report is due (never during the
        call, and not for an interview nobody joined, which its card already calls a no-show)."""
        return (
            (self.ended and bool(self.conv.live_at))
            or self.transcript is not None
            or self.analysis is not None
            or bool(self.recording_line)
        )

    def objectives(self) -> list[str]:
        planned = [name for name, _ in self.plan]
        return planned + [name for name in self.done if name not in set(planned)]


OPEN = "open interview, no named candidate"


def shown_name(conv: ConversationRecord, private: bool) -> str | None:
    """An external candidate's name as it may be shown (text still to escape), or None: an email
    (which the quick command takes for the name) is shown only where the owner alone reads it."""
    name = " ".join((conv.candidate_name or "").split())
    email = (conv.candidate_email or "").strip().lower()
    if not name or (not private and ("@" in name or (email and email in name.lower()))):
        return None
    return name


def candidate_phrase(conv: ConversationRecord, private: bool) -> str:
    """Who was interviewed, as mrkdwn: `candidate <@U…>`, `candidate Jane Doe`, or in words."""
    if conv.candidate_id:
        return f"candidate {user_ref(conv.candidate_id)}"
    if name := shown_name(conv, private):
        return f"candidate {esc_cut(name, 100)}"
    return "an external candidate" if conv.candidate_name else OPEN


def recording_line(state: ReportState) -> str:
    if state.recording_line:
        return state.recording_line
    if state.conv.recording == 0:
        return ":film_frames: *Recording* · not recorded"
    if state.conv.recording:
        return ":film_frames: *Recording* · on its way"
    return ":film_frames: *Recording* · on its way, if this interview was recorded"


def value_text(value: Any) -> str:
    """A recorded value on one line, escaped and cut."""
    text = value if isinstance(value, str) else str(value)
    return esc_cut(" ".join(text.split()), 300) or "–"


def scorecard_lines(state: ReportState) -> tuple[int, list[str]]:
    """(objectives done, a mrkdwn line per objective)."""
    wanted, lines = dict(state.plan), []
    names = state.objectives()
    for name in names[:MAX_LINES]:
        if name in state.done:
            values = state.done[name]
            keys = wanted.get(name) or list(values)
            shown = ", ".join(f"{esc(k)}: {value_text(values[k])}" for k in keys if k in values)
            lines.append(f":white_check_mark: *{esc(name)}*" + (f" · {shown}" if shown else ""))
        else:
            lines.append(f":white_circle: *{esc(name)}* · not done")
    return sum(1 for n in names if n in state.done), lines


def transcript_line(state: ReportState) -> str:
    if state.transcript is None:
        return ":scroll: *Transcript* · on its way (Tavus sends it a few minutes after the call)"
    turns = sum(1 for t in state.transcript if isinstance(t, dict) and t.get("role") != "system")
    where = {
        "file": "attached in this thread as a file",
        "thread": "in this thread, below",
        "canvas": "in the report's canvas",
    }.get(state.transcript_as or "", "being attached to this thread")
    return f":scroll: *Transcript* · {turns} turns, {where}"


ADVISORY = "This report is advisory: a person decides."


def consent_line(state: ReportState) -> str:
    """Issue 24: what the candidate agreed to before Start, and under which rules."""
    receipt = state.consent
    if receipt:
        return (
            f":memo: *Consent:* given {slack_date(receipt['given_at'])} under "
            f"{esc(policy_for(receipt['policy']).label)} (notice {esc(receipt['notice_version'])}, "
            f"sha256 {esc(receipt['notice_sha256'][:16])}…)\n:scales: {ADVISORY}"
        )
    who = "none recorded" if state.conv.has_candidate else "not asked (an open interview, no invite page)"
    return f":memo: *Consent:* {who}\n:scales: {ADVISORY}"


def build_report(state: ReportState) -> tuple[str, list[Block]]:
    """(fallback text, blocks) of the report, from the state as stored now."""
    conv = state.conv
    who = candidate_phrase(conv, state.private)
    took = (
        f"{state.seconds // 60} min {state.seconds % 60} s" if state.seconds is not None else "unknown length"
    )
    if not state.ended:
        ended = "not reported yet"
    else:
        ended = shutdown_words(conv.shutdown_reason, conv.ended_by) or "not reported"
    head = (
        f":bar_chart: *Interview report: {esc_cut(conv.name, 120)}*\n{who[0].upper()}{who[1:]} · persona "
        f"*{esc_cut(conv.persona_name, 80)}* · {slack_date(conv.live_at or conv.created_at)} · {took} · "
        f"ended: {ended}"
    )
    count, lines = scorecard_lines(state)
    total = len(state.objectives())
    if total:
        score = f"*Scorecard* · {count} of {total} objectives done\n" + "\n".join(lines)
    else:
        score = "*Scorecard* · this persona has no interview plan"
    if state.trips:
        n = len(state.trips)
        rails = f"*Guardrails* · triggered {n} time{'s' if n != 1 else ''}\n" + "\n".join(
            f":rotating_light: *{esc_cut(state.rule(name), 300)}*"
            + (f": {value_text(reason)}" if reason else "")
            for name, reason in state.trips[:MAX_LINES]
        )
    else:
        rails = "*Guardrails* · none triggered"
    if state.perception_barred:
        seen = f":eyes: *Perception analysis* · off under {state.perception_barred} rules"
    elif state.analysis is not None:
        seen = f":eyes: *Perception analysis*\n{esc_cut(state.analysis, 2500)}"
    elif state.perception:
        seen = ":eyes: *Perception analysis* · on its way"
    else:
        seen = ":eyes: *Perception analysis* · not used by this persona"
    text = cut(f"Interview report: {esc(conv.name)} · {count} of {total} objectives done", 200)
    parts = [head, score, rails, seen, recording_line(state), transcript_line(state), consent_line(state)]
    return text, [section(cut(part, 2900)) for part in parts] + decision_blocks(state)


def decision_blocks(state: ReportState) -> list[Block]:
    """Issue 25: the latest decision, and the buttons a person decides with."""
    ref = state.conv.ref or state.conv.conversation_id
    return [section(decision_line(state.decision)), decision_buttons(ref)] if ref else []
