"""Test this persona: a conversation in Tavus's test mode (no replica joins, nothing is billed, it
does not count toward the concurrency limit) checks the whole setup, and the answer is told in
plain sentences. It is no interview: no record, no card; if Tavus left it open, it is ended."""

from __future__ import annotations

import logging
import secrets
from types import SimpleNamespace

from bot.records import PersonaRecord
from bot.services.personas.documents import DocumentService
from bot.services.personas.personas import PersonaService
from bot.slack.blocks import esc, esc_cut
from bot.slack.documents import error_words
from bot.slack.messages import tavus_failure
from bot.slack.persona_check import PersonaCheck
from bot.tavus import errors as te
from bot.tavus.models import ConversationCreate, Persona

log = logging.getLogger(__name__)
UNREAD = SimpleNamespace(data=[])  # a set Tavus could not show just now (not the same as gone)


async def check_persona(
    personas: PersonaService,
    documents: DocumentService,
    persona: PersonaRecord,
    public_url: str | None,
) -> PersonaCheck:
    """Create a test_mode conversation for `persona`; what Tavus answered, in plain words."""
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
            gone = PersonaCheck(
                f":x: Tavus does not know *{name}* any more: it was probably deleted at Tavus. "
                "Delete it here and create it again."
            )
            gone.detail("persona", persona.persona_id)
            return gone
        return PersonaCheck(f":x: Tavus refused a test call with *{name}*: “{esc_cut(exc.message, 300)}”.")
    except te.TavusError as exc:
        return PersonaCheck(":x: " + tavus_failure(exc, f"test *{name}*"))
    check = PersonaCheck(
        f":white_check_mark: Tavus accepted a test call with *{name}*. It was free: no replica joined, "
        "nothing was billed, and it is not an interview (no card)."
    )
    check.detail("persona", persona.persona_id)
    check.detail("test conversation", created.conversation_id)
    if created.status:
        check.details.append(f"status {esc(created.status)}")
    if created.status != "ended":
        check.bullet(await _end(tavus, created.conversation_id))
    await _plan_lines(check, tavus, persona, at_tavus)
    if persona.document_id:
        doc = await documents.refresh(persona)
        check.bullet(_document_line(doc.status if doc else None, doc.error_message if doc else None))
        if persona.document_id not in (at_tavus.document_ids or []):  # the spec promises document_ids
            check.bullet(":warning: Tavus's persona no longer lists the job description: create it again.")
        check.detail("job description", persona.document_id)
    _callback_line(check, public_url)
    return check


def _callback_line(check: PersonaCheck, public_url: str | None) -> None:
    if public_url:
        check.bullet("Tavus can report calls back to this app, so cards follow each call as it happens.")
        check.details.append(f"reports to {esc(public_url.rstrip('/'))}/tavus/callback/…")
    else:
        check.bullet(
            ":warning: Tavus cannot report calls back to this app (PUBLIC_URL is not set): cards "
            "follow calls by polling, a minute or so late."
        )


async def _end(tavus, conversation_id: str) -> str:
    try:
        await tavus.end_conversation(conversation_id)
    except te.TavusError as exc:
        log.warning("could not end test conversation %s: %s", conversation_id, exc)
        return ":warning: Tavus left the test call open and I could not end it; it ends by itself."
    return "Tavus left the test call open, so I ended it."


async def _plan_lines(check: PersonaCheck, tavus, persona: PersonaRecord, at_tavus: Persona) -> None:
    """The plan and guardrails as the interviewer will get them. Tavus's persona answer does not
    carry `objectives_id` nor `guardrails_id` (GET /v2/personas/{id} in its May 2026 OpenAPI file),
    so their absence there proves nothing: each set is read by its own id, and only an id Tavus
    does show that differs from ours is a mismatch."""
    if persona.objectives_id:
        found = await _read(tavus.get_objectives, persona.objectives_id)
        names = [esc(o.objective_name) for o in found.data if o.objective_name] if found else []
        if found is None:
            check.bullet(":warning: Interview plan: Tavus no longer has it. Create the persona again.")
        elif found is UNREAD:
            check.bullet("Interview plan: attached; Tavus could not show its objectives just now.")
        elif names:
            many = f"{len(names)} objective" + ("s" if len(names) > 1 else "")
            check.bullet(f"Interview plan: {many} the interviewer works through: {', '.join(names)}.")
        else:
            check.bullet("Interview plan: attached.")
        check.detail("plan", persona.objectives_id)
    else:
        check.bullet("Interview plan: none; the interviewer follows its system prompt.")
    if persona.guardrails_id:
        rails = await _read(tavus.get_guardrails, persona.guardrails_id)
        if rails is None:
            check.bullet(":warning: Compliance guardrails: Tavus no longer has them. Create it again.")
        elif rails is UNREAD:
            check.bullet("Compliance guardrails: attached; Tavus could not show them just now.")
        else:
            count = f" ({len(rails.data)} rules)" if rails.data else ""
            check.bullet(f"Compliance guardrails: on{count}; no questions on protected traits.")
        check.detail("guardrails", persona.guardrails_id)
    else:
        check.bullet("Compliance guardrails: off.")
    for label, ours, theirs in (
        ("interview plan", persona.objectives_id, at_tavus.objectives_id),
        ("guardrails", persona.guardrails_id, at_tavus.guardrails_id),
    ):
        if theirs and theirs != ours:  # only when Tavus shows one: the spec does not promise it
            check.bullet(f":warning: Tavus's persona has another {label} than this app set. Create it again.")


async def _read(get, ident: str):
    """A set by its id, None when Tavus no longer has it; a passing failure is not a verdict."""
    try:
        return await get(ident)
    except te.NotFoundError:
        return None
    except te.TavusError as exc:
        log.info("could not read %s: %s", ident, exc)
        return UNREAD


def _document_line(status: str | None, error: str | None) -> str:
    if status == "ready":
        return "Job description: ready; the interviewer can read it."
    if status == "error":
        why = error_words(error)
        return f":warning: Job description failed: {why}. Create the persona again with a link that works."
    if status is None:
        return "Job description: Tavus could not tell me its status just now."
    return f"Job description: still {esc(status)}; the interviewer can use it once it is ready."
