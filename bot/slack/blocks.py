"""Block Kit primitives: escaping, cutting to Slack's limits, sections, buttons, dates."""

from __future__ import annotations

import re
from typing import Any

from bot.clock import duration_seconds, parse_time
from bot.formats import CHANNEL_ID, USER_ID

Block = dict[str, Any]
MAX_SECTION = 3000
MAX_BUTTON = 75
MAX_LIST = 15  # rows in a list message; each row takes up to three blocks (50 max)


_BARE_AMP = re.compile(r"&(?!(?:amp|lt|gt);)")
_TORN_ENTITY = re.compile(r"&[a-z]{0,3}\Z")


def esc(text: str | None) -> str:
    """Escape outside text for mrkdwn (`&`, `<`, `>`), so it cannot mention, link or format a date.

    The one boundary for every text that did not come from our own code (Tavus answers and
    callbacks, user input, Slack names). Idempotent: an entity already escaped stays as it is, so
    text escaped by a service and again by a builder is shown once, never as `&amp;lt;`.
    """
    return _BARE_AMP.sub("&amp;", text or "").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str | None, limit: int, *, mrkdwn: bool = True) -> str:
    """At most `limit` characters; in mrkdwn an escaped entity is never torn in half."""
    text = text or ""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    return (_TORN_ENTITY.sub("", head) if mrkdwn else head) + "…"


def esc_cut(text: str | None, limit: int) -> str:
    """Escaped, then cut to `limit` without tearing an entity."""
    return cut(esc(text), limit)


def user_ref(user_id: str | None) -> str:
    """A mention of a Slack user id; anything else shown as escaped text."""
    return f"<@{user_id}>" if user_id and USER_ID.match(user_id) else esc_cut(user_id, 40)


def channel_ref(channel_id: str | None) -> str:
    """A link to a Slack channel id; anything else shown as escaped text."""
    return f"<#{channel_id}>" if channel_id and CHANNEL_ID.match(channel_id) else esc_cut(channel_id, 40)


def as_plain(mrkdwn: str) -> str:
    """One of our mrkdwn sentences for a plain_text field (a modal's inline error): mentions in
    words, entities unescaped, so Slack shows no `<#C…>` or `&lt;`."""
    text = re.sub(r"<#[CGD][A-Z0-9]+>", "that channel", mrkdwn)
    text = re.sub(r"<@[UW][A-Z0-9]+>", "that person", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_SAFE_URL = re.compile(r"^https?://[^\s<>|]+$")


def link(url: str | None, label: str) -> str:
    """A mrkdwn link to an outside URL (e.g. Tavus's join link), or the escaped text if not a plain URL."""
    if url and _SAFE_URL.match(url) and len(url) <= 2000:
        return f"<{esc(url)}|{esc(label)}>"
    return esc_cut(url, 300) or esc(label)


def plain(text: str, limit: int = MAX_BUTTON) -> dict[str, Any]:
    """A plain_text object: the raw text (never escaped, Slack shows it as is), cut to `limit`."""
    return {"type": "plain_text", "text": cut(text, limit, mrkdwn=False) or " ", "emoji": True}


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


def confirm(title: str, text: str, yes: str, no: str = "Cancel") -> dict[str, Any]:
    """Slack's confirmation dialog on a button."""
    return {
        "title": plain(title, 100),
        "text": {"type": "mrkdwn", "text": cut(text, 300)},
        "confirm": plain(yes, 30),
        "deny": plain(no, 30),
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
