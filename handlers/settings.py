"""The workspace's own Tavus key: an admin sets it from the Home tab; it is checked, then sealed."""

from __future__ import annotations

from bot.deps import Deps
from bot.records import ConversationRecord
from bot.services.access.tavus_key import key_problem
from bot.slack import ids
from bot.slack.blocks import esc, section
from bot.slack.forms import clean, field_value
from bot.slack.modals import build_progress_view, build_result_view, build_tavus_key_modal
from handlers.guard import team_of, user_of, values_of
from handlers.home import publish_home
from handlers.modals import open_view
from handlers.views import update_view


def saved_text(replaced: bool, staying: list[ConversationRecord]) -> str:
    """What the new key changes, and what stays on the previous one (issue 23): Tavus knows each
    persona and call in the account that made it only, so those keep the key they were made with."""
    text = ":white_check_mark: Saved. This workspace's personas and interviews now use its own Tavus key."
    if not replaced:
        return text
    text += (
        " Personas made with the previous key stay in that account: create them again to interview "
        "with them on this key."
    )
    if staying:
        names = ", ".join(f"*{esc(c.name or c.ref or '')}*" for c in staying[:10])
        more = f" and {len(staying) - 10} more" if len(staying) > 10 else ""
        text += f" These live interviews stay on the previous key until they end: {names}{more}."
    return text


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
        if not await deps.people.is_admin(team, user):
            await ack(response_action="errors", errors={ids.K_KEY: "Only a workspace admin can set the key."})
            return
        if not key or len(key) > 200 or any(c.isspace() for c in key):
            await ack(response_action="errors", errors={ids.K_KEY: "Paste the key from the Tavus portal."})
            return
        await ack(
            response_action="update", view=build_progress_view("Tavus key", "Checking the key with Tavus…")
        )
        error = await key_problem(key, deps.settings.TAVUS_API_URL, deps.ws.tavus_http)
        if error:
            await update_view(
                client,
                view["id"],
                build_tavus_key_modal(await deps.db.run(deps.ws.has_own_tavus_key, team), error),
            )
            return
        previous = await deps.db.run(deps.ws.set_tavus_key, team, key, by=user)
        await deps.db.audit(team, user, "workspace.tavus_key", team, None)
        staying = [c for c in await deps.db.active_in_team(team) if previous and c.tavus_account == previous]
        await update_view(
            client, view["id"], build_result_view("Tavus key", [section(saved_text(bool(previous), staying))])
        )
        await publish_home(deps, client, team, user)

    app.action(ids.OPEN_TAVUS_KEY)(on_open)
    app.view(ids.TAVUS_KEY)(on_submit)
