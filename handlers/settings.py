"""The workspace's own Tavus key: an admin sets it from the Home tab; it is checked, then sealed."""

from __future__ import annotations

from bot.deps import Deps
from bot.services.access.key_job import key_job
from bot.slack import ids
from bot.slack.forms import clean, field_value
from bot.slack.modals import build_progress_view, build_tavus_key_modal
from handlers.guard import queue, team_of, user_of, values_of
from handlers.modals import open_view


def register(app, deps: Deps) -> None:
    async def on_open(ack, body, client) -> None:
        await ack()
        team, user = team_of(body), user_of(body)
        if deps.ws.fernet is None or not await deps.people.is_admin(team, user):
            return  # the button is only shown to admins; a forged click opens nothing
        await open_view(
            client,
            body.get("trigger_id", ""),
            build_tavus_key_modal(await deps.db.run(deps.ws.has_own_tavus_key, team)),
            None,
        )

    async def on_submit(ack, body, client) -> None:
        view, team, user = body.get("view") or {}, team_of(body), user_of(body)
        key = clean(field_value(values_of(view), ids.K_KEY))
        if deps.ws.fernet is None:  # the modal is not offered then; a forged submission hears why
            await ack(response_action="errors", errors={ids.K_KEY: "This app cannot store workspace keys."})
            return
        if not await deps.people.is_admin(team, user):
            await ack(response_action="errors", errors={ids.K_KEY: "Only a workspace admin can set the key."})
            return
        if not key or len(key) > 200 or any(c.isspace() for c in key):
            await ack(response_action="errors", errors={ids.K_KEY: "Paste the key from the Tavus portal."})
            return
        # a worker checks it with Tavus, saves it and shows the outcome here (access/key_job.py)
        await queue(deps, key_job(deps, team, user, key, view["id"]))
        await ack(
            response_action="update", view=build_progress_view("Tavus key", "Checking the key with Tavus…")
        )

    app.action(ids.OPEN_TAVUS_KEY)(on_open)
    app.view(ids.TAVUS_KEY)(on_submit)
