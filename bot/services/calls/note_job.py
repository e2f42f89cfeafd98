"""A live note after its listener's ack, as an outbox job (kind `note`): a worker sends it to the
interviewer (bot/services/calls/notes.py) and answers in the modal still open (the form again, the
text kept, when trying again can fix it; else the outcome, also sent privately as a DM), or through
the command's response_url.

The job carries the note's text, so it is interview content: `forget` stops it (its kind is among
bot/store/erasure.py's CONTENT_JOBS). A note that may have arrived is never sent again on our own:
the job marks its first run, and a rerun (a worker died mid-send) says the note may not have
reached the interviewer rather than sending it twice. Once sent, the job keeps only the answer the
person is owed (`told`), so a retry after Slack refused that answer says it again, then nothing."""

from __future__ import annotations

from typing import Any

from bot.records import ConversationRecord
from bot.services.access.answers import ListenerRunner, listener_job, tell
from bot.services.calls.notes import deliver_note, send_note
from bot.services.outbox.job_kinds import dm_job
from bot.slack.blocks import section
from bot.slack.modals import build_result_view
from bot.slack.note_modal import build_note_modal
from bot.store import Job, OutboxRecord

NOTE = "note"
TITLE = "Note to interviewer"
GONE = "I found no such interview in this workspace any more. Nothing was sent."
MAYBE = (
    "Something failed on our side while sending your note (it is logged for the app's "
    "admin), so it may not have reached the interviewer. Send it again if it matters."
)


def note_job(
    conv: ConversationRecord | None, team: str | None, user: str | None, key: str | None = None, **data: Any
) -> Job:
    """`data`: the conversation id, the text, `where` to answer, and the view's key for a modal's DM."""
    return listener_job(NOTE, team, {"user": user, **data}, token=conv.token if conv else None, key=key)


class NoteRunner(ListenerRunner):
    """Runs `note` jobs in a worker."""

    KINDS = (NOTE,)

    async def run(self, job: OutboxRecord) -> str | None:
        deps, data, team = self.deps, job.data, job.team_id or ""
        if not data:  # forgotten before it ran, or its content cleared by retention
            return None
        if told := data.get("told"):  # the note went (or was refused): its answer again
            return await self.answer(job, team, told)
        where, modal = data["where"], "view" in data["where"]
        cid, ref = data.get("conversation_id"), data.get("ref")
        conv = (await deps.db.conversation(team, cid) if cid else None) or (
            await deps.db.conversation_by_ref(team, ref) if ref else None
        )
        if conv is None:
            return await self.answer(job, team, {"where": where, "text": GONE, "view": result_view(GONE)})
        if not await deps.db.first_time(f"ran:{job.key}"):  # its first run may have sent it
            return await self.answer(job, team, {"where": where, "text": MAYBE, "view": result_view(MAYBE)})
        if not modal:
            answer = await send_note(deps.db, deps.ws, deps.people, team, data["user"], conv, data["text"])
            return await self.answer(job, team, {"where": where, "text": answer}, keep=True)
        outcome = await deliver_note(deps.db, deps.ws, deps.people, team, data["user"], conv, data["text"])
        if outcome.retry:  # trying again can fix it: the form, the text kept, the reason under it
            form = build_note_modal(conv, text=data["text"], error=outcome.text)
            return await self.answer(
                job, team, {"where": where, "text": outcome.text, "view": form}, keep=True
            )
        await deps.db.add_jobs([dm_job(conv, data["dm_key"], data["user"], outcome.text, tell=True)])
        deps.queue.kick()
        told = {"where": where, "text": outcome.text, "view": result_view(outcome.text)}
        return await self.answer(job, team, told, keep=True)

    async def answer(self, job: OutboxRecord, team: str, told: dict[str, Any], keep: bool = False) -> None:
        """Tell the person; `keep`: first the note's text leaves the job, the answer staying until
        it is told (a retry of a refused answer says it again), then nothing stays."""
        if keep:
            await self.deps.db.clear_job_content(job.key, keep={"told": told})
        await tell(self.deps, team, told["where"], told["text"], view=told.get("view"))
        await self.deps.db.clear_job_content(job.key)


def result_view(text: str) -> dict:
    return build_result_view(TITLE, [section(text)])
