"""Parse what people type after the slash command."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.formats import MENTION
from bot.records import PersonaRecord
from bot.slack.blocks import esc_cut
from bot.slack.candidate_form import EMAIL
from bot.slack.forms import clean

SUBCOMMANDS = {
    "help",
    "persona",
    "personas",
    "interview",
    "interviews",
    "end",
    "delete",
    "forget",
    "sharing",
    "note",
    "test",
    "stats",
    "opening",  # issue 25: openings, the comparison
    "openings",
    "compare",
}
MAX_TEXT = 4000  # Slack sends at most this much; anything longer is not from Slack


def split_command(text: str | None) -> tuple[str, str]:
    """('subcommand', 'the rest'); empty is 'help', an unknown word is ('unknown', that word)."""
    text = clean(text or "")[:MAX_TEXT]
    if not text:
        return "help", ""
    head, *tail = text.split(None, 1)  # any whitespace: a newline after the word is a space too
    rest = tail[0] if tail else ""
    sub = head.casefold()
    if sub not in SUBCOMMANDS:
        return "unknown", head
    return sub, rest.strip()


@dataclass
class QuickInterview:
    persona: PersonaRecord | None = None
    candidate_id: str | None = None
    candidate_email: str | None = None  # issue 14: an external candidate, by email
    title: str = ""
    error: str | None = None
    opening_id: str | None = None  # issue 25: named by its opening


def parse_quick_interview(rest: str, find: Callable[[str], PersonaRecord | None]) -> QuickInterview:
    """`<persona id or name> [@user] [title]`; a name may have spaces or be "quoted"."""
    if rest.startswith('"') and '"' in rest[1:]:
        ref, _, after = rest[1:].partition('"')
        persona, words = find(ref), after.split()
    else:
        words = rest.split()
        persona = None
        # the longest run of leading words that names a persona wins
        for n in range(len(words), 0, -1):
            persona = find(" ".join(words[:n]))
            if persona:
                words = words[n:]
                break
        # not found: every word before the candidate may be the name (it may have spaces)
        ref = " ".join(words[: next((i for i, w in enumerate(words) if is_candidate(w)), len(words))])
    if persona is None:
        return QuickInterview(error=f"I found no persona called `{esc_cut(ref, 60)}` that you can use.")
    out = QuickInterview(persona=persona)
    if words and (m := MENTION.match(words[0])):
        out.candidate_id = m.group(1)
        words = words[1:]
    elif words and EMAIL.match(as_email(words[0])):
        out.candidate_email = as_email(words[0])
        words = words[1:]
    elif words and words[0].startswith("@"):
        return QuickInterview(
            error=f"Mention the candidate so Slack links the name (pick {words[0][:40]} "
            "from the list as you type), or leave them out."
        )
    out.title = " ".join(words)[:120]
    return out


def as_email(word: str) -> str:
    """An address as typed, or as Slack links it (`<mailto:a@b.c|a@b.c>`)."""
    return word.removeprefix("<mailto:").split("|")[0].rstrip(">")


def is_candidate(word: str) -> bool:
    """A word that names the candidate: a mention, an email, or an @name Slack did not link."""
    return bool(MENTION.match(word) or EMAIL.match(as_email(word)) or word.startswith("@"))
