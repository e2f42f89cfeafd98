"""TavusClient: a typed async client for the Tavus v2 API over one pooled httpx client."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import SecretStr

from bot.tavus import errors
from bot.tavus.app_messages import AppMessagesMixin
from bot.tavus.models import (
    Conversation,
    ConversationCreate,
    PatchOperation,
    Persona,
    PersonaCreate,
    Replica,
)
from bot.tavus.resources import ResourcesMixin
from bot.tavus.transport import DEFAULT_TIMEOUT, check_id, default_http_client, maybe_acted, transport_error

__all__ = ["DEFAULT_TIMEOUT", "RECENT_PAGES", "TavusClient", "default_http_client"]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://tavusapi.com"
MAX_RETRIES = 3
INITIAL_BACKOFF = 0.5  # seconds; doubled each attempt
MAX_BACKOFF = 8.0
MAX_RETRY_AFTER = 30.0  # never sleep longer than this on Tavus's word
ADOPT_CHECKS = 4  # looks for a create that timed out, ADOPT_WAIT apart, before giving up
ADOPT_WAIT = 1.0
PAGE_SIZE = 100
MAX_PAGES = 50  # a runaway total_count must not loop forever
RECENT_PAGES = 3  # where a conversation we just created must be, newest first


def key_fingerprint(key: str) -> str:
    """The account a key opens, without the key: stored with each object made with it (issue 23)."""
    return hashlib.sha256(key.encode()).hexdigest()[:24]


class TavusClient(ResourcesMixin, AppMessagesMixin):
    """Personas, replicas, conversations, objectives, guardrails, documents and app messages.
    Reads, end and delete retry; creates never bill twice; app messages are never re-sent blindly."""

    def __init__(
        self,
        api_key: SecretStr | str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        http_client: httpx.AsyncClient | None = None,
        max_retries: int = MAX_RETRIES,
        backoff: float = INITIAL_BACKOFF,
        sleep: Callable[[float], Any] = asyncio.sleep,
        workspace: str | None = None,
    ) -> None:
        self._key = api_key if isinstance(api_key, SecretStr) else SecretStr(api_key)
        # the key without the key, for caches; `workspace`: the key is that workspace's own
        self.fingerprint = key_fingerprint(self._key.get_secret_value())
        self.workspace = workspace
        self._base = base_url.rstrip("/") + "/v2"
        self._http = http_client or default_http_client()
        self._max_retries = max_retries
        self._backoff = backoff
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"TavusClient(base_url={self._base!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    # personas
    async def create_persona(self, persona: PersonaCreate) -> Persona:
        body = await self._send("POST", "/personas", json=persona.to_json(), retry=False)
        return Persona.model_validate(body)

    async def list_personas(self, persona_type: str | None = None) -> list[Persona]:
        rows = await self._all_pages("/personas", {"persona_type": persona_type})
        return [Persona.model_validate(r) for r in rows]

    async def get_persona(self, persona_id: str) -> Persona:
        """One persona; the May 2026 OpenAPI file wraps it as `{"data": [persona]}`, so we take both."""
        body = await self._send("GET", f"/personas/{check_id(persona_id)}")
        rows = body.get("data") if isinstance(body, dict) and "persona_id" not in body else None
        return Persona.model_validate(rows[0] if isinstance(rows, list) and rows else body)

    async def patch_persona(self, persona_id: str, ops: list[PatchOperation]) -> Persona | None:
        """Apply a JSON Patch; Tavus's answer body is not documented, so it may be None."""
        body = await self._send(
            "PATCH", f"/personas/{check_id(persona_id)}", json=[op.to_json() for op in ops], retry=True
        )
        return Persona.model_validate(body) if isinstance(body, dict) and body.get("persona_id") else None

    async def delete_persona(self, persona_id: str) -> None:
        await self._send("DELETE", f"/personas/{check_id(persona_id)}")

    # replicas
    async def list_replicas(self, replica_type: str | None = None) -> list[Replica]:
        rows = await self._all_pages("/replicas", {"replica_type": replica_type})
        return [Replica.model_validate(r) for r in rows]

    async def check_key(self) -> None:
        """The cheapest authenticated read (one replica): raises AuthenticationError for a bad key."""
        await self._send("GET", "/replicas", params={"limit": 1, "page": 1})

    # conversations
    async def create_conversation(self, request: ConversationCreate, *, marker: str) -> Conversation:
        """Create once. `marker` must appear in callback_url or conversation_name: after an
        ambiguous failure we look for it among active conversations and adopt what we find.
        A create is retried only when Tavus surely did not act on it, or answered 5xx and we
        checked that it did not. After a timeout or a broken connection Tavus may still be
        working on it, so we only wait and look; the reconciler adopts a late arrival."""
        if marker not in (request.callback_url or "") + (request.conversation_name or ""):
            raise ValueError("marker must appear in callback_url or conversation_name")
        for attempt in range(self._max_retries + 1):
            try:
                body = await self._send("POST", "/conversations", json=request.to_json(), retry=False)
                return Conversation.model_validate(body)
            except (errors.TavusConnectionError, errors.ServerError, errors.RateLimitError) as exc:
                if maybe_acted(exc):
                    checks = 1 if isinstance(exc, errors.ServerError) else ADOPT_CHECKS
                    found = await self._find_after_failure(marker, exc, checks)
                    if found is not None:
                        return found
                    if not isinstance(exc, errors.ServerError):
                        raise
                if attempt == self._max_retries:
                    raise
                await self._sleep(self._delay(attempt, getattr(exc, "retry_after", None)))
        raise AssertionError("unreachable")

    async def _find_after_failure(
        self, marker: str, failure: errors.TavusError, checks: int
    ) -> Conversation | None:
        """The conversation an ambiguous create made, or None when none showed up after `checks`
        looks; if we cannot look, re-raise the create's failure rather than risk a second bill."""
        for check in range(checks):
            if check:
                await self._sleep(ADOPT_WAIT)
            try:
                found = await self.find_by_marker(marker)
            except errors.TavusError as exc:
                log.warning("could not check whether a failed create went through: %s", exc)
                raise failure from exc
            if found is not None:
                log.warning("adopted conversation %s after an ambiguous create", found.conversation_id)
                return found
        return None

    async def list_conversations(
        self, status: str | None = None, *, max_pages: int = MAX_PAGES
    ) -> list[Conversation]:
        """Newest first; `max_pages` stops early when only recent ones matter."""
        rows = await self._all_pages("/conversations", {"status": status}, max_pages)
        return [Conversation.model_validate(r) for r in rows]

    async def get_conversation(self, conversation_id: str, *, verbose: bool = False) -> Conversation:
        params = {"verbose": "true"} if verbose else None
        body = await self._send("GET", f"/conversations/{check_id(conversation_id)}", params=params)
        return Conversation.model_validate(body)

    async def end_conversation(self, conversation_id: str) -> None:
        await self._send("POST", f"/conversations/{check_id(conversation_id)}/end", retry=True)

    async def delete_conversation(self, conversation_id: str) -> None:
        await self._send("DELETE", f"/conversations/{check_id(conversation_id)}")

    # plumbing
    async def find_by_marker(self, marker: str) -> Conversation | None:
        """The recent conversation whose callback_url or name carries `marker`, if any: active or
        already ended (a candidate may have come and gone before we knew it existed)."""
        for conv in await self.list_conversations(max_pages=RECENT_PAGES):
            if marker in (conv.callback_url or "") or marker in (conv.conversation_name or ""):
                return conv
        return None

    async def _all_pages(
        self, path: str, params: dict[str, Any], max_pages: int = MAX_PAGES, first_page: int = 1
    ) -> list[dict[str, Any]]:
        """Every row of a paged list; `first_page` is 0 where Tavus counts pages from 0 (documents)."""
        rows: list[dict[str, Any]] = []
        query = {k: v for k, v in params.items() if v is not None}
        for page in range(first_page, first_page + max_pages):
            body = await self._send("GET", path, params={**query, "limit": PAGE_SIZE, "page": page})
            data = body.get("data") or [] if isinstance(body, dict) else []
            rows.extend(data)
            total = body.get("total_count") if isinstance(body, dict) else None
            if len(data) < PAGE_SIZE or (isinstance(total, int) and len(rows) >= total):
                break
        return rows

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        retry: bool | None = None,
    ) -> Any:
        """One call; reads retry by default, writes only when asked."""
        retry = method in ("GET", "DELETE") if retry is None else retry
        attempts = self._max_retries + 1 if retry else 1
        for attempt in range(attempts):
            try:
                return await self._once(method, path, json=json, params=params)
            except (errors.RateLimitError, errors.ServerError, errors.TavusConnectionError) as exc:
                if attempt == attempts - 1:
                    raise
                delay = self._delay(attempt, getattr(exc, "retry_after", None))
                log.info("Tavus %s %s failed (%s); retrying in %.2fs", method, path, exc, delay)
                await self._sleep(delay)
        raise AssertionError("unreachable")

    async def _once(self, method: str, path: str, *, json: Any, params: dict[str, Any] | None) -> Any:
        headers = {"x-api-key": self._key.get_secret_value()}
        try:
            response = await self._http.request(
                method, self._base + path, json=json, params=params, headers=headers
            )
        except httpx.TransportError as exc:
            raise transport_error(exc) from exc
        if response.status_code >= 400:
            raise errors.status_error(response, self.workspace)
        if response.status_code in (204, 304) or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise errors.UnreadableAnswerError(
                "Tavus answered with a body that is not JSON", status=502
            ) from exc

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, MAX_RETRY_AFTER)
        capped = min(MAX_BACKOFF, self._backoff * 2**attempt)
        return capped * (0.5 + random.random() / 2)  # jitter spreads out a thundering herd
