"""create_app: the web process's ASGI app (Starlette) with Bolt behind /slack/events and Tavus
callbacks. It acks, validates, claims and queues; the work after an ack runs in worker processes
(bot/worker.py), or in this process too when built with `worker=True` (tests, the playground).

This is the composition root, so it is the one module in bot/ that wires in handlers/.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.config import Settings
from bot.deps import Deps
from bot.slack.client import slack_client  # noqa: F401 (re-exported for bench/)
from bot.store import Store
from bot.tavus.client import TavusClient
from bot.web.health import LoopLag, healthz, loop_lag_endpoint
from bot.worker import build_deps, clients_open, freeze_start_up, start_background, stop

log = logging.getLogger(__name__)

BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "im:write",
    "users:read",
    "channels:read",
    "groups:read",
    "files:read",  # the transcript file (issue 15): files.info checks an upload whose answer was lost
    "files:write",
    "canvases:write",  # the report as a canvas, where the workspace chose it
)  # the same as manifest.yml


def create_app(
    settings: Settings,
    *,
    slack: AsyncWebClient | None = None,
    tavus: TavusClient | None = None,
    store: Store | None = None,
    reconcile: bool = True,
    listeners: Callable[[AsyncApp, Deps], None] | None = None,
    worker: bool = True,
) -> Starlette:
    """Build the web app; tests and the playground pass their own clients or URLs, and the
    benchmark its deliberately naive listeners. `worker`: run a worker's tasks in this process
    too (one command for the tests and the playground); `tavus-slack web` runs without."""
    from bot.web.callbacks import tavus_callback_endpoint
    from bot.web.candidate_data import data_endpoints
    from bot.web.documents import document_callback_endpoint
    from bot.web.invites import invite_endpoint
    from bot.web.slack_events import slack_events_endpoint
    from handlers import register_listeners

    deps, tavus_http = build_deps(settings, slack=slack, tavus=tavus, store=store)
    bolt = AsyncApp(
        client=deps.slack,
        signing_secret=settings.SLACK_SIGNING_SECRET.get_secret_value(),
        name="tavus-slack",
        oauth_settings=oauth_settings(settings, deps),
    )
    bolt.error(on_listener_error)
    (listeners or register_listeners)(bolt, deps)
    bolt_handler = AsyncSlackRequestHandler(bolt)
    lag = LoopLag()

    async def slack_oauth(request: Request) -> Response:
        return await bolt_handler.handle(request)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        async with clients_open(deps, tavus_http):
            freeze_start_up()
            tasks = [asyncio.create_task(lag.run())]  # how late the loop runs: what acks wait
            if worker:
                tasks += start_background(deps, reconcile=reconcile)
            if settings.SLACK_APP_TOKEN:
                tasks.append(asyncio.create_task(_socket_mode(bolt, settings)))
            yield
            await stop(tasks)

    invite_page, invite_start = invite_endpoint(deps)
    data_page, data_download, data_delete = data_endpoints(deps)
    app = Starlette(
        routes=[
            Route("/i/{token}", invite_page, methods=["GET"]),
            Route("/i/{token}", invite_start, methods=["POST"]),
            Route("/i/{token}/data", data_page, methods=["GET"]),
            Route("/i/{token}/data.{kind}", data_download, methods=["GET"]),
            Route("/i/{token}/delete", data_delete, methods=["POST"]),
            Route("/slack/events", slack_events_endpoint(bolt_handler.handle), methods=["POST"]),
            Route("/slack/install", slack_oauth, methods=["GET"]),
            Route("/slack/oauth_redirect", slack_oauth, methods=["GET"]),
            Route("/tavus/callback/{token}", tavus_callback_endpoint(deps), methods=["POST"]),
            Route("/tavus/document/{token}", document_callback_endpoint(deps), methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/healthz/loop", loop_lag_endpoint(lag), methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.deps = deps
    app.state.bolt = bolt
    return app


def oauth_settings(settings: Settings, deps: Deps) -> AsyncOAuthSettings | None:
    """With SLACK_CLIENT_ID/SECRET: Bolt's install flow, its stores in our database."""
    if not settings.oauth:
        return None
    from handlers.oauth import StoreInstallations, StoreStates

    assert settings.SLACK_CLIENT_SECRET is not None
    return AsyncOAuthSettings(
        client_id=settings.SLACK_CLIENT_ID,
        client_secret=settings.SLACK_CLIENT_SECRET.get_secret_value(),
        scopes=list(BOT_SCOPES),
        install_path="/slack/install",
        redirect_uri_path="/slack/oauth_redirect",
        installation_store=StoreInstallations(deps.ws),
        installation_store_bot_only=True,
        state_store=StoreStates(deps.ws),
    )


async def on_listener_error(error: Exception, logger: logging.Logger) -> None:
    """Listeners run after ack, so nobody else would see this: log it loudly."""
    log.error("listener failed: %s", error, exc_info=error)


async def _socket_mode(bolt: AsyncApp, settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    assert settings.SLACK_APP_TOKEN is not None
    handler = AsyncSocketModeHandler(bolt, settings.SLACK_APP_TOKEN.get_secret_value())
    await handler.connect_async()
    try:
        await asyncio.Event().wait()
    finally:
        await handler.close_async()
