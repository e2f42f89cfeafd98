"""The Start interview modal's candidate part (issue 14): a Slack user or an external person,
and the invite's window."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from bot.slack import ids
from bot.slack.blocks import Block, context, plain
from bot.slack.modals import text_input

EMAIL = re.compile(r"^[^@\s<>|]{1,64}@[A-Za-z0-9.-]{1,250}\.[A-Za-z]{2,24}$")
MAX_HOURS = 30 * 24


def candidate_blocks(v: dict[str, Any]) -> list[Block]:
    """Inputs after the Slack-user picker: an external candidate and the invite's window."""
    opens: dict[str, Any] = {"type": "datetimepicker", "action_id": ids.VALUE}
    if isinstance(v.get("opens_at"), int):
        opens["initial_date_time"] = v["opens_at"]
    return [
        text_input(
            ids.I_CANDIDATE_NAME,
            "…or an external candidate: name",
            optional=True,
            max_length=120,
            initial=v.get("candidate_name"),
        ),
        text_input(
            ids.I_CANDIDATE_EMAIL,
            "Their email, for your records",
            optional=True,
            max_length=254,
            initial=v.get("candidate_email"),
        ),
        context(
            "With a candidate, the card shows no link: the private link goes to a Slack candidate "
            "by DM and to you. With no candidate the interview is open to the whole channel."
        ),
        {
            "type": "input",
            "block_id": ids.I_OPENS,
            "optional": True,
            "label": plain("Invite opens at (default: now)"),
            "element": opens,
        },
        {
            "type": "input",
            "block_id": ids.I_HOURS,
            "optional": True,
            "label": plain("Link valid for (hours, up to 720)"),
            "element": {
                "type": "number_input",
                "action_id": ids.VALUE,
                "is_decimal_allowed": False,
                "min_value": "1",
                "max_value": str(MAX_HOURS),
                "initial_value": str(v.get("valid_hours") or 72),
            },
        },
    ]


def read_candidate(
    values: dict[str, Any], candidate_id: str | None, clean, errors: dict[str, str]
) -> dict[str, Any]:
    """The external candidate and window fields; problems go into `errors` by block_id."""
    block = values.get(ids.I_OPENS) if isinstance(values, dict) else None
    picked = (block or {}).get(ids.VALUE) if isinstance(block, dict) else None
    opens = picked.get("selected_date_time") if isinstance(picked, dict) else None
    name = clean(_value(values, ids.I_CANDIDATE_NAME))
    email = clean(_value(values, ids.I_CANDIDATE_EMAIL))
    if candidate_id and name:
        errors[ids.I_CANDIDATE_NAME] = "Choose a Slack user or type an external name, not both."
    if email and not EMAIL.match(email):
        errors[ids.I_CANDIDATE_EMAIL] = "That is not an email address (name@example.com)."
    if email and not name and not candidate_id:
        errors[ids.I_CANDIDATE_NAME] = "Give the external candidate's name too."
    if len(name) > 120:
        errors[ids.I_CANDIDATE_NAME] = "The name is too long (120 characters at most)."
    opens_at = None
    if opens is not None:
        if not isinstance(opens, int) or opens <= 0:
            errors[ids.I_OPENS] = "Pick a date and time."
        else:
            opens_at = datetime.fromtimestamp(opens, UTC).isoformat(timespec="milliseconds")
    raw = _value(values, ids.I_HOURS)
    hours = 72
    try:
        hours = int(str(raw).strip()) if raw not in (None, "") else 72
    except ValueError:
        errors[ids.I_HOURS] = "Enter a whole number of hours."
    if not 1 <= hours <= MAX_HOURS:
        errors[ids.I_HOURS] = "An invite is valid from 1 hour to 30 days (720 hours)."
    return {
        "candidate_name": name or None,
        "candidate_email": email or None,
        "opens_at": opens_at,
        "opens_epoch": opens if isinstance(opens, int) else None,
        "expires_hours": hours,
    }


def _value(values: dict[str, Any], block_id: str) -> Any:
    block = values.get(block_id) if isinstance(values, dict) else None
    action = block.get(ids.VALUE) if isinstance(block, dict) else None
    value = action.get("value") if isinstance(action, dict) else None
    return value if isinstance(value, str) else None
