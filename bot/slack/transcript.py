"""Turn a Tavus transcript into thread messages that fit Slack's limits."""

from __future__ import annotations

import re
from typing import Any

from bot.slack.blocks import Block, cut, esc, section

TORN = re.compile(r"&[a-z]{0,3}\Z|\Z")  # the start of an escaped entity cut at the end, if any
SPEAKERS = {"assistant": "AI interviewer", "user": "Candidate"}
CHUNK = 2900  # under the 3000-character section limit
BLOCKS_PER_MESSAGE = 5  # about 14 000 characters a reply: readable, far from any message limit
MAX_MESSAGES = 20  # a runaway transcript must not flood a thread


def transcript_turns(transcript: Any) -> list[tuple[str, str]]:
    """(speaker, text) for each spoken turn; the system prompt is left out."""
    turns = []
    for turn in transcript if isinstance(transcript, list) else []:
        if not isinstance(turn, dict) or turn.get("role") == "system":
            continue
        text = str(turn.get("content") or "").strip()
        if text:
            turns.append((SPEAKERS.get(str(turn.get("role")), str(turn.get("role"))[:30]), text))
    return turns


def _chunks(turns: list[tuple[str, str]]) -> list[str]:
    chunks, current = [], ""
    for speaker, text in turns:
        line = f"*{esc(speaker)}:* {esc(text)}\n"
        while len(line) > CHUNK:  # one very long turn gets split on its own, never inside an entity
            at = CHUNK - len(TORN.search(line[:CHUNK]).group(0))
            chunks.append(line[:at])
            line = line[at:]
        if len(current) + len(line) > CHUNK:
            chunks.append(current)
            current = ""
        current += line
    if current:
        chunks.append(current)
    return chunks


def build_transcript_messages(transcript: Any) -> list[tuple[str, list[Block]]]:
    """One or more (text, blocks) thread replies; the first has a header with the turn count."""
    turns = transcript_turns(transcript)
    head = f":scroll: *Transcript* · {len(turns)} turns"
    if not turns:
        return [(head, [section(head + "\nNothing was said.")])]
    sections = [section(chunk) for chunk in _chunks(turns)]
    messages = []
    for start in range(0, len(sections), BLOCKS_PER_MESSAGE):
        part = sections[start : start + BLOCKS_PER_MESSAGE]
        if start == 0:
            part = [section(head), *part]
        messages.append((cut(head, 200), part))
    if len(messages) > MAX_MESSAGES:
        messages = messages[:MAX_MESSAGES]
        messages.append((head, [section("_The transcript is longer; the rest is in Tavus._")]))
    return messages


def transcript_file_text(title: str, transcript: Any) -> str:
    """The whole transcript as a plain-text file, one speaker label per turn. A file is shown as
    it is (not mrkdwn); every continuation line is indented, so nothing a speaker said can pose as
    another turn's label."""
    turns = transcript_turns(transcript)
    lines = [title, f"{len(turns)} turns", ""]
    for speaker, text in turns:
        body = [" ".join(line.split()) for line in text.splitlines()]
        lines.append(f"{speaker}: {body[0] if body else ''}")
        lines += [f"    {line}" for line in body[1:] if line]
        lines.append("")
    return "\n".join(lines) if turns else "\n".join([*lines, "Nothing was said."])
