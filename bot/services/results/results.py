"""Where an interview's results (transcript, perception analysis, recording) go: by default the
owner only, in a DM thread per interview; or, as a workspace admin chose, the card's channel
thread or one named channel. Each message posted is remembered, so `forget` can delete it."""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.records import ConversationRecord
from bot.services.access.workspaces import Workspaces
from bot.services.results.forgotten import keep_posted
from bot.services.results.refusals import GONE
from bot.slack.blocks import esc, esc_cut, link
from bot.slack.errors import REFUSED_PLACE, slack_failed
from bot.slack.report import candidate_phrase
from bot.store import Store
from bot.store.aio import AsyncStore
from bot.tavus.events import recording_ready

log = logging.getLogger(__name__)

DESTINATIONS = ("owner", "thread", "channel")


def recording_text(props: dict[str, Any]) -> str:
    """A link a person can open; a storage path is named and explained."""
    found = recording_ready(props)
    took = f" ({found.seconds // 60} min {found.seconds % 60} s)" if found.seconds is not None else ""
    if found.url:
        return f":film_frames: *Recording ready*{took}: {link(found.url, 'open the recording')}"
    storage = f" ({esc_cut(found.storage, 60)})" if found.storage else ""
    if not found.where:
        return f":film_frames: *Recording ready*{took}; find it in your Tavus recording storage{storage}."
    return (
        f":film_frames: *Recording ready*{took}. It is a file in your own cloud storage{storage}, "
        f"`{esc_cut(found.where, 500)}`: open it from your storage console (it is not a web link)."
    )


def destination_of(store: Store, conv: ConversationRecord) -> tuple[str, str | None]:
    """('thread', channel) | ('channel', channel) | ('owner', None), as the workspace chose."""
    chosen = store.interview_settings(conv.team_id)
    if chosen["results_to"] == "thread" and conv.message_ts and conv.channel_id:
        return "thread", conv.channel_id
    if chosen["results_to"] == "channel" and chosen["results_channel"]:
        return "channel", chosen["results_channel"]
    return "owner", None


class ResultsService:
    """Where results go, the interview's results thread, and deleting what was posted (forget)."""

    def __init__(self, db: AsyncStore, ws: Workspaces, slack: AsyncWebClient) -> None:
        self.db, self.ws, self.slack = db, ws, slack  # the store off the event loop
        self.store = db.store
        # results of one interview post concurrently (transcript, analysis, recording): one root
        self._roots: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def destination(self, conv: ConversationRecord) -> tuple[str, str | None]:
        return destination_of(self.store, conv)

    async def thread_root(self, conv: ConversationRecord, channel: str, token: str | None) -> dict:
        """The interview's own thread in the owner's DM or the chosen channel, started once."""
        lock = self._roots.get(conv.token)
        if lock is None:
            lock = self._roots[conv.token] = asyncio.Lock()
        async with lock:
            try:
                return await self._thread_root(conv, channel, token)
            except SlackApiError as exc:  # the chosen channel refuses us: the owner still gets them
                if channel == conv.owner_id or exc.response.get("error") not in REFUSED_PLACE:
                    raise
                slack_failed(exc, "start an interview's results thread in the chosen channel")
                return await self._thread_root(conv, conv.owner_id, token)

    async def _thread_root(self, conv: ConversationRecord, channel: str, token: str | None) -> dict:
        dm = channel == conv.owner_id  # posting to a user id lands in their DM (a D… channel)
        for row in await self.db.result_messages(conv.token):
            if row["thread_root"] and (row["channel"] == channel or (dm and row["channel"].startswith("D"))):
                return {"channel": row["channel"], "thread_ts": row["ts"]}
        who = candidate_phrase(conv, private=dm)  # an email only in the owner's DM
        where = f" (card in <#{conv.channel_id}>)" if conv.channel_id else ""
        answer = await self.slack.chat_postMessage(
            token=token,
            channel=channel,
            text=f":clipboard: Results of *{esc(conv.name)}* · {who} · started by "
            f"<@{conv.owner_id}>{where}. They follow in this thread.",
            unfurl_links=False,
        )
        await keep_posted(self.db, self.slack, token, conv, answer, root=True)
        return {"channel": answer["channel"], "thread_ts": answer["ts"]}

    async def delete_posted(self, conv: ConversationRecord) -> tuple[int, list[dict]]:
        """chat.delete every message we posted about this interview (results, the owner's alerts),
        and files.delete / canvases.delete its report's transcript file (an upload cut short too) and
        canvas (forget): (how many deleted, what was not, as items to retry). One Slack says is
        already gone counts as neither."""
        report = await self.db.report(conv.token) or {}
        items = [
            {"kind": kind, "id": ident}
            for kind, ident in (
                ("file", report.get("file_id")),
                ("file", report.get("file_pending") if not report.get("file_id") else None),
                ("canvas", report.get("canvas_id")),
            )
            if ident
        ]
        items += [
            {"kind": "message", "id": row["ts"], "channel": row["channel"]}
            for row in reversed(await self.db.result_messages(conv.token))
        ]
        if conv.opening_id and (compared := await self.db.compare_canvas(conv.opening_id)):
            items.append({"kind": "canvas", "id": compared})  # its opening's comparison shows it too
            await self.db.set_compare_canvas(conv.opening_id, None)  # the next compare makes it anew
        return await self.delete_items(conv.team_id, items)

    async def delete_items(self, team_id: str, items: list[dict]) -> tuple[int, list[dict]]:
        """Delete each Slack item (message, file, canvas): (how many, those left with Slack's why)."""
        deleted, left = 0, []
        token = await self.db.run(self.ws.slack_token, team_id)
        for item in items:
            kind, ident = item["kind"], item["id"]
            what = f"delete an interview's {'result message' if kind == 'message' else 'report ' + kind}"
            try:
                if kind == "message":
                    await self.slack.chat_delete(token=token, channel=item["channel"], ts=ident)
                elif kind == "file":
                    await self.slack.files_delete(token=token, file=ident)
                else:
                    await self.slack.canvases_delete(token=token, canvas_id=ident)
                deleted += 1
            except SlackApiError as exc:
                if exc.response.get("error") in GONE:
                    continue  # deleted by hand, or an upload that never completed: nothing to say
                slack_failed(exc, what)
                left.append({**item, "why": f"Slack refused: {exc.response.get('error')}"})
            except Exception as exc:  # a reset or a timeout: say so, and go on with the rest
                log.warning("could not %s: %s", what, type(exc).__name__)
                left.append({**item, "why": f"Slack did not answer ({type(exc).__name__})"})
        return deleted, left
