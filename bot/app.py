"""create_app: the ASGI app (Starlette) with Bolt behind /slack/events and Tavus callbacks.

This is the composition root, so it is the one module in bot/ that wires in handlers/.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable
from datetime import timedelta

import aiohttp
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot import lanes
from bot.config import Settings
from bot.deps import Deps
from bot.logs import keep_secret, settings_secrets
from bot.services.calls.reconciler import Reconciler
from bot.store import Store
from bot.tavus.client import TavusClient, default_http_client
from bot.web.health import LoopLag, healthz, loop_lag_endpoint

log = logging.getLogger(__name__)

SLACK_RETRIES = 2  # 429s (after Retry-After) and connection errors
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


_frozen = False


def freeze_start_up() -> None:
    """What the imports and the build made lives as long as the process: out of the collector's
    sight, its full passes (100+ ms with the GIL held, every ack waiting) become short. Once per
    process: a test process builds many apps, and each freeze keeps what was alive then."""
    global _frozen
    if not _frozen:
        gc.collect()
        gc.freeze()
        _frozen = True


def slack_client(settings: Settings) -> AsyncWebClient:
    """The Web API client, pointed at SLACK_API_URL, retrying 429s the way Slack asks."""
    return AsyncWebClient(
        # one workspace: its token; many (OAuth): each call names its workspace's token
        token=settings.SLACK_BOT_TOKEN.get_secret_value() if settings.SLACK_BOT_TOKEN else None,
        base_url=settings.slack_api_url,
        timeout=int(settings.SLACK_TIMEOUT_SECONDS),
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=SLACK_RETRIES),
            AsyncRateLimitErrorRetryHandler(max_retry_count=SLACK_RETRIES),
        ],
    )


def create_app(
    settings: Settings,
    *,
    slack: AsyncWebClient | None = None,
    tavus: TavusClient | None = None,
    store: Store | None = None,
    reconcile: bool = True,
    listeners: Callable[[AsyncApp, Deps], None] | None = None,
) -> Starlette:
    """Build the whole app; tests and the playground pass their own clients or URLs, and the
    benchmark its deliberately naive listeners."""
    from bot.web.callbacks import tavus_callback_endpoint
    from bot.web.candidate_data import data_endpoints
    from bot.web.documents import document_callback_endpoint
    from bot.web.invites import invite_endpoint
    from bot.web.slack_events import slack_events_endpoint
    from handlers import register_listeners

    keep_secret(*settings_secrets(settings))  # also when built without serve() (tests, playground)
    store = store or Store.from_url(settings.DATABASE_URL)
    tavus_http = default_http_client(settings.TAVUS_TIMEOUT_SECONDS)
    if tavus is None and settings.TAVUS_API_KEY:
        tavus = TavusClient(settings.TAVUS_API_KEY, base_url=settings.TAVUS_API_URL, http_client=tavus_http)
    slack = slack or slack_client(settings)
    deps = Deps.build(settings, store, tavus, slack, tavus_http)
    bolt = AsyncApp(
        client=slack,
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
        # one pooled HTTP session for every Slack call, instead of one per call
        slack.session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=settings.SLACK_TIMEOUT_SECONDS)
        )
        deps.outbox_slack.session = slack.session
        reconciler = Reconciler.of(
            deps,
            interval=settings.RECONCILE_SECONDS,
            grace=timedelta(seconds=settings.RECOVERY_GRACE_SECONDS),
        )
        lanes.install(asyncio.get_running_loop())  # acks first, the work below behind them
        freeze_start_up()
        tasks = [
            lanes.background_task(_start_up(reconciler)),
            lanes.background_task(deps.outbox.run_forever()),
            asyncio.create_task(lag.run()),  # in the acks' lane: it measures what they wait
            lanes.background_task(deps.ws.learn_names(slack)),  # for the candidate's page
        ]
        if reconcile:
            tasks.append(lanes.background_task(reconciler.run_forever()))
            tasks.append(lanes.background_task(deps.documents.run_forever(settings.RECONCILE_SECONDS)))
        if settings.SLACK_APP_TOKEN:
            tasks.append(asyncio.create_task(_socket_mode(bolt, settings)))
        yield
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await slack.session.close()
        await tavus_http.aclose()
        deps.db.close()
        deps.acks.close()
        deps.outbox.db.close()
        store.close()  # also lets another instance lead

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


async def _start_up(reconciler: Reconciler) -> None:
    """Recover at once what a crash left, if this instance leads (it does when it is alone)."""
    try:
        await reconciler.recover_if_leader()
    except Exception:
        log.exception("start-up recovery failed; the reconciler will keep trying")


async def _socket_mode(bolt: AsyncApp, settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    assert settings.SLACK_APP_TOKEN is not None
    handler = AsyncSocketModeHandler(bolt, settings.SLACK_APP_TOKEN.get_secret_value())
    await handler.connect_async()
    try:
        await asyncio.Event().wait()
    finally:
        await handler.close_async()
