"""The worker process: everything after an ack. It drains the outbox (card posts and redraws,
replies, DMs, and the starts and persona tests listeners queue), runs the reconciler (with
retention in its rounds), the documents poll, and learns workspace names for the candidate's page.

`tavus-slack worker` runs one; `tavus-slack serve` starts --workers N of them beside the web process
(bot/supervise.py). `create_app(..., worker=True)` runs the same tasks inside the app's own process,
for the tests and the playground (one command each)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import httpx
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.deps import Deps
from bot.logs import keep_secret, settings_secrets
from bot.services.calls.reconciler import Reconciler
from bot.slack.client import slack_client
from bot.store import Store
from bot.store.wake import wake_on_commits
from bot.tavus.client import TavusClient, default_http_client

log = logging.getLogger(__name__)
_frozen = False
# a worker beside the web process on one machine takes the CPU after it: an ack waits on the CPU
# while a burst's starts run, a job is only a little later (the bench/README's "Two processes")
NICE = 5
# a worker on PostgreSQL queries through few threads: with many, as many busy database backends take
# the CPU the web process's acks wait on when the database shares its machine (bench/README.md:
# ack p99 3.5x the empty app with 14 threads, 1.4x with 4, alternating runs)
PG_STORE_THREADS = 2
# store calls a worker makes on its loop's thread when SQLite answers at once (bot/store/aio.py):
# the start path's and the outbox's reads, and writes of one transaction each, nothing else
AT_ONCE = (
    *("conversation_by_token", "invite", "persona", "interview_settings", "job", "first_look"),
    *("begin_invite", "room_created", "set_message", "dm_sent", "conversation_failed"),
    *("add_jobs", "claim_jobs", "jobs_done", "job_failed", "job_defer"),
)


def freeze_start_up() -> None:
    """What the imports and the build made lives as long as the process: out of the collector's
    sight, its full passes (100+ ms with the GIL held, every ack waiting) become short. Once per
    process: a test process builds many apps, and each freeze keeps what was alive then."""
    global _frozen
    if not _frozen:
        gc.collect()
        gc.freeze()
        _frozen = True


def build_deps(
    settings: Settings,
    *,
    slack: AsyncWebClient | None = None,
    tavus: TavusClient | None = None,
    store: Store | None = None,
    store_threads: int | None = None,
) -> tuple[Deps, httpx.AsyncClient]:
    """The store, the clients and the services, as the web and the worker processes both use them;
    `store_threads`: the size of each of the services' store pools, if not the defaults."""
    keep_secret(*settings_secrets(settings))  # also when built without the CLI (tests, playground)
    store = store or Store.from_url(settings.DATABASE_URL)
    tavus_http = default_http_client(settings.TAVUS_TIMEOUT_SECONDS)
    if tavus is None and settings.TAVUS_API_KEY:
        tavus = TavusClient(settings.TAVUS_API_KEY, base_url=settings.TAVUS_API_URL, http_client=tavus_http)
    slack = slack or slack_client(settings)
    return Deps.build(settings, store, tavus, slack, tavus_http, store_threads=store_threads), tavus_http


@contextlib.asynccontextmanager
async def clients_open(deps: Deps, tavus_http: httpx.AsyncClient) -> AsyncIterator[None]:
    """One pooled HTTP session for every Slack call, instead of one per call; all closed at the end."""
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=deps.settings.SLACK_TIMEOUT_SECONDS))
    deps.slack.session = deps.outbox_slack.session = session
    try:
        yield
    finally:
        await session.close()
        await tavus_http.aclose()
        deps.db.close()
        deps.acks.close()
        deps.outbox.db.close()
        deps.store.close()  # also lets another instance lead


def start_background(deps: Deps, *, reconcile: bool = True) -> list[asyncio.Task]:
    """The worker's tasks, on the running loop."""
    settings = deps.settings
    reconciler = Reconciler.of(
        deps, interval=settings.RECONCILE_SECONDS, grace=timedelta(seconds=settings.RECOVERY_GRACE_SECONDS)
    )
    work = [
        start_up(reconciler),
        deps.outbox.run_forever(),
        wake_on_commits(settings.DATABASE_URL, deps.outbox.kick),  # jobs other processes queue
        deps.ws.learn_names(deps.slack),  # for the candidate's page
    ]
    if reconcile:
        work += [reconciler.run_forever(), deps.documents.run_forever(settings.RECONCILE_SECONDS)]
    return [asyncio.create_task(coro) for coro in work]


async def stop(tasks: list[asyncio.Task]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def start_up(reconciler: Reconciler) -> None:
    """Recover at once what a crash left, if this instance leads (it does when it is alone)."""
    try:
        await reconciler.recover_if_leader()
    except Exception:
        log.exception("start-up recovery failed; the reconciler will keep trying")


async def run(settings: Settings) -> None:
    """One worker process, until SIGTERM or SIGINT; a job it was running is left to its lease."""
    on_postgres = not settings.DATABASE_URL.startswith("sqlite")
    deps, tavus_http = build_deps(settings, store_threads=PG_STORE_THREADS if on_postgres else None)
    deps.store.db.in_background()  # the web process's acks wait on their writes; its jobs do not
    for db in (deps.db, deps.outbox.db):  # no acks here: a hop to a store thread costs more
        db.run_at_once(AT_ONCE)
    os.nice(NICE)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    async with clients_open(deps, tavus_http):
        freeze_start_up()
        tasks = start_background(deps)
        log.info("worker started")
        await stopping.wait()
        await stop(tasks)
    log.info("worker stopped")


def main(settings: Settings) -> int:
    asyncio.run(run(settings))
    return 0
