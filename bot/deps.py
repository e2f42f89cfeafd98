"""Deps: the one object that wires settings, store, clients and services together."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.services.access.channels import use_budget as use_channel_budget
from bot.services.access.people import People
from bot.services.access.workspaces import Workspaces
from bot.services.calls.callbacks import CallbackService
from bot.services.calls.jobs import JobRunners
from bot.services.decisions.openings import Openings
from bot.services.outbox.worker import Backoff, OutboxWorker
from bot.services.personas.documents import DocumentService
from bot.services.personas.personas import PersonaService
from bot.services.results.results import ResultsService
from bot.services.starting.claims import Claims
from bot.services.starting.interviews import InterviewService
from bot.services.starting.invite_flow import InviteFlow
from bot.services.starting.invites import InviteService
from bot.services.starting.usage import Usage
from bot.slack.budget import SLEEP_AT_MOST, SlackBudget
from bot.store import Store
from bot.store.aio import AsyncStore
from bot.tavus.client import TavusClient

BACKGROUND_THREADS = 4  # with STORE_THREADS and ACK_THREADS, within PostgresBackend.MAX_CONNECTIONS
ACK_THREADS = 2


def unhurried(slack: AsyncWebClient) -> AsyncWebClient:
    """The client the outbox calls Slack with: no retries of a 429 inside slack-sdk (they would
    sleep out Retry-After holding a worker slot and the job's lease, blind to the budget); the
    budget hears the 429 and the job is deferred by Retry-After. Its session is the app's."""
    copy = AsyncWebClient(
        token=slack.token,
        base_url=slack.base_url,
        timeout=slack.timeout,
        session=slack.session,
        retry_handlers=[
            h for h in slack.retry_handlers if not isinstance(h, AsyncRateLimitErrorRetryHandler)
        ],
    )
    return copy


@dataclass
class Deps:
    settings: Settings
    store: Store  # synchronous: for tests and the CLI; services and listeners use `db`
    db: AsyncStore  # the store off the event loop
    acks: AsyncStore  # threads only for a listener's one store call before its ack (an intent claim)
    outbox: OutboxWorker
    tavus: TavusClient | None  # the global TAVUS_API_KEY's client, if that is set
    slack: AsyncWebClient
    ws: Workspaces
    people: People
    personas: PersonaService
    interviews: InterviewService
    callbacks: CallbackService
    invites: InviteService  # candidates, invite links, results, erasure
    invite_flow: InviteFlow
    results: ResultsService
    documents: DocumentService  # issue 15: job descriptions' processing status
    claims: Claims  # the store trip before a start's ack: its intent claimed, its job queued
    openings: Openings = field(default=None)  # type: ignore[assignment]  # issue 25; set by build

    @classmethod
    def build(
        cls,
        settings: Settings,
        store: Store,
        tavus: TavusClient | None,
        slack: AsyncWebClient,
        tavus_http: httpx.AsyncClient,
    ) -> Deps:
        ws = Workspaces(settings, store, tavus, tavus_http)
        people = People(slack, settings.admins, ws)
        db = AsyncStore(store)
        backoff = Backoff(first=settings.OUTBOX_RETRY_SECONDS, give_up=settings.OUTBOX_GIVE_UP_SECONDS)
        budget = SlackBudget(
            scale=settings.SLACK_RATE_SCALE,
            sleep_at_most=min(SLEEP_AT_MOST, settings.OUTBOX_LEASE_SECONDS * 0.25),
        )
        use_channel_budget(slack.base_url, budget)  # channel checks draw on the same budget
        # background work (the outbox, the reconciler) has store threads of its own: however much
        # of it is queued, a listener's read before its ack does not wait behind it
        quiet = AsyncStore(store, threads=BACKGROUND_THREADS)
        runners = JobRunners(settings, quiet, ws, unhurried(slack), budget)
        outbox = OutboxWorker(
            quiet,
            runners,
            backoff=backoff,
            lease=settings.OUTBOX_LEASE_SECONDS,
            poll=settings.OUTBOX_POLL_SECONDS,
        )
        interviews = InterviewService(settings, db, ws, people, outbox, slack)
        interviews.invites = runners.invites = invites = InviteService(interviews, background=quiet)
        interviews.results = runners.results = results = ResultsService(interviews)
        interviews.usage = Usage(settings, db, outbox)  # issue 25: the monthly cap
        documents = DocumentService(settings, quiet, ws)  # background store threads
        acks = AsyncStore(store, threads=ACK_THREADS)
        built = cls(
            settings,
            store,
            db,
            acks,
            outbox,
            tavus,
            slack,
            ws,
            people,
            PersonaService(db, ws, people, documents),
            interviews,
            CallbackService(db, outbox),
            invites,
            InviteFlow(invites),
            results,
            documents,
            Claims(store, acks),
        )
        runners.kinds.update(work_after_acks(built))  # issue 26: what listeners queue for a worker
        built.openings = Openings(db, ws, people, slack)
        return built


def work_after_acks(deps: Deps) -> dict:
    """The runners of the jobs listeners queue instead of working after their ack (issue 26)."""
    from bot.services.personas.test_job import PERSONA_TEST, PersonaTestRunner
    from bot.services.starting.start_job import START, StartRunner

    quiet, slack = deps.outbox.db, deps.outbox.runners.slack  # background threads; no 429 retries inside
    return {
        START: StartRunner(deps.settings, quiet, deps.ws, deps.interviews, slack),
        PERSONA_TEST: PersonaTestRunner(
            quiet, deps.personas, deps.documents, slack, deps.settings.PUBLIC_URL
        ),
    }
