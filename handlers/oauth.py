"""Bolt's OAuth stores kept in our own database: installations (bot token sealed with
TAVUS_SLACK_ENCRYPTION_KEY) and the flow's one-time states, so any instance can finish a flow.
Bolt calls them as it calls the listeners, and they go through the Workspaces service, so they
live here with the listeners (bot/app.py hands them to Bolt), not among the Block Kit builders."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

if TYPE_CHECKING:  # the stores are handed the service that bot/app.py built
    from bot.services.access.workspaces import Workspaces

STATE_SECONDS = 600


def _now() -> datetime:
    return datetime.now(UTC)


class StoreInstallations(AsyncInstallationStore):
    def __init__(self, ws: Workspaces) -> None:
        self.ws = ws

    async def async_save(self, installation: Installation) -> None:
        await self.async_save_bot(installation.to_bot())
        await asyncio.to_thread(
            self.ws.store.save_workspace,
            installation.team_id or "",
            installer_id=installation.user_id,
            team_name=installation.team_name,  # the candidate's page names it without asking Slack
        )

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(
            self.ws.store.save_workspace,
            bot.team_id or "",
            enterprise_id=bot.enterprise_id,
            app_id=bot.app_id,
            bot_token_enc=self.ws.seal(bot.bot_token),
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=",".join(bot.bot_scopes or []),
            installed_at=_now().isoformat(timespec="seconds"),
        )

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        row = await asyncio.to_thread(self.ws.store.workspace, team_id or "")
        token = await self.ws.bot_token(team_id)
        if row is None or not token:
            return None
        return Bot(
            app_id=row["app_id"],
            enterprise_id=row["enterprise_id"],
            team_id=team_id,
            bot_token=token,
            bot_id=row["bot_id"],
            bot_user_id=row["bot_user_id"],
            bot_scopes=row["bot_scopes"] or "",
            installed_at=row["installed_at"],
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        bot = await self.async_find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if bot is None:
            return None
        return Installation(
            app_id=bot.app_id,
            enterprise_id=bot.enterprise_id,
            team_id=team_id,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
            user_id=user_id or "",
            installed_at=bot.installed_at,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self.ws.store.forget_bot, team_id or "")

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await asyncio.to_thread(self.ws.store.forget_bot, team_id or "")

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self.ws.store.forget_bot, team_id or "")


class StoreStates(AsyncOAuthStateStore):
    def __init__(self, ws: Workspaces) -> None:
        self.ws = ws

    async def async_issue(self, *args, **kwargs) -> str:
        state = secrets.token_urlsafe(24)
        until = (_now() + timedelta(seconds=STATE_SECONDS)).isoformat(timespec="seconds")
        await asyncio.to_thread(self.ws.store.issue_state, state, until)
        return state

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(
            self.ws.store.consume_state, state, _now().isoformat(timespec="seconds")
        )
