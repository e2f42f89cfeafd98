"""Where a persona's background ("context") goes: into its system prompt.

Decision (issue 23 #12). Tavus's own OpenAPI file of May 2026 (../shared/tavus-openapi-2026-05.yaml)
has no `context` on a persona at all: `POST /v2/personas` takes `persona_name`, `system_prompt`,
`pipeline_mode`, `default_replica_id`, `document_ids`, `document_tags`, `objectives_id`,
`guardrails_id` and `layers`, and `GET /v2/personas/{id}` answers no `context`. The only context
it documents is the conversation's `conversational_context` ("appended to any context provided in
the persona"), which is per conversation: the interview form's *extra context* already goes there.
A persona's background must reach every conversation of that persona, test calls and quick
starts too, so it is folded into the system prompt, which both create and GET document, under a
fixed heading; the Edit form splits it out again. Nothing is sent as `context` any more, so an
account on the 2026 API cannot drop it silently. (A document would also reach every conversation,
but is processed asynchronously and may fail: more to go wrong for a few sentences.)
"""

from __future__ import annotations

HEADING = "\n\n## Background for this interview\n"


def fold_context(system_prompt: str | None, context: str | None) -> str | None:
    """The system prompt Tavus gets: the prompt, then the background under HEADING."""
    prompt, background = (system_prompt or "").strip(), (context or "").strip()
    if not background:
        return prompt or None
    return f"{prompt}{HEADING}{background}" if prompt else f"{HEADING.lstrip()}{background}"


def unfold_context(system_prompt: str | None) -> tuple[str, str]:
    """(prompt, background) as the form shows them, from a prompt `fold_context` made."""
    text = system_prompt or ""
    if text.startswith(HEADING.lstrip()):
        return "", text[len(HEADING.lstrip()) :].strip()
    prompt, found, background = text.partition(HEADING)
    return (prompt.strip(), background.strip()) if found else (text.strip(), "")
