"""Note to interviewer: the button opens the modal at once; its submission acks with a progress
view, then Tavus is called and the modal shows how it went (the form again, text kept, when trying
again can fix it; otherwise the outcome, which also goes to the sender privately)."""

from __future__ import annotations

import contextlib
import json
import logging

from bot.deps import Deps
from bot.services.jobs import dm_job
from bot.services.notes import check_note, deliver_note
from bot.slack import ids
from bot.slack.blocks import section
from bot.slack.modals import build_progress_view, build_result_view
from bot.slack.note_modal import build_note_modal, note_text, note_title
from handlers.modals import open_view
from handlers.views import submission_key, update_view

TITLE = "Note to interviewer"
log = logging.getLogger(__name__)


def register(app, deps: Deps) -> None:
    async def on_open_note(ack, body, respond, client) -> None:
        await ack()
        team = body["team"]["id"]
        conv = await deps.db.conversation(team, body["actions"][0].get("value", ""))
        if conv is not None and conv.status == "live":
            view = build_note_modal(conv)
        else:  # the list was drawn while it was live; say so rather than offer a form that fails
            name = f"*{note_title(conv)}*" if conv else "This interview"
            view = build_result_view(
                TITLE, [section(f"{name} is no longer live, so notes cannot reach its interviewer.")]
            )
        from_home = (body.get("container") or {}).get("type") == "view"
        await open_view(client, body["trigger_id"], view, None if from_home else respond)

    async def on_note(ack, body, client) -> None:
        view = body["view"]
        text = note_text(view).strip()
        if problem := check_note(text):
            await ack(response_action="errors", errors={ids.N_TEXT: problem})
            return
        await ack(
            response_action="update",
            view=build_progress_view(TITLE, "Sending your note to the interviewer…"),
        )
        if not await deps.db.first_time(submission_key(view)):
            return  # a double click: the first submission is sending it
        try:
            await send(body, client, text)
        except Exception:  # a reset, the store: the modal must not spin on "Sending…" for ever
            log.exception("a note to the interviewer failed on our side")
            failed = (
                "Something failed on our side while sending your note (it is logged for the app's "
                "admin), so it may not have reached the interviewer. Send it again if it matters."
            )
            with contextlib.suppress(Exception):
                await update_view(client, view["id"], build_result_view(TITLE, [section(failed)]))

    async def send(body, client, text: str) -> None:
        view, team, user = body["view"], body["team"]["id"], body["user"]["id"]
        try:
            cid = json.loads(view.get("private_metadata") or "{}").get("conversation_id") or ""
        except ValueError:
            cid = ""
        conv = await deps.db.conversation(team, cid) if cid else None
        if conv is None:
            gone = "I found no such interview in this workspace any more. Nothing was sent."
            await update_view(client, view["id"], build_result_view(TITLE, [section(gone)]))
            return
        outcome = await deliver_note(deps.db, deps.ws, deps.people, team, user, conv, text)
        if outcome.retry:  # trying again can fix it: the form, the text kept, the reason under it
            await update_view(client, view["id"], build_note_modal(conv, text=text, error=outcome.text))
            return
        await update_view(client, view["id"], build_result_view(TITLE, [section(outcome.text)]))
        key = f"note:{view.get('id')}:{view.get('hash')}"
        await deps.db.add_jobs([dm_job(conv, key, user, outcome.text, tell=True)])
        deps.outbox.kick()

    app.action(ids.OPEN_NOTE)(on_open_note)
    app.view(ids.NOTE_VIEW)(on_note)
