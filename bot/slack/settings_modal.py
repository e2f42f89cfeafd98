"""Issue 14: the workspace's interview settings (admins only): open interviews, where results
go, and the consent sentence on the candidate's page."""

from __future__ import annotations

from typing import Any

from bot.formats import CHANNEL_ID
from bot.policy import POLICIES
from bot.slack import ids
from bot.slack.blocks import context, esc_cut, plain
from bot.slack.forms import clean, field_value
from bot.slack.modals import checkbox_input, modal, option, select_input, text_input

RESULTS = [
    option("owner", "The interview's owner only (a DM thread)"),
    option("thread", "The interview card's thread in its channel"),
    option("channel", "One channel, chosen below"),
]
POLICY_OPTIONS = [option(p.key, p.label) for p in POLICIES.values()]


def build_settings_modal(current: dict[str, Any]) -> dict[str, Any]:
    channel: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": ids.VALUE,
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if current.get("results_channel"):
        channel["initial_conversation"] = current["results_channel"]
    blocks = [
        checkbox_input(
            ids.S_OPEN,
            "Open interviews",
            [option("on", "Allow interviews with no candidate (anyone in the channel can join)")],
            {"on"} if current.get("open_interviews") else set(),
        ),
        select_input(
            ids.S_RESULTS,
            "Transcripts, analyses and recordings go to",
            RESULTS,
            initial=current.get("results_to") or "owner",
        ),
        {
            "type": "input",
            "block_id": ids.S_RESULTS_CHANNEL,
            "optional": True,
            "label": plain("The results channel (a private hiring-committee channel, say)"),
            "element": channel,
        },
        checkbox_input(
            ids.S_CANVAS,
            "Interview reports",
            [option("on", "As a canvas (paid workspaces; the message and a transcript file otherwise)")],
            {"on"} if current.get("report_canvas") else set(),
        ),
        *refused_note(current.get("canvas_refused")),
        select_input(
            ids.S_POLICY,
            "Where candidates are (the rules interviews follow)",
            POLICY_OPTIONS,
            initial=current.get("policy") or "other",
        ),
        checkbox_input(
            ids.S_NOTICE_POSTED,
            "New York City notice",
            [option("on", "Candidates were told of the AI interview in the job posting")],
            {"on"} if current.get("notice_in_posting") else set(),
        ),
        context(
            "EU/EEA turns off emotion reading (perception); New York City opens invites ten business "
            "days after they are sent unless the job posting gave notice. Not legal advice."
        ),
        text_input(
            ids.S_CONSENT,
            "Consent sentence on the candidate's page",
            multiline=True,
            optional=True,
            max_length=500,
            initial=current.get("consent"),
        ),
        text_input(
            ids.S_CAP,
            "Monthly cap of Tavus minutes",
            optional=True,
            max_length=7,
            initial=str(current["minutes_cap"]) if current.get("minutes_cap") else None,
            hint="At 80 % the admins are told; at the cap new interviews are refused until next month. "
            "Empty: no cap.",
        ),
    ]
    return modal(ids.INTERVIEW_SETTINGS, "Interview settings", blocks, submit="Save")


def refused_note(error: str | None) -> list[dict[str, Any]]:
    """Slack refused this workspace a canvas: say so; saving the settings tries again."""
    if not error:
        return []
    text = (
        f"Slack refused the last report canvas (`{esc_cut(error, 60)}`), so reports go as a message and "
        "a file. Save these settings to try canvases again (after upgrading or reinstalling the app)."
    )
    return [context(text)]


def read_settings(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    results = field_value(values, ids.S_RESULTS) or "owner"
    channel = field_value(values, ids.S_RESULTS_CHANNEL)
    consent = clean(field_value(values, ids.S_CONSENT))
    if results not in ("owner", "thread", "channel"):
        errors[ids.S_RESULTS] = "Choose one of the listed places."
    if results == "channel" and not (channel and CHANNEL_ID.match(channel)):
        errors[ids.S_RESULTS_CHANNEL] = "Choose the channel where results go."
    policy = field_value(values, ids.S_POLICY) or "other"
    if policy not in POLICIES:
        errors[ids.S_POLICY] = "Choose one of the listed places."
    if len(consent) > 500:
        errors[ids.S_CONSENT] = "The sentence is too long (500 characters at most)."
    cap_text = clean(field_value(values, ids.S_CAP))
    whole = cap_text.isascii() and cap_text.isdigit()
    cap = int(cap_text) if whole and 0 < int(cap_text) <= 1_000_000 else None
    if cap_text and cap is None:
        errors[ids.S_CAP] = "A whole number of minutes (1 to 1000000), or empty for no cap."
    return {
        "open_interviews": int("on" in (field_value(values, ids.S_OPEN) or [])),
        "results_to": results,
        "results_channel": channel if results == "channel" else None,
        "consent": consent or None,
        "report_canvas": int("on" in (field_value(values, ids.S_CANVAS) or [])),
        "policy": policy,
        "notice_in_posting": int("on" in (field_value(values, ids.S_NOTICE_POSTED) or [])),
        "canvas_refused": None,  # saving tries canvases again: the admin may have upgraded
        "minutes_cap": cap,
    }, errors
