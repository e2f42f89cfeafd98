"""Issue 23: a workspace's own Tavus key tried before it is sealed: a sentence back, never a Tavus error."""

from __future__ import annotations

import httpx

from bot.slack.messages import tavus_failure
from bot.tavus import errors as te
from bot.tavus.client import TavusClient


async def key_problem(key: str, base_url: str, http: httpx.AsyncClient | None) -> str | None:
    """None when Tavus accepts `key` (it lists the account's replicas); else what to tell the admin."""
    trial = TavusClient(key, base_url=base_url, http_client=http)
    try:
        await trial.list_replicas()
    except te.TavusError as exc:
        if isinstance(exc, te.AuthenticationError):
            return "Tavus rejected this key."
        return tavus_failure(exc, "check the key")
    return None
