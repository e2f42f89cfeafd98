"""Issue 24: erasure, one path for `/tavus forget` and the candidate's *Delete my interview*. Each
erasure is recorded (erasure_requests): when it was asked, what was deleted, what is left and why.
What could not be deleted at once (Slack refused, Tavus did not answer) is retried every hour by
the retention run; an admin is told every day it stays undone, as it must be done within 30 days
(Illinois 820 ILCS 42/10). Nothing here carries the candidate's content."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.clock import parse_time, utcnow
from bot.records import ConversationRecord
from bot.services.access.people import listed
from bot.slack.blocks import esc_cut
from bot.store import Job
from bot.store.migrations import token_hash
from bot.tavus import errors as te

if TYPE_CHECKING:
    from bot.deps import Services

log = logging.getLogger(__name__)

FINISH_WITHIN = timedelta(days=30)
ALERT_EVERY = timedelta(days=1)
SETTLE_POLL = 0.2  # seconds between looks at a forgotten interview's jobs still running
RUNNING = ("creating", "waiting", "live")


@dataclass
class Erased:
    """One erasure attempt: Slack items deleted, those left (with why), Tavus's copy's fate."""

    deleted: int = 0
    left: list[dict] = field(default_factory=list)
    busy: int = 0
    tavus: str = "none"  # deleted, gone (already), left, none (never made)


async def erase(deps: Services, conv: ConversationRecord, by: str, link_hash: str | None = None) -> Erased:
    """Delete an interview's stored content, what we posted about it, and the conversation at
    Tavus; record the request and what is left to retry."""
    db = deps.db
    await db.open_erasure(conv.token, conv.team_id, by, link_hash)
    if conv.status in ("invited", "failed") and not conv.conversation_id:
        await db.close_invite(conv.token, "invite_cancelled", by)
    # first: nothing more is recorded for it, and a job still running deletes what it posts next
    await db.begin_forget(conv.token, by)
    out = Erased(busy=await settle(deps, conv.token))
    out.deleted, out.left = await deps.results.delete_posted(conv)
    await db.end_forget(conv.token)
    if conv.conversation_id:
        out.tavus, why = await delete_at_tavus(deps, conv)
        if why:
            out.left.append({"kind": "tavus", "id": conv.conversation_id, "why": why})
    await db.erasure_attempted(conv.token, {"slack": out.deleted, "tavus": out.tavus}, out.left)
    await deps.interviews.refresh_card(conv.token)
    return out


async def settle(deps: Services, token: str) -> int:
    """Wait (at most a job's lease) for its result jobs still running; how many still are."""
    deadline = time.monotonic() + deps.settings.OUTBOX_LEASE_SECONDS
    while (busy := await deps.db.forget_in_flight(token)) and time.monotonic() < deadline:
        await asyncio.sleep(SETTLE_POLL)
    return busy


async def delete_at_tavus(deps: Services, conv: ConversationRecord) -> tuple[str, str | None]:
    """Delete the conversation at Tavus, in the account that made it (another account's 404 would
    say nothing): (deleted, gone or left; why it is left)."""
    try:
        tavus = await deps.db.run(deps.ws.tavus_for, conv)
        await tavus.delete_conversation(conv.conversation_id or "")
    except te.NotFoundError:
        return "gone", None
    except te.AccountKeyGoneError:
        return "left", "it was made with a Tavus key this workspace no longer has (delete it in that account)"
    except te.TavusError as exc:
        return "left", f"Tavus could not delete it yet ({exc.message[:100]})"
    return "deleted", None


async def candidate_erase(deps: Services, raw: str) -> dict | str | None:
    """The candidate's confirmed *Delete my interview*: the erasure request (made once: a reload or
    a second tab finds it), "running" while the call is on, None when the link opens nothing."""
    if not raw or len(raw) > 100:
        return None
    digest = token_hash(raw)
    asked = await deps.db.erasure_by_link(digest)
    if asked and asked["attempts"]:  # done, or left to the hourly retry: nothing to do twice
        await tell_owner_erased(deps, asked["conv_token"])  # unless the owner's DM was never queued
        return asked
    found = await deps.db.invite_by_link(raw)
    if found is None:
        return asked  # None: a wrong link, which changes nothing
    conv = found[1]
    if conv.status in RUNNING:
        return "running"
    await erase(deps, conv, "candidate", digest)
    await tell_owner_erased(deps, conv.token)
    return await deps.db.erasure_of(conv.token)


async def tell_owner_erased(deps: Services, conv_token: str) -> None:
    """The owner hears of a candidate's erasure once (the job's key): queued after the erasure, and
    again on the candidate's reload within a day, in case the first queueing was cut off."""
    conv, record = await deps.db.conversation_by_token(conv_token), await deps.db.erasure_of(conv_token)
    asked = parse_time((record or {}).get("requested_at"))
    if conv is None or asked is None or datetime.now(asked.tzinfo) - asked > ALERT_EVERY:
        return
    deleted, left = json.loads(record["deleted"] or "{}"), json.loads(record["left_items"] or "[]")
    at_tavus = {"deleted": " and the conversation at Tavus", "gone": " (Tavus had already deleted its copy)"}
    still = (
        f" {len(left)} item(s) could not be deleted yet: I retry every hour and tell an admin each day "
        "until they are."
        if left
        else ""
    )
    text = (
        f"The candidate of interview `{conv.ref or 'without a reference'}` asked for their interview to "
        "be deleted, from their invite page. Its stored transcript, analysis and events are deleted, with "
        f"{deleted.get('slack', 0)} message(s) or file(s) about it in Slack"
        f"{at_tavus.get(deleted.get('tavus'), '')}.{still}"
    )
    payload = {"channel": conv.owner_id, "text": text, "tell": True}
    await deps.db.add_jobs([Job("dm", f"tell:erased:{conv.token}", None, conv.team_id, payload)])
    deps.queue.kick()


async def retry_erasures(deps: Services, now: datetime) -> int:
    """The hourly retry of what erasures left; an admin is told once a day while any stays.
    Returns how many erasures are still unfinished."""
    db = deps.queue.db  # the background's store threads
    unfinished = 0
    for req in await db.open_erasures():
        left = json.loads(req["left_items"] or "[]")
        if not req["attempts"]:  # cut short before its first attempt ended (a restart): again
            conv = await db.conversation_by_token(req["conv_token"])
            if conv is None:  # nothing of it is stored any more
                await db.erasure_attempted(req["conv_token"], {}, [])
                continue
            left = (await erase(deps, conv, req["requested_by"] or "retention")).left
        else:
            left = await retry_left(deps, req, left)
        if left:
            unfinished += 1
            await alert_if_due(deps, req, left, now)
    return unfinished


async def retry_left(deps: Services, req: dict, left: list[dict]) -> list[dict]:
    in_slack = [i for i in left if i["kind"] != "tavus"]
    deleted, still = await deps.results.delete_items(req["team_id"], in_slack)
    done: dict = {"slack": deleted}
    conv = await deps.queue.db.conversation_by_token(req["conv_token"])
    for item in (i for i in left if i["kind"] == "tavus"):
        if conv is None:  # its record is gone: nothing to tell which account holds it
            still.append(item)
            continue
        done["tavus"], why = await delete_at_tavus(deps, conv)
        still += [{**item, "why": why}] if why else []
    await deps.queue.db.erasure_attempted(req["conv_token"], done, still)
    return still


async def alert_if_due(deps: Services, req: dict, left: list[dict], now: datetime) -> None:
    """A DM to the workspace's admins (no content: a reference, counts and Slack's reasons)."""
    last = parse_time(req["alerted_at"])
    if last is not None and now - last < ALERT_EVERY:
        return
    asked = parse_time(req["requested_at"]) or now
    conv = await deps.queue.db.conversation_by_token(req["conv_token"])
    ref = (conv.ref if conv else None) or "without a reference"
    # Slack's and Tavus's reasons are their text: escaped, so an error body cannot mention or link
    why = esc_cut("; ".join(sorted({str(i.get("why")) for i in left})), 300)
    text = (
        f"An erasure asked on {asked.date()} (interview `{ref}`) is not finished: "
        f"{len(left)} item(s) could not be deleted yet ({why}). I retry every hour; it must be done by "
        f"{(asked + FINISH_WITHIN).date()}. If it keeps failing, delete them by hand."
    )
    day = now.date().isoformat()
    jobs = [
        Job(
            "dm",
            f"erasure-alert:{req['id']}:{day}:{admin}",
            None,
            req["team_id"],
            {"channel": admin, "text": text, "tell": True},
        )
        for admin in await admins_of(deps, req)
    ]
    await deps.queue.db.add_jobs(jobs)
    await deps.queue.db.erasure_alerted(req["conv_token"], utcnow())
    deps.queue.kick()


async def admins_of(deps: Services, req: dict) -> list[str]:
    """TAVUS_SLACK_ADMINS for the workspace; else whoever installed the app; else the owner."""
    team = req["team_id"] or ""
    named = [a.split(":")[-1] for a in deps.settings.admins if listed(frozenset([a]), team, a.split(":")[-1])]
    if named:
        return sorted(named)
    installer = await deps.queue.db.run(lambda: deps.store.installer_of(team))
    if installer:
        return [installer]
    conv = await deps.queue.db.conversation_by_token(req["conv_token"])
    return [conv.owner_id] if conv else []
