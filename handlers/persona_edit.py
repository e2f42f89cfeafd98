"""Edit persona: the New persona form filled in from Tavus; saving sends a JSON Patch."""

from __future__ import annotations

import json

from bot.deps import Deps
from bot.services.access.answers import in_view
from bot.services.personas.forms import PersonaRefused, edit_values
from bot.services.personas.persona_jobs import EDIT, FIXED, persona_job
from bot.slack import ids
from bot.slack.blocks import esc, section
from bot.slack.forms import read_persona_form
from bot.slack.modals import build_progress_view, build_result_view
from bot.slack.persona_modal import build_persona_modal
from handlers.guard import action_value, queue, team_of, user_of, values_of
from handlers.modals import open_view
from handlers.views import update_view


def register(app, deps: Deps) -> None:
    async def on_edit(ack, body, client) -> None:
        await ack()
        team, user = team_of(body), user_of(body)
        persona = await deps.db.persona(team, action_value(body))
        if persona is None or not await deps.people.can_manage(team, user, persona):
            return  # the button is only shown to its owner; a forged click opens nothing
        # open at once (the trigger lasts 3 seconds), then fill in what Tavus holds
        view = await open_view(
            client,
            body.get("trigger_id", ""),
            build_progress_view("Edit persona", f"Loading *{esc(persona.name)}* from Tavus…"),
            None,
        )
        if view is None:
            return
        try:
            values, replicas = await edit_values(deps.personas, team, persona)
        except PersonaRefused as refused:
            failed = [section(refused.text)]
            await update_view(client, view["id"], build_result_view("Edit persona", failed))
            return
        form = build_persona_modal(
            replicas, deps.settings.TAVUS_DEFAULT_REPLICA_ID, values=values, editing=persona.persona_id
        )
        await update_view(client, view["id"], form)

    async def on_save(ack, body, client) -> None:
        view, team, user = body.get("view") or {}, team_of(body), user_of(body)
        meta = _meta(view)
        mode = meta.get("pipeline_mode") if meta.get("pipeline_mode") in ("full", "echo") else "full"
        values = dict(values_of(view))
        values[ids.P_MODE] = {ids.VALUE: {"type": "radio_buttons", "selected_option": {"value": mode}}}
        form, errors = read_persona_form(values)
        errors = {k: v for k, v in errors.items() if k not in FIXED}
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        # a worker sends the patch and shows the outcome in this modal (persona_jobs.py)
        persona_id = str(meta.get("persona_id", ""))
        where = in_view(view["id"])
        await queue(deps, persona_job(EDIT, team, user, persona_id=persona_id, values=values, where=where))
        await ack(
            response_action="update",
            view=build_progress_view("Edit persona", f"Saving *{esc(form.name)}* at Tavus…"),
        )

    app.action(ids.EDIT_PERSONA)(on_edit)
    app.view(ids.EDIT_PERSONA_VIEW)(on_save)


def _meta(view: dict) -> dict:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}
