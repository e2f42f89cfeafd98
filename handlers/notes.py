"""Note to interviewer: the button opens the modal at once; its submission acks with a progress
view, then Tavus is called and the modal shows how it went (the form again, text kept, when trying
again can fix it; otherwise the outcome, which also goes to the sender privately)."""

from __future__ import annotations

import json
import logging

from bot.deps import Deps
from bot.services.access.answers import by_url, in_view
from bot.services.calls.note_job import note_job
from bot.services.calls.notes import check_note
from bot.slack import ids
from bot.slack.blocks import esc, section
from bot.slack.modals import build_progress_view, build_result_view
from bot.slack.note_modal import build_note_modal, note_text, note_title
from handlers.guard import action_value, queue, submission_key, team_of, user_of
from handlers.modals import open_view

TITLE = "Note to interviewer"
log = logging.getLogger(__name__)


def register(app, deps: Deps) -> None:
    async def on_open_note(ack, body, respond, client) -> None:
        await ack()
        team = team_of(body)
        conv = await deps.db.conversation(team, action_value(body))
        if conv is not None and conv.status == "live":
            view = build_note_modal(conv)
        else:  # the list was drawn while it was live; say so rather than offer a form that fails
            name = f"*{note_title(conv)}*" if conv else "This interview"
            view = build_result_view(
                TITLE, [section(f"{name} is no longer live, so notes cannot reach its interviewer.")]
            )
        from_home = (body.get("container") or {}).get("type") == "view"
        await open_view(client, body.get("trigger_id", ""), view, None if from_home else respond)

    async def on_note(ack, body, client) -> None:
        view = body.get("view") or {}
        text = note_text(view).strip()
        if problem := check_note(text):
            await ack(response_action="errors", errors={ids.N_TEXT: problem})
            return
        # queued before the ack (a double click is the same key: queued once); a worker sends it
        # and shows how it went in this modal (bot/services/calls/note_job.py)
        team, user = team_of(body), user_of(body)
        try:
            cid = json.loads(view.get("private_metadata") or "{}").get("conversation_id") or ""
        except ValueError:
            cid = ""
        conv = await deps.db.conversation(team, cid) if cid else None
        dm_key = f"note:{view.get('id')}:{view.get('hash')}"
        where = in_view(view["id"])
        job = note_job(
            conv, team, user, key=submission_key(view), conversation_id=cid, text=text, where=where,
            dm_key=dm_key,
        )  # fmt: skip
        await queue(deps, job)
        await ack(
            response_action="update",
            view=build_progress_view(TITLE, "Sending your note to the interviewer…"),
        )

    app.action(ids.OPEN_NOTE)(on_open_note)
    app.view(ids.NOTE_VIEW)(on_note)


async def note_command(deps: Deps, respond, body: dict, rest: str) -> None:
    """`note <interview name, id or ref> <text>`: the longest leading run of words naming one
    interview is the name (or a "quoted" name), the rest is the note."""
    team, user, command = team_of(body), user_of(body), deps.settings.SLACK_COMMAND
    admin = await deps.people.is_admin(team, user)
    if rest.startswith('"') and '"' in rest[1:]:
        ref, _, text = rest[1:].partition('"')
        found = await deps.interviews.find(team, user, ref, admin=admin)
    else:
        words, found, text = rest.split(" "), [], ""
        for n in range(min(len(words) - 1, 12), 0, -1):
            found = await deps.interviews.find(team, user, " ".join(words[:n]), admin=admin)
            if found:
                text = " ".join(words[n:])
                break
    if not found:
        await respond(
            text=f"Usage: `{command} note &lt;interview name or id&gt; &lt;note&gt;`. "
            f"I found no interview of yours at the start of `{esc(rest[:60])}`; "
            f"`{command} interviews` lists them."
        )
    elif len(found) > 1:
        await respond(text="More than one interview has that name: use its id from the interview's card.")
    else:
        where = by_url(body.get("response_url") or "", replace=False)
        conv = found[0]
        job = note_job(
            conv,
            team,
            user,
            conversation_id=conv.conversation_id,
            ref=conv.ref,
            text=text.strip(),
            where=where,
        )
        await queue(deps, job)  # a worker sends it and answers through response_url (note_job.py)
