"""App Home: published when a person opens the tab and after changes made from it."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.slack.errors import slack_failed
from bot.slack.home import build_home

log = logging.getLogger(__name__)


async def publish_home(deps: Deps, client, team: str, user: str, notice: str | None = None) -> None:
    admin = await deps.people.is_admin(team, user)
    can_set_key = deps.ws.fernet is not None and admin
    invites = [(c, deps.invites.link(c)) for c in deps.store.invites_of(team, user)]  # issue 14
    view = build_home(
        deps.store.personas_of(team, user),
        deps.store.active_of(team, user),
        deps.store.recently_ended(team, user),
        command=deps.settings.SLACK_COMMAND,
        notice=notice,
        can_set_key=can_set_key,
        can_configure=admin,
        invites=invites,
    )
    try:
        await client.views_publish(user_id=user, view=view)
    except SlackApiError as exc:
        slack_failed(exc, "publish the Home tab")
