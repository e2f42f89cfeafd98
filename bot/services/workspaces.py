"""Per-workspace credentials: each team's Slack bot token (OAuth installs) and Tavus client
(its own key when an admin set one, else the global TAVUS_API_KEY). Secrets are stored encrypted."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import UTC, datetime

import httpx
from cryptography.fernet import Fernet, InvalidToken

from bot.config import Settings
from bot.logs import keep_secret
from bot.store import Store
from bot.tavus import errors as te
from bot.tavus.client import TavusClient

log = logging.getLogger(__name__)

NAME_RETRY_SECONDS = 60.0


class Workspaces:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        default_tavus: TavusClient | None,
        tavus_http: httpx.AsyncClient,
    ) -> None:
        self.settings, self.store = settings, store
        self.default_tavus, self.tavus_http = default_tavus, tavus_http
        key = settings.TAVUS_SLACK_ENCRYPTION_KEY
        self.fernet = Fernet(key.get_secret_value().encode()) if key else None
        self._clients: dict[str, TavusClient] = {}

    # secrets at rest
    def seal(self, secret: str) -> str:
        if self.fernet is None:
            raise RuntimeError("TAVUS_SLACK_ENCRYPTION_KEY is not set")
        return self.fernet.encrypt(secret.encode()).decode()

    def _open(self, sealed: str | None) -> str | None:
        if not sealed or self.fernet is None:
            return None
        try:
            secret = self.fernet.decrypt(sealed.encode()).decode()
            keep_secret(secret)
            return secret
        except InvalidToken:
            log.error("a stored secret cannot be decrypted: was TAVUS_SLACK_ENCRYPTION_KEY changed?")
            return None

    # Slack
    def slack_token(self, team_id: str | None) -> str | None:
        """The bot token for `team_id`: the single one, or the workspace's installation."""
        if not self.settings.oauth:
            return self.settings.SLACK_BOT_TOKEN.get_secret_value() if self.settings.SLACK_BOT_TOKEN else None
        row = self.store.workspace(team_id or "")
        return self._open(row["bot_token_enc"]) if row else None

    async def bot_token(self, team_id: str | None) -> str | None:
        """slack_token without blocking the event loop on the database (OAuth installs)."""
        if not self.settings.oauth:
            return self.slack_token(team_id)
        return await asyncio.to_thread(self.slack_token, team_id)

    # the workspace's name, for the candidate's page: read from the store, never asked of Slack there
    def team_name(self, team_id: str) -> str | None:
        row = self.store.workspace(team_id)
        return (row or {}).get("team_name") or None

    async def learn_names(self, slack, every: float = NAME_RETRY_SECONDS) -> None:
        """In the background: each workspace's name (auth.test) not yet stored, stored; tried again
        every `every` seconds until Slack has answered for all of them."""
        while not await self._learn_names(slack):
            await asyncio.sleep(every)

    async def _learn_names(self, slack) -> bool:
        if self.settings.oauth:
            rows = await asyncio.to_thread(self.store.installed_bots)
            tokens = [self._open(r["bot_token_enc"]) for r in rows if not r.get("team_name")]
        else:
            tokens = [self.slack_token(None)]
        learnt = True
        for token in filter(None, tokens):
            try:
                answer = await slack.auth_test(token=token)
            except Exception as exc:  # Slack down, reset, stalled: the page says "the hiring team"
                log.info(
                    "could not learn a workspace's name yet (%s); trying again later", type(exc).__name__
                )
                learnt = False
                continue
            if answer.get("team_id") and answer.get("team"):
                await asyncio.to_thread(
                    self.store.save_workspace, str(answer["team_id"]), team_name=str(answer["team"])
                )
        return learnt

    # Tavus
    def has_own_tavus_key(self, team_id: str) -> bool:
        row = self.store.workspace(team_id)
        return bool(row and row.get("tavus_key_enc"))

    def set_tavus_key(self, team_id: str, key: str, by: str) -> None:
        keep_secret(key)
        self.store.save_workspace(
            team_id,
            tavus_key_enc=self.seal(key),
            tavus_key_set_by=by,
            tavus_key_set_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )

    def tavus(self, team_id: str | None) -> TavusClient:
        """The client to use for this workspace's personas and conversations. A workspace that set
        its own key uses it or nothing: never the operator's key (another account, another bill)."""
        row = self.store.workspace(team_id or "") if self.fernet else None
        sealed = row.get("tavus_key_enc") if row else None
        if sealed:
            key = self._open(sealed)
            if not key:
                log.error("workspace %s's own Tavus key cannot be decrypted; it must be set again", team_id)
                raise te.WorkspaceKeyError("the stored key cannot be decrypted", status=401)
            keep_secret(key)
            digest = hashlib.sha256(f"{team_id}:{key}".encode()).hexdigest()
            if digest not in self._clients:  # one client per workspace key, all on one connection pool
                self._clients[digest] = TavusClient(
                    key, base_url=self.settings.TAVUS_API_URL, http_client=self.tavus_http, workspace=team_id
                )
            return self._clients[digest]
        if self.default_tavus is None:
            raise te.MissingKeyError("this workspace has no Tavus API key yet")
        return self.default_tavus
