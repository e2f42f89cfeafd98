"""A decision's answer once recorded, and whether a decision met first is this very one (a `decide`
job run again after its first run recorded it but was cut short before it said so)."""

from __future__ import annotations

from typing import Any

from bot.records import ConversationRecord
from bot.slack.blocks import esc_cut
from bot.slack.decisions import WORDS


def mine(latest: dict[str, Any], user: str, form: dict[str, Any]) -> bool:
    """The latest decision is the one this form made (same person, verdict and version)."""
    same = latest.get("by_user") == user and latest.get("verdict") == form["verdict"]
    return same and int(latest.get("version") or 0) == form["version"] + 1


def recorded(row: dict[str, Any], conv: ConversationRecord) -> str:
    told = " The candidate will be told." if row["tell"] else ""
    return f":white_check_mark: Recorded: *{WORDS[row['verdict']]}* for *{esc_cut(conv.name, 120)}*.{told}"
