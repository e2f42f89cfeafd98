"""Issue 15: the interview report's outbox jobs. `report` posts the one report where the workspace's
results go, then redraws it from the stored events each time a late callback re-arms it (pending
redraws collapse into one, the latest state wins). `transcript` puts the whole transcript in the
report's thread as a text file, or in thread messages when Slack refuses the file. Every Slack call
waits for its turn in the workspace's rate budget; everything done is recorded once, so a retry
after a reset goes on from where it stopped."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import httpx
from slack_sdk.errors import SlackApiError

from bot.records import ConversationRecord
from bot.services.outbox.job_kinds import NotYet, card_job, reply_job, report_job, transcript_job  # noqa: F401
from bot.services.results.forgotten import keep_posted, keep_report
from bot.services.results.outcome import report_metadata
from bot.services.results.refusals import FILE_REFUSED, GONE, _code
from bot.services.results.replies import Replies
from bot.services.results.report import gather_report
from bot.services.results.report_canvas import CanvasSteps, _markdown
from bot.services.results.report_links import ReportLinks
from bot.services.results.sharing import record_sharing
from bot.slack.blocks import esc
from bot.slack.errors import REFUSED_PLACE
from bot.slack.report import ReportState, build_report
from bot.slack.transcript import build_transcript_messages, transcript_file_text
from bot.store import OutboxRecord

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

UNSAFE_TITLE = re.compile(r"[<>&*_~`|\r\n\t]")  # a file title is shown as mrkdwn: plain words only


def owner_only(channel: str) -> bool:
    """Whether a report in this channel is read by the owner alone: results go to the owner's DM
    with the app (a D… channel) or to a channel or thread others read."""
    return channel.startswith("D")


class ReportRunners(Replies, CanvasSteps, ReportLinks):
    """The results' runners: the report, its transcript, and replies where results go."""

    KINDS = (*Replies.KINDS, "report", "transcript")

    async def run_report(self, job: OutboxRecord, conv: ConversationRecord) -> str | None:
        row = await self.db.report(conv.token)
        state = await gather_report(self.db, self.ws, conv, row)
        if not state.has_results:
            return "not yet"  # an objective met during the call: the end posts the report
        token = await self._token(conv.team_id)
        if row and row.get("ts"):
            done = await self._redraw(job, token, row, state)
            await self.keep_permalink(job, conv, token, row)  # when the first ask was refused
            return done
        kind, where = await self._place(job, conv, token)
        state.private = owner_only(where["channel"])
        canvas_id = (row or {}).get("canvas_id")
        if canvas_id is None and await self._wants_canvas(conv):
            canvas_id = await self._create_canvas(job, conv, token, state)
        elif canvas_id and not await self._wants_canvas(conv):  # its share was refused last time
            await self._drop_canvas(job, conv, token, canvas_id)
            canvas_id = None
        elif canvas_id:  # made by an attempt that failed later: results may have come since
            await self._admit(job, "canvases.edit")
            change = {"operation": "replace", "document_content": _markdown(state)}
            await self.slack.canvases_edit(token=token, canvas_id=canvas_id, changes=[change])
        if canvas_id and not await self._share_canvas(job, conv, token, canvas_id, kind, where):
            canvas_id = None
        if canvas_id:
            state.transcript_as = "canvas"
            text, blocks = self._announcement(conv, state, canvas_id)
        else:
            text, blocks = build_report(state)
        answer, where = await self._post_result(job, conv, token, kind, where, text, blocks, state)
        posted = {"channel": answer["channel"], "ts": answer["ts"], "thread_ts": where["thread_ts"]}
        await keep_report(self.db, conv, **posted)
        await self.keep_permalink(job, conv, token, answer)
        if owner_only(answer["channel"]) != (kind == "owner"):  # the chosen place refused it
            await self.db.add_jobs([card_job(conv)])  # the card says where the report went
        await record_sharing(self, job, conv, token, answer, where, canvas_id)  # issue 24
        return "posted"

    async def _redraw(self, job: OutboxRecord, token: str | None, row: dict, state: ReportState) -> str:
        state.private = owner_only(row["channel"])
        try:
            if row.get("canvas_id"):
                await self._admit(job, "canvases.edit")
                change = {"operation": "replace", "document_content": _markdown(state)}
                await self.slack.canvases_edit(token=token, canvas_id=row["canvas_id"], changes=[change])
                text, blocks = self._announcement(state.conv, state, row["canvas_id"])  # its count too
            else:
                text, blocks = build_report(state)
            await self._admit(job, "chat.update")
            meta = report_metadata(state)
            await self.slack.chat_update(
                token=token, channel=row["channel"], ts=row["ts"], text=text, blocks=blocks, metadata=meta
            )
        except SlackApiError as exc:
            if _code(exc) not in GONE:
                raise
            log.info("the interview report was deleted in Slack; it is not posted again")
        return "updated"

    async def _place(
        self, job: OutboxRecord, conv: ConversationRecord, token: str | None
    ) -> tuple[str, dict]:
        """Where results go, the thread started; a card-thread result waits for its card."""
        kind, channel = await self._destination(conv)
        # the turn is taken before the thread's root may be posted: the root and the report go
        # together, in the bucket the other results of this place use (bot/services/outbox/pacing.py)
        place = {"thread": conv.channel_id, "channel": channel}.get(kind) or conv.owner_id
        await self._admit(job, "chat.postMessage", place)
        return kind, await self._where(conv, kind, channel, token)

    async def _post_result(
        self, job, conv, token, kind: str, where: dict, text: str, blocks: list, state
    ) -> tuple[dict, dict]:
        """Post one result message; a place that refuses us falls back to the owner's thread."""
        meta = {"metadata": report_metadata(state)}  # for other apps and workflows (issue 27)
        try:  # its turn was taken with its place (_place)
            answer = await self._post(token, text, blocks, where, **meta)
        except SlackApiError as exc:
            if kind == "owner" or _code(exc) not in REFUSED_PLACE:
                raise
            where = await self._where(conv, "owner", None, token)
            answer = await self._post(token, text, blocks, where, **meta)
        await keep_posted(self.db, self.slack, token, conv, answer)
        return answer, where

    # the transcript
    async def run_transcript(self, job: OutboxRecord, conv: ConversationRecord) -> str | None:
        row = await self.db.report(conv.token)
        turns = await self._transcript_of(conv)
        if turns is None:
            return None  # forgotten meanwhile
        if not row or not row.get("ts"):
            report = await self.db.job(f"report:{conv.token}")
            if report is not None and report.state != "parked":
                raise NotYet("the report is still on its way")
            return await self._in_thread(conv, turns, "the report could not be posted")
        if row.get("canvas_id") or row.get("file_id") or row.get("transcript_as") == "thread":
            return row.get("transcript_as")
        token = await self._token(conv.team_id)
        if (pending := row.get("file_pending")) and await self._shared(job, token, pending, row):
            file_id = pending  # the upload completed, only its answer was lost
        else:
            try:
                file_id = await self._upload(job, conv, token, row, turns)
            except SlackApiError as exc:
                if _code(exc) not in FILE_REFUSED:
                    raise
                self._told_once(conv.team_id, "the transcript file", _code(exc))
                return await self._in_thread(conv, turns, _code(exc))
        undo = lambda: self.slack.files_delete(token=token, file=file_id)  # noqa: E731
        await keep_report(
            self.db, conv, undo, [report_job(conv)], file_id=file_id, file_pending=None, transcript_as="file"
        )
        return file_id

    async def _transcript_of(self, conv: ConversationRecord) -> list | None:
        events = await self.db.events_of(conv.conversation_id, conv.token)
        found = [e for e in events if e.get("event_type") == "application.transcription_ready"]
        return (found[-1].get("properties") or {}).get("transcript") or [] if found else None

    async def _in_thread(self, conv, turns: list, why: str) -> str:
        messages = build_transcript_messages(turns)
        replies = reply_job(conv, f"transcript-thread:{conv.token}", "transcript", messages)
        await keep_report(self.db, conv, jobs=[replies, report_job(conv)], transcript_as="thread")
        return f"thread ({why})"

    async def _shared(self, job, token, file_id: str, row: dict) -> bool:
        """Whether an upload whose completion we did not hear about is shown in the report's thread."""
        await self._admit(job, "files.info")
        try:
            info = (await self.slack.files_info(token=token, file=file_id))["file"]
        except SlackApiError as exc:
            if _code(exc) in GONE:
                return False  # never completed: Slack discards it, and nobody saw it
            raise
        places = {c for key in ("channels", "groups", "ims") for c in info.get(key) or []}
        return row["channel"] in places

    async def _upload(self, job, conv, token, row: dict, turns: list) -> str:
        """files.getUploadURLExternal, the bytes to its URL, files.completeUploadExternal: the three
        steps of files_upload_v2, taken one by one so the file id is recorded before the upload."""
        title = UNSAFE_TITLE.sub("", f"Transcript of {conv.name or 'the interview'}")[:120]
        content = transcript_file_text(title, turns).encode()
        slug = re.sub(r"[^a-z0-9]+", "-", (conv.name or "").lower()).strip("-")[:60] or "interview"
        filename = f"transcript-{slug}.txt"
        await self._admit(job, "files.getUploadURLExternal")
        slot = await self.slack.files_getUploadURLExternal(
            token=token, filename=filename, length=len(content)
        )
        await keep_report(self.db, conv, file_pending=slot["file_id"])  # never completed if forgotten now
        async with httpx.AsyncClient(timeout=30.0) as http:  # a pre-signed URL: no token goes there
            sent = await http.post(slot["upload_url"], content=content)
        if sent.status_code != 200:
            raise RuntimeError(f"the file upload URL answered HTTP {sent.status_code}")
        await self._admit(job, "files.completeUploadExternal")
        try:
            await self.slack.files_completeUploadExternal(
                token=token,
                files=[{"id": slot["file_id"], "title": title}],
                channel_id=row["channel"],
                thread_ts=row.get("thread_ts"),
                initial_comment=f":scroll: The full transcript of *{esc(conv.name or 'the interview')}*.",
            )
        except SlackApiError as exc:  # the client's own retry after a lost answer finds it done
            if _code(exc) in FILE_REFUSED or not await self._shared(job, token, slot["file_id"], row):
                raise
        return slot["file_id"]
