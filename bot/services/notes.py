"""Live notes: the owner (or an admin) gives the AI interviewer a note while the call runs.

Sent once as `conversation.append_llm_context` (the interviewer weighs it, the candidate hears
nothing). Whatever Tavus answers becomes one plain sentence; a note that may have arrived is
never sent again on our own.
"""

from __future__ import annotations

import logging

from bot.services.people import People
from bot.services.workspaces import Workspaces
from bot.slack.blocks import esc
from bot.slack.messages import tavus_failure
from bot.store import ConversationRecord
from bot.store.aio import AsyncStore
from bot.tavus import errors as te

log = logging.getLogger(__name__)

MAX_NOTE = 2000  # a note, not a new system prompt


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
    name = esc(conv.name or "the interview")
    if not await people.can_manage(team_id, user_id, conv):
        return f"Only <@{conv.owner_id}> or an admin can send notes to *{name}*."
    if conv.status != "live" or not conv.conversation_id:
        when = "has ended" if conv.status in ("ended", "failed") else "is not live yet"
        return f"*{name}* {when}: notes reach the interviewer only during the call. Nothing was sent."
    if not text.strip():
        return "The note is empty: write what the interviewer should know after the interview's name."
    if len(text) > MAX_NOTE:
        return f"The note is {len(text)} characters long; keep it under {MAX_NOTE}. Nothing was sent."
    try:
        tavus = await db.run(ws.tavus, conv.team_id)
        await tavus.append_llm_context(conv.conversation_id, text)
    except te.ConversationNotActiveError:
        return f"Tavus says *{name}* is no longer active, so the note was not sent."
    except te.RateLimitError as exc:
        wait = f" in about {int(exc.retry_after)} seconds" if exc.retry_after else " in a minute"
        return f"Tavus is limiting how fast notes reach *{name}*, and nothing was sent. Try again{wait}."
    except te.AppMessageMaybeDeliveredError:
        return (
            f":warning: Tavus may have passed the note to the interviewer of *{name}*, but could not "
            "confirm it. I did not send it again, so it is not repeated; send it once more only if "
            "the interviewer does not seem to act on it."
        )
    except (te.AppMessageNotDeliveredError, te.TavusConnectionError):
        return f"Tavus could not deliver the note to *{name}*; nothing was sent. Try again in a moment."
    except te.TavusError as exc:
        return tavus_failure(exc, f"send the note to *{name}*")
    log.info("note sent to conversation %s", conv.conversation_id)
    return (
        f":memo: Sent your note to the interviewer of *{name}*. The candidate does not hear it; "
        "the interviewer takes it into account from its next turn."
    )
