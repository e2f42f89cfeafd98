"""Issue 23: jobs against `forget`. `forget` marks the interview forgotten and stops its jobs first
(bot/store/erasure.py); a job already running when that happens records nothing afterwards: each
thing it posts is recorded through `keep_posted` or `keep_report`, which the store refuses once the
interview is forgotten, and then the job deletes what it just posted and ends (`Forgotten`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError

from bot.records import ConversationRecord
from bot.services.outbox.job_kinds import NotYet
from bot.services.results.refusals import GONE, _code
from bot.slack.budget import Throttled
from bot.store import Job, OutboxRecord
from bot.store.aio import AsyncStore
from bot.store.erasure import CONTENT_JOBS

log = logging.getLogger(__name__)
T = TypeVar("T")


class Forgotten(Exception):
    """The interview was forgotten while this job ran: what it posted is deleted, nothing recorded."""


def stopped(job: OutboxRecord, conv: ConversationRecord | None) -> bool:
    """A job with nothing left to do: its conversation is gone; or forgotten (its card is still
    redrawn, and the candidate's DM still told); or its content was deleted (retention, forget)."""
    if job.token and conv is None:
        return True
    if conv is not None and conv.forgotten and job.kind in CONTENT_JOBS and not job.data.get("candidate"):
        return True
    return job.kind in ("reply", "dm") and not job.data


async def unless_forgotten(db: AsyncStore, job: OutboxRecord, work: Awaitable[T]) -> T | None:
    """Run a job; one whose interview was forgotten while it ran ends done, whatever happened."""
    try:
        return await work
    except Forgotten:
        return None
    except (NotYet, Throttled):
        raise  # late, not failed: no need to look
    except Exception:
        conv = await db.conversation_by_token(job.token) if job.token else None
        if conv is not None and conv.forgotten:
            return None  # forgotten meanwhile: retrying, or telling the owner, would bring it back
        raise


async def unpost(what: str, delete: Callable[[], Awaitable[Any]]) -> None:
    """Delete something posted after its interview was forgotten; a failure is logged, loudly."""
    try:
        await delete()
    except SlackApiError as exc:
        if _code(exc) not in GONE:
            log.error("could not delete %s posted as its interview was forgotten: %s", what, _code(exc))
    except Exception as exc:  # a reset or a timeout
        log.error("could not delete %s posted as its interview was forgotten: %s", what, type(exc).__name__)


async def keep_posted(
    db: AsyncStore, slack, token: str | None, conv: ConversationRecord, answer: Any, *, root: bool = False
) -> None:
    """Record a message posted about an interview, so `forget` deletes it; once the interview is
    forgotten, delete it instead and stop the job."""
    channel, ts = answer["channel"], answer["ts"]
    if await db.add_result_message(conv.token, channel, ts, root=root):
        return
    await unpost("a result message", lambda: slack.chat_delete(token=token, channel=channel, ts=ts))
    raise Forgotten


async def keep_report(
    db: AsyncStore,
    conv: ConversationRecord,
    undo: Callable[[], Awaitable[Any]] | None = None,
    jobs: list[Job] | None = None,
    **values: Any,
) -> None:
    """Record what a report job made (with the jobs it owes); once the interview is forgotten, run
    `undo` (delete the file or canvas just made) instead and stop the job."""
    if await db.save_report(conv.token, conv.team_id, jobs, **values):
        return
    if undo is not None:
        await unpost("a report's file or canvas", undo)
    raise Forgotten
