"""Button clicks on cards, lists and the App Home."""

from __future__ import annotations

from bot.deps import Deps
from bot.services.access.answers import where_clicked
from bot.services.personas.persona_jobs import DELETE, persona_job
from bot.services.starting.end_job import END, end_job
from bot.slack import ids
from bot.slack.blocks import build_notice
from handlers.guard import action_value, queue, team_of, user_of
from handlers.home import personas_list, publish_home
from handlers.modals import open_interview_modal, open_persona_modal
from handlers.views import metadata_channel


def _where(body: dict) -> tuple[str, str, str | None]:
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    return team_of(body), user_of(body), channel


async def _tell(
    deps: Deps, body: dict, respond, client, text: str, *, refresh_list: bool = False, blocks=None
) -> None:
    """Answer where the click came from: the ephemeral message (with `blocks` when given), or the
    Home tab (the text as a notice)."""
    team, user, _ = _where(body)
    if (body.get("container") or {}).get("type") == "view":
        if (body.get("view") or {}).get("type") == "home":
            await publish_home(deps, client, team, user, notice=text)
        return
    if refresh_list:
        _, blocks = await personas_list(deps, team, user)
        await respond(text=text, blocks=build_notice(text)[1] + blocks, replace_original=True)
    elif blocks:
        await respond(text=text, blocks=blocks, replace_original=False)
    else:
        await respond(text=text, replace_original=False)


def register(app, deps: Deps) -> None:
    async def on_join(ack) -> None:
        await ack()  # the button opens its URL in the browser; Slack still sends the click

    async def on_end(ack, body) -> None:
        team, user, _ = _where(body)
        await queue(deps, end_job(END, team, user, action_value(body), where_clicked(body)))
        await ack()

    async def on_delete(ack, body) -> None:
        team, user, _ = _where(body)
        from_list = bool((body.get("container") or {}).get("is_ephemeral", False))
        where = where_clicked(body)
        persona_id = action_value(body)
        job = persona_job(DELETE, team, user, persona_id=persona_id, where=where, refresh_list=from_list)
        await queue(deps, job)
        await ack()

    async def on_start_from_persona(ack, body, respond, client) -> None:
        await ack()
        team, user, channel = _where(body)
        view = body.get("view") or {}
        channel = channel or metadata_channel(view)  # from a modal: where its command was typed
        await open_interview_modal(
            deps,
            client,
            body.get("trigger_id", ""),
            respond,
            team,
            user,
            channel,
            selected=action_value(body) or None,
            replace_view=view.get("id") if view.get("type") == "modal" else None,
        )

    async def on_open_new_persona(ack, body, respond, client) -> None:
        await ack()
        await open_persona_modal(deps, client, body.get("trigger_id", ""), None, team_of(body))

    async def on_open_start_interview(ack, body, client) -> None:
        await ack()
        team, user, _ = _where(body)
        await open_interview_modal(deps, client, body.get("trigger_id", ""), None, team, user, None)

    app.action(ids.JOIN)(on_join)
    app.action(ids.END)(on_end)
    app.action(ids.DELETE_PERSONA)(on_delete)
    app.action(ids.START_FROM_PERSONA)(on_start_from_persona)
    app.action(ids.OPEN_NEW_PERSONA)(on_open_new_persona)
    app.action(ids.OPEN_START_INTERVIEW)(on_open_start_interview)
