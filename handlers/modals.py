"""Opening the two modals fast enough for a 3-second trigger_id."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.slack.errors import slack_failed
from bot.slack.interview_modal import build_interview_modal
from bot.slack.persona_modal import build_persona_modal

log = logging.getLogger(__name__)

EXPIRED = ("expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id")


async def open_view(client, trigger_id: str, view: dict, respond) -> dict | None:
    try:
        return (await client.views_open(trigger_id=trigger_id, view=view))["view"]
    except SlackApiError as exc:
        error = slack_failed(exc, "open a modal")
        if respond is not None:
            why = "Slack took too long to open the form" if error in EXPIRED else f"Slack said {error}"
            await respond(text=f"I couldn't open the form ({why}). Please try once more.")
        return None


async def open_persona_modal(
    deps: Deps,
    client,
    trigger_id: str,
    respond,
    team_id: str,
    channel_id: str | None = None,
    name: str | None = None,
) -> None:
    """Open at once with what we know; fill in Tavus's replicas with views.update when slow.
    `name` (what followed `/tavus persona`) is the name filled in."""
    default = deps.settings.TAVUS_DEFAULT_REPLICA_ID
    values = {"name": name} if name else None
    cached = await deps.personas.cached_replicas(team_id)
    first = build_persona_modal(
        cached or [], default, values=values, loading=cached is None, channel_id=channel_id
    )
    view = await open_view(client, trigger_id, first, respond)
    if view is None or cached is not None:
        return
    replicas = await deps.personas.replicas(team_id)
    try:
        await client.views_update(
            view_id=view["id"],
            hash=view["hash"],
            view=build_persona_modal(replicas, default, values=values, channel_id=channel_id),
        )
    except SlackApiError as exc:  # hash_conflict: the user already moved on; keep their view
        slack_failed(exc, "fill in the replica list", level=logging.INFO)


async def open_interview_modal(
    deps: Deps,
    client,
    trigger_id: str,
    respond,
    team: str,
    user: str,
    channel_id: str | None,
    selected: str | None = None,
    replace_view: str | None = None,
) -> None:
    """Open the Start interview form; `replace_view` puts it in place of an open modal instead
    (views.update), so one Done or Cancel closes it rather than leaving a modal underneath."""
    view = build_interview_modal(
        await deps.db.visible_personas(team, user),
        channel_id,
        values={"persona": selected} if selected else None,
        command=deps.settings.SLACK_COMMAND,
        last_used=await deps.db.last_persona_used(team, user),
        openings=await deps.db.openings_in(team),  # issue 25
    )
    if replace_view is None:
        await open_view(client, trigger_id, view, respond)
        return
    try:
        await client.views_update(view_id=replace_view, view=view)
    except SlackApiError as exc:
        slack_failed(exc, "show the Start interview form")
