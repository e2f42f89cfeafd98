"""One check's outcome and its line."""

from __future__ import annotations

from dataclasses import dataclass

TIMEOUT = 10  # seconds for each network check


@dataclass(frozen=True)
class Check:
    """One check's outcome; `text` says what was found and, on failure, what to do."""

    name: str
    ok: bool
    text: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.text}"
