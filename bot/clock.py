"""The one clock: UTC timestamps as ISO strings, and reading them back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utcnow() -> str:
    """Now, as the ISO string every record and event stores."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def parse_time(iso: str | None) -> datetime | None:
    """An ISO string (Tavus's `Z` too) as an aware datetime, or None when it is not one."""
    try:
        moment = datetime.fromisoformat((iso or "").replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def duration_seconds(start: str | None, end: str | None) -> int | None:
    """Whole seconds between two ISO strings, or None when either is missing."""
    begin, finish = parse_time(start), parse_time(end)
    if begin is None or finish is None:
        return None
    return max(0, int((finish - begin).total_seconds()))


def ago(delta: timedelta) -> str:
    """The ISO string of a moment `delta` before now."""
    return (datetime.now(UTC) - delta).isoformat(timespec="milliseconds")
