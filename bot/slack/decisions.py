"""Issue 25: a person's decision on an interview: the Advance, Hold and Reject buttons, the short
modal they open, and the line that shows the latest decision (on the report, the comparison and Home)."""

from __future__ import annotations

import json
from typing import Any

from bot.slack import ids
from bot.slack.blocks import Block, button, context, esc_cut, section, slack_date
from bot.slack.forms import clean, field_value
from bot.slack.modals import checkbox_input, modal, option, text_input

WORDS = {"advance": "Advance", "hold": "Hold", "reject": "Reject"}
ICONS = {"advance": ":large_green_circle:", "hold": ":large_yellow_circle:", "reject": ":red_circle:"}
MAX_REASON, MAX_FEEDBACK = 1000, 2000


def decision_buttons(ref: str) -> Block:
    """The three choices; nothing happens until the modal they open is submitted."""
    return {
        "type": "actions",
        "block_id": f"decide:{ref}"[:255],
        "elements": [
            button("Advance", ids.DECIDE_ADVANCE, value=ref, style="primary"),
            button("Hold", ids.DECIDE_HOLD, value=ref),
            button("Reject", ids.DECIDE_REJECT, value=ref, style="danger"),
        ],
    }


def decision_line(latest: dict[str, Any] | None) -> str:
    """The latest decision in one mrkdwn line, or that none is made yet."""
    if not latest:
        return ":hourglass: *Decision* · none yet (a person decides; the app never moves a candidate)"
    verdict = latest.get("verdict") or ""
    line = f"{ICONS.get(verdict, '')} *Decision* · {WORDS.get(verdict, verdict)} by <@{latest['by_user']}>"
    line += f" · {slack_date(latest.get('at'))}"
    if latest.get("reason"):
        line += f"\n_{esc_cut(latest['reason'], 300)}_"
    if latest.get("tell"):
        line += "\nThe candidate was told."
    return line


def build_decision_modal(
    conv_name: str | None,
    ref: str,
    verdict: str,
    version: int,
    latest: dict[str, Any] | None = None,
    *,
    has_candidate: bool = True,
) -> dict[str, Any]:
    """The short form: a reason (required to reject), watched or read, feedback for the candidate
    (an open interview has no candidate to tell: no feedback there)."""
    word = WORDS[verdict]
    blocks: list[Block] = [section(f"*{word}* · {esc_cut(conv_name, 150) or 'this interview'}")]
    if latest:
        blocks.append(context("Now: " + decision_line(latest)))
    blocks += [
        text_input(
            ids.D_REASON, "Reason", multiline=True, optional=verdict != "reject", max_length=MAX_REASON
        ),
        checkbox_input(
            ids.D_WATCHED, "Before deciding", [option("watched", "I watched or read the interview")], set()
        ),
    ]
    if has_candidate:
        blocks += [
            text_input(
                ids.D_FEEDBACK,
                "Feedback for the candidate",
                multiline=True,
                optional=True,
                max_length=MAX_FEEDBACK,
                hint="Sent only if you tick Tell the candidate; the decision itself is never sent.",
            ),
            checkbox_input(ids.D_TELL, "The candidate", [option("tell", "Tell the candidate")], set()),
        ]
    else:
        blocks.append(context("An open interview: there is no candidate to tell."))
    meta = {"ref": ref, "verdict": verdict, "version": version}
    return modal(ids.DECISION_VIEW, f"{word} candidate", blocks, submit=word, metadata=meta)


def read_decision_form(view: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(the decision as submitted, inline errors): a reject needs its reason."""
    values = (view.get("state") or {}).get("values") or {}
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    verdict = meta.get("verdict") if meta.get("verdict") in WORDS else None
    form = {
        "ref": str(meta.get("ref") or ""),
        "verdict": verdict,
        "version": int(meta["version"]) if str(meta.get("version", "")).isdigit() else -1,
        "reason": clean(field_value(values, ids.D_REASON))[:MAX_REASON] or None,
        "watched": int("watched" in (field_value(values, ids.D_WATCHED) or [])),
        "feedback": clean(field_value(values, ids.D_FEEDBACK))[:MAX_FEEDBACK] or None,
        "tell": int("tell" in (field_value(values, ids.D_TELL) or [])),
    }
    errors = {}
    if verdict == "reject" and not form["reason"]:
        errors[ids.D_REASON] = "Say why the candidate is rejected: the reason is kept with the decision."
    return form, errors
