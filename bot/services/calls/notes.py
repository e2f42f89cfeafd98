"""Live notes: the owner (or an admin) gives the AI interviewer a note while the call runs.

Sent once as `conversation.append_llm_context` (the interviewer weighs it, the candidate hears
nothing). Whatever Tavus answers becomes one plain sentence; a note that may have arrived is
never sent again on our own. A person is waiting for the answer, so a note gets at most one quick
retry (a 502, or a 429 whose Retry-After is short) before we tell them when to try again.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from bot.records import ConversationRecord
from bot.services.access.people import People
from bot.services.access.workspaces import Workspaces
from bot.slack.blocks import esc
from bot.slack.messages import tavus_failure
from bot.slack.note_modal import MAX_NOTE
from bot.store.aio import AsyncStore
from bot.tavus import errors as te

log = logging.getLogger(__name__)

NOTE_RETRIES = 1  # one quick retry at most: someone is waiting for the answer
NOTE_MAX_WAIT = 2.0  # seconds; a longer Retry-After is told to the person instead of slept out
BUSY_WAIT = 30  # seconds to suggest when Tavus says 429 without a Retry-After


@dataclass
class NoteOutcome:
    """What happened to a note: a sentence for the person, and whether they can fix it by trying
    again (a modal keeps their text and shows it as an error) or it is final (sent, maybe sent, refused)."""

    text: str
    retry: bool = False
    sent: bool = False


def check_note(text: str) -> str | None:
    """What is wrong with the note's text itself, or None."""
    if not text.strip():
        return "The note is empty: write what the interviewer should know."
    if len(text) > MAX_NOTE:
        return f"The note is {len(text)} characters long; keep it under {MAX_NOTE}. Nothing was sent."
    return None


async def deliver_note(
    db: AsyncStore,
    ws: Workspaces,
    people: People,
    team_id: str,
    user_id: str,
    conv: ConversationRecord,
    text: str,
) -> NoteOutcome:
    """Send `text` to the live interviewer of `conv`, if this person may and the call is live."""
    name = esc(conv.name or "the interview")
    if not await people.can_manage(team_id, user_id, conv):
        return NoteOutcome(f"Only <@{conv.owner_id}> or an admin can send notes to *{name}*.")
    if conv.status != "live" or not conv.conversation_id:
        when = "has ended" if conv.status in ("ended", "failed") else "is not live yet"
        return NoteOutcome(
            f"*{name}* {when}: notes reach the interviewer only during the call. Nothing was sent."
        )
    if problem := check_note(text):
        return NoteOutcome(problem, retry=True)
    try:
        tavus = await db.run(ws.tavus_for, conv)
        await tavus.append_llm_context(
            conv.conversation_id, text, retries=NOTE_RETRIES, max_wait=NOTE_MAX_WAIT
        )
    except te.ConversationNotActiveError:
        return NoteOutcome(f"Tavus says *{name}* is no longer active, so the note was not sent.")
    except te.RateLimitError as exc:
        wait = math.ceil(exc.retry_after) if exc.retry_after else BUSY_WAIT
        return NoteOutcome(
            f"Tavus is busy, try again in {wait} seconds: the note to *{name}* was not sent.", retry=True
        )
    except te.AppMessageMaybeDeliveredError:
        return NoteOutcome(
            f":warning: Tavus may have passed the note to the interviewer of *{name}*, but could not "
            "confirm it. I did not send it again, so it is not repeated; send it once more only if "
            "the interviewer does not seem to act on it."
        )
    except (te.AppMessageNotDeliveredError, te.TavusConnectionError):
        return NoteOutcome(
            f"Tavus could not deliver the note to *{name}*; nothing was sent. Try again in a moment.",
            retry=True,
        )
    except te.TavusError as exc:
        return NoteOutcome(tavus_failure(exc, f"send the note to *{name}*"))
    log.info("note sent to conversation %s", conv.conversation_id)
    return NoteOutcome(
        f":memo: Sent your note to the interviewer of *{name}*. The candidate does not hear it; "
        "the interviewer takes it into account from its next turn.",
        sent=True,
    )


async def send_note(
    db: AsyncStore,
    ws: Workspaces,
    people: People,
    team_id: str,
    user_id: str,
    conv: ConversationRecord,
    text: str,
) -> str:
    """Send `text` to the live interviewer of `conv`; the answer is a sentence for the person."""
    if not text.strip() and conv.status == "live":
        return "The note is empty: write what the interviewer should know after the interview's name."
    return (await deliver_note(db, ws, people, team_id, user_id, conv, text)).text
