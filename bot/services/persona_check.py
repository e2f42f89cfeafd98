"""Test this persona: a conversation in Tavus's test mode (no replica joins, nothing is billed, it
does not count toward the concurrency limit) checks the whole setup, and the answer is told in
plain sentences. It is no interview: no record, no card; if Tavus left it open, it is ended."""

from __future__ import annotations

import logging
import secrets

from bot.services.documents import DocumentService
from bot.services.personas import PersonaService
from bot.slack.blocks import esc, esc_cut
from bot.slack.documents import error_words
from bot.slack.messages import tavus_failure
from bot.store import PersonaRecord
from bot.tavus import errors as te
from bot.tavus.models import ConversationCreate, Persona

log = logging.getLogger(__name__)


async def check_persona(
    personas: PersonaService,
    documents: DocumentService,
    persona: PersonaRecord,
    public_url: str | None,
) -> str:
    """Create a test_mode conversation for `persona`; what Tavus answered, as sentences."""
    name = esc(persona.name)
    marker = "test-" + secrets.token_hex(5)  # lets the client find a create whose answer was lost
    try:
        tavus = await personas.tavus_of(persona)
        at_tavus = await tavus.get_persona(persona.persona_id)
        created = await tavus.create_conversation(
            ConversationCreate(
                persona_id=persona.persona_id,
                conversation_name=f"Test of {persona.name}"[:180] + f" [{marker}]",
                test_mode=True,
            ),
            marker=marker,
        )
    except (te.NotFoundError, te.ValidationError) as exc:
        if isinstance(exc, te.NotFoundError) or "persona" in exc.message.lower():
            return (
                f":x: Tavus does not know *{name}* (`{persona.persona_id}`) any more: it was probably "
                "deleted at Tavus. Delete it here and create it again."
            )
        return f":x: Tavus refused a test conversation with *{name}*: “{esc_cut(exc.message, 300)}”."
    except te.TavusError as exc:
        return ":x: " + tavus_failure(exc, f"test *{name}*")
    lines = [
        f":white_check_mark: Tavus accepted a test conversation with *{name}*: "
        f"`{esc(created.conversation_id)}`, status {esc(created.status or 'unknown')}. "
        "No replica joined and nothing was billed; this is not an interview and has no card."
    ]
    if created.status != "ended":
        lines.append(await _end(tavus, created.conversation_id))
    lines += _plan_lines(persona, at_tavus)
    if persona.document_id:
        doc = await documents.refresh(persona)
        lines.append(_document_line(persona, doc.status if doc else None, doc.error_message if doc else None))
    if public_url:
        lines.append(f"• Tavus reports calls to {esc(public_url.rstrip('/'))}/tavus/callback/…")
    else:
        lines.append(
            "• :warning: PUBLIC_URL is not set, so Tavus cannot report calls to this app; "
            "cards then follow calls only by polling, a minute or so late."
        )
    return "\n".join(lines)


async def _end(tavus, conversation_id: str) -> str:
    try:
        await tavus.end_conversation(conversation_id)
    except te.TavusError as exc:
        log.warning("could not end test conversation %s: %s", conversation_id, exc)
        return "• :warning: Tavus left it open and I could not end it; it ends by itself when nobody joins."
    return "• Tavus left it open, so I ended it."


def _plan_lines(persona: PersonaRecord, at_tavus: Persona) -> list[str]:
    """Whether Tavus's persona carries the plan our record says it has."""
    lines = []
    for label, ours, theirs in (
        ("Interview plan (objectives)", persona.objectives_id, at_tavus.objectives_id),
        ("Hiring-compliance guardrails", persona.guardrails_id, at_tavus.guardrails_id),
    ):
        if not ours and not theirs:
            lines.append(f"• {label}: none.")
        elif ours == theirs:
            lines.append(f"• {label}: attached (`{esc(ours)}`).")
        else:
            lines.append(
                f"• :warning: {label}: this app set `{esc(ours or 'none')}` but Tavus has "
                f"`{esc(theirs or 'none')}`. Create the persona again to attach them."
            )
    if persona.document_id and persona.document_id not in (at_tavus.document_ids or []):
        lines.append("• :warning: Tavus's persona no longer lists the job description document.")
    return lines


def _document_line(persona: PersonaRecord, status: str | None, error: str | None) -> str:
    if status == "ready":
        return "• Job description: ready; the interviewer can read it."
    if status == "error":
        why = error_words(error)
        return f"• :warning: Job description failed: {why}. Create the persona again with a link that works."
    if status is None:
        return "• Job description: Tavus could not tell me its status just now."
    return f"• Job description: still {esc(status)}; the interviewer can use it once it is ready."
