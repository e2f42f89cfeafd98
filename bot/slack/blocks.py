"""Block Kit primitives: escaping, cutting to Slack's limits, sections, buttons, dates."""

from __future__ import annotations

from typing import Any

from bot.clock import duration_seconds, parse_time

Block = dict[str, Any]
MAX_SECTION = 3000
MAX_BUTTON = 75
MAX_LIST = 15  # rows in a list message; each row takes up to three blocks (50 max)


def esc(text: str | None) -> str:
    """Escape user text for mrkdwn, so it cannot mention or link."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str | None, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = MAX_BUTTON) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(text, limit) or " ", "emoji": True}


def section(text: str, **extra: Any) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, MAX_SECTION)}, **extra}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": cut(text, 2000)}]}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, 150)}


def button(
    text: str,
    action_id: str,
    *,
    value: str | None = None,
    url: str | None = None,
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    el: dict[str, Any] = {"type": "button", "text": plain(text), "action_id": action_id}
    for key, val in (("value", value), ("url", url), ("style", style), ("confirm", confirm)):
        if val is not None:
            el[key] = val
    return el


def confirm(title: str, text: str, yes: str) -> dict[str, Any]:
    return {
        "title": plain(title, 100),
        "text": {"type": "mrkdwn", "text": cut(text, 300)},
        "confirm": plain(yes, 30),
        "deny": plain("Cancel", 30),
        "style": "danger",
    }


def slack_date(iso: str | None, fmt: str = "{date_short_pretty} at {time}") -> str:
    """Slack renders this in each reader's own time zone."""
    moment = parse_time(iso)
    if moment is None:
        return esc(iso) or "unknown time"
    return f"<!date^{int(moment.timestamp())}^{fmt}|{esc(iso)}>"


def duration_text(start: str | None, end: str | None) -> str | None:
    seconds = duration_seconds(start, end)
    if seconds is None:
        return None
    minutes, secs = divmod(seconds, 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def build_notice(text: str, extra: list[Block] | None = None) -> tuple[str, list[Block]]:
    """A plain sentence for the user, with optional blocks after it."""
    return text, [section(text), *(extra or [])]
