"""Who may manage what: the configured admins plus Slack's own admin and owner flags."""

from __future__ import annotations

import logging
import time

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.records import ConversationRecord, PersonaRecord
from bot.services.access.workspaces import Workspaces
from bot.slack.errors import slack_failed

log = logging.getLogger(__name__)

ADMIN_CACHE_SECONDS = 300


def can_manage(
    user_id: str,
    team_id: str,
    thing: PersonaRecord | ConversationRecord,
    *,
    admins: frozenset[str] = frozenset(),
    is_slack_admin: bool = False,
) -> bool:
    """The owner, a listed admin, or a Slack workspace admin — of the thing's own workspace only."""
    if thing.team_id != team_id:
        return False
    return thing.owner_id == user_id or listed(admins, team_id, user_id) or is_slack_admin


def listed(admins: frozenset[str], team_id: str, user_id: str) -> bool:
    """Whether TAVUS_SLACK_ADMINS names this user for this workspace: `T…:U…` entries; a plain
    `U…` entry (single-workspace mode only, bot/config.py refuses them with OAuth) for the one."""
    return f"{team_id}:{user_id}" in admins or user_id in admins


class People:
    """Answers `is_admin` from TAVUS_SLACK_ADMINS or users.info, cached for a few minutes for what
    is shown (help, the Home tab); `can_manage`, which guards ending, cancelling, forgetting and
    deleting another's things, asks Slack afresh, so a demoted admin loses those rights at once."""

    def __init__(self, slack: AsyncWebClient, admins: frozenset[str], ws: Workspaces) -> None:
        self.slack, self.ws = slack, ws
        self.admins = admins
        self._cache: dict[tuple[str, str], tuple[float, bool]] = {}

    async def is_admin(self, team_id: str, user_id: str, *, fresh: bool = False) -> bool:
        if listed(self.admins, team_id, user_id):
            return True
        key = (team_id, user_id)
        hit = self._cache.get(key)
        if hit and not fresh and time.monotonic() - hit[0] < ADMIN_CACHE_SECONDS:
            return hit[1]
        try:
            user = (await self.slack.users_info(token=await self.ws.bot_token(team_id), user=user_id))["user"]
            admin = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        except SlackApiError as exc:
            slack_failed(exc, "check whether a user is an admin (users.info)")
            return False  # fail closed: nobody becomes an admin because Slack was down
        self._cache[key] = (time.monotonic(), admin)
        return admin

    async def can_manage(self, team_id: str, user_id: str, thing: PersonaRecord | ConversationRecord) -> bool:
        """The one authorization rule, asking Slack (afresh) whether the user is an admin only
        when needed: it guards destructive acts on another's things."""
        if thing.team_id != team_id:
            return False
        if thing.owner_id == user_id:
            return True
        admin = await self.is_admin(team_id, user_id, fresh=True)
        return can_manage(user_id, team_id, thing, is_slack_admin=admin)
