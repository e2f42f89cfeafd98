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
from bot.records import ConversationRecord, PersonaRecord
from bot.store import Store
from bot.tavus import errors as te
from bot.tavus.client import TavusClient, key_fingerprint

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

    def set_tavus_key(self, team_id: str, key: str, by: str) -> str | None:
        """Make `key` the workspace's; returns the previous key's account when it was another one.
        What that key made stays with it (Tavus knows it in that account only): the old rows say so,
        and a replaced key of the workspace's own stays sealed while such objects live."""
        keep_secret(key)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            previous: TavusClient | None = self.tavus(team_id)
        except te.TavusError:
            previous = None  # no key, or one that cannot be read: nothing we made can be reached with it
        row = self.store.workspace(team_id) or {}
        moved = previous is not None and previous.fingerprint != key_fingerprint(key)
        if moved:
            self.store.claim_tavus_account(team_id, previous.fingerprint)
            if row.get("tavus_key_enc"):  # the operator's key needs no copy: it stays in the settings
                self.store.retain_tavus_key(team_id, previous.fingerprint, row["tavus_key_enc"], now)
        self.store.save_workspace(
            team_id, tavus_key_enc=self.seal(key), tavus_key_set_by=by, tavus_key_set_at=now
        )
        self.store.prune_tavus_keys(team_id)
        return previous.fingerprint if moved and previous else None

    def tavus_to_create(self, intent: ConversationRecord) -> TavusClient:
        """The workspace's current client, for a new (billed) call: never another account's key. A
        persona made with another key is refused: Tavus has it in that account only."""
        current = self.tavus(intent.team_id)
        if intent.tavus_account and intent.tavus_account != current.fingerprint:
            raise te.OtherAccountError("the persona was made with another Tavus key")
        return current

    def tavus_for(self, made: PersonaRecord | ConversationRecord) -> TavusClient:
        """The client of the account that made `made`: another account's key would not find it (a
        404 there means nothing). Rows from before accounts were recorded use the key of the day."""
        if not made.tavus_account:
            return self.tavus(made.team_id)
        problem: te.TavusError | None = None
        try:
            current = self.tavus(made.team_id)
            if current.fingerprint == made.tavus_account:
                return current
        except te.TavusError as exc:
            problem = exc
        if self.default_tavus is not None and self.default_tavus.fingerprint == made.tavus_account:
            return self.default_tavus  # made before the workspace set a key of its own
        sealed = self.store.retained_tavus_key(made.team_id, made.tavus_account)
        if sealed and (key := self._open(sealed)):
            return self._client(made.team_id, key)
        log.warning("workspace %s: the Tavus key an object was made with is no longer set", made.team_id)
        raise problem or te.AccountKeyGoneError("the Tavus key this was made with is no longer set")

    def keys_stored(self) -> bool:
        """Whether workspaces' own Tavus keys may be in the store: else `tavus` reads nothing there."""
        return self.fernet is not None

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
            return self._client(team_id or "", key)
        if self.default_tavus is None:
            raise te.MissingKeyError("this workspace has no Tavus API key yet")
        return self.default_tavus

    def _client(self, team_id: str, key: str) -> TavusClient:
        keep_secret(key)
        digest = hashlib.sha256(f"{team_id}:{key}".encode()).hexdigest()
        if digest not in self._clients:  # one client per workspace key, all on one connection pool
            self._clients[digest] = TavusClient(
                key, base_url=self.settings.TAVUS_API_URL, http_client=self.tavus_http, workspace=team_id
            )
        return self._clients[digest]
