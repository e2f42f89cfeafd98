"""Where a job started by a listener answers the person who asked, as the listener would have:
through the request's response_url (commands, buttons in messages), in the modal still open
(views.update, the same view id), on the Home tab, republished with a notice (it has no
response_url), or in the person's DM with the app. A job's data carries `where`, made by one of
the constructors below."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.services.outbox.replies import answer_url, update_view, workspace_client
from bot.store import Job

if TYPE_CHECKING:
    from bot.deps import Services


def by_url(url: str, *, replace: bool) -> dict[str, Any]:
    return {"url": url, "replace": replace}


def in_view(view_id: str) -> dict[str, Any]:
    return {"view": view_id}


def on_home(user: str) -> dict[str, Any]:
    return {"home": user}


def by_dm(user: str) -> dict[str, Any]:
    return {"dm": user}


def where_clicked(body: dict) -> dict[str, Any]:
    """A click's answer: its message's response_url, else the Home tab of the person who clicked."""
    if url := body.get("response_url"):
        return by_url(url, replace=False)
    return on_home(str((body.get("user") or {}).get("id") or ""))


class ListenerRunner:
    """A runner of listeners' jobs: they reach several services and the Home tab, so it takes the
    services bot/deps.py builds before the worker's outbox (each subclass names its KINDS)."""

    KINDS: tuple[str, ...] = ()

    def __init__(self, deps: Services) -> None:
        self.deps = deps


def listener_job(
    kind: str, team: str | None, data: dict[str, Any], token: str | None = None, key: str | None = None
) -> Job:
    """A listener's work after its ack; each job has a key of its own (a double click is two),
    or `key`: a modal's submission, queued once however often it is submitted."""
    return Job(kind, f"{kind}:{key or secrets.token_urlsafe(16)}", token, team, data)


async def client_for(deps: Services, team: str | None) -> AsyncWebClient:
    """The workspace's bot client, on the outbox's session (no 429 retries inside slack-sdk)."""
    token = await deps.db.run(deps.ws.slack_token, team) or deps.slack.token
    return workspace_client(deps.outbox_slack, token)


async def tell(
    deps: Services, team: str | None, where: dict[str, Any], text: str, blocks: list | None = None, view=None
) -> None:
    """`text` (and `blocks`) where the request came from; `view` is what a modal shows instead."""
    if url := where.get("url"):
        await answer_url(deps.outbox_slack, url, text, blocks, replace=bool(where.get("replace")))
    elif view_id := where.get("view"):
        await update_view(await client_for(deps, team), view_id, view)
    elif user := where.get("home"):
        await deps.publish_home(await client_for(deps, team), team or "", user, notice=text)
    elif user := where.get("dm"):  # the app's DM with this person only
        await (await client_for(deps, team)).chat_postMessage(channel=user, text=text, blocks=blocks)
