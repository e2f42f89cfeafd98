"""Test this persona's answer: plain sentences first, the ids behind a detail line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.slack.blocks import context, esc, section


@dataclass
class PersonaCheck:
    """What a test told us, in words (each already escaped mrkdwn): a headline, one bullet per part
    of the setup, and the ids and addresses an engineer would ask for."""

    headline: str
    lines: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    def bullet(self, text: str) -> None:
        self.lines.append(f"• {text}")

    def detail(self, label: str, value: str | None) -> None:
        """An id, as Tavus or our store gave it (escaped: it came from outside this code)."""
        if value:
            self.details.append(f"{label} `{esc(value)}`")


def build_persona_check(check: PersonaCheck) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text without the ids, blocks with the ids in a context block)."""
    text = "\n".join([check.headline, *check.lines])
    blocks = [section(text)]
    if check.details:
        blocks.append(context("Details: " + " · ".join(check.details)))
    return text, blocks
