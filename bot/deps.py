"""Deps: the one object that wires settings, store, clients and services together."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.services.access.channels import use_budget as use_channel_budget
from bot.services.access.key_job import KeyRunner
from bot.services.access.people import People
from bot.services.access.workspaces import Workspaces
from bot.services.calls.callbacks import CallbackService
from bot.services.calls.jobs import CallRunners
from bot.services.calls.note_job import NoteRunner
from bot.services.decisions.decision_jobs import DecisionRunner
from bot.services.decisions.home_tab import publish_home
from bot.services.decisions.openings import Openings
from bot.services.outbox.job_kinds import Runner
from bot.services.outbox.worker import Backoff, OutboxWorker
from bot.services.personas.documents import DocumentService
from bot.services.personas.persona_jobs import PersonaRunner
from bot.services.personas.personas import PersonaService
from bot.services.personas.test_job import PersonaTestRunner
from bot.services.results.report_jobs import ReportRunners
from bot.services.results.results import ResultsService
from bot.services.rights.forget_job import ForgetRunner
from bot.services.rights.retention import Retention
from bot.services.starting.claims import Claims
from bot.services.starting.end_job import EndRunner
from bot.services.starting.interviews import InterviewService
from bot.services.starting.invite_flow import InviteFlow
from bot.services.starting.invite_links import InviteLinks
from bot.services.starting.invites import InviteService
from bot.services.starting.start_job import StartRunner
from bot.services.starting.usage import Usage
from bot.services.steps.send_job import StepSendRunner
from bot.services.steps.steps import StepRunner
from bot.slack.budget import SLEEP_AT_MOST, SlackBudget
from bot.store import Store
from bot.store.aio import STORE_THREADS, AsyncStore
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


def runner_table(*runners: Any) -> dict[str, Runner]:
    """Each job kind to the one runner that runs it; a kind claimed twice is a wiring mistake."""
    table: dict[str, Runner] = {}
    for runner in runners:
        for kind in runner.KINDS:
            if kind in table:
                raise ValueError(f"two runners for outbox jobs of kind {kind!r}")
            table[kind] = runner
    return table


@dataclass
class Services:
    """The services and clients, built once each with the collaborators they use. The outbox's
    runners for the listeners' work (issue 26) take this, so it exists before the outbox does."""

    settings: Settings
    store: Store  # synchronous: for tests and the CLI; services and listeners use `db`
    db: AsyncStore  # the store off the event loop
    acks: AsyncStore  # threads only for a listener's one store call before its ack (an intent claim)
    queue: OutboxWorker  # the outbox services queue through (its wake is the worker outbox's)
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
    openings: Openings  # issue 25
    budget: SlackBudget  # the Slack rate budget the outbox's runners share
    outbox_slack: AsyncWebClient  # the client they call Slack with (no 429 retries inside slack-sdk)
    claims: Claims  # the store trip before a start's ack: its intent claimed, its job queued

    async def publish_home(
        self, client: AsyncWebClient, team: str, user: str, notice: str | None = None
    ) -> None:
        """The person's Home tab, drawn afresh (bot/services/decisions/home_tab.py)."""
        await publish_home(self, client, team, user, notice)


@dataclass
class Deps(Services):
    """The services, and the outbox that runs every job kind (the worker's)."""

    outbox: OutboxWorker
    runners: dict[str, Runner]  # the outbox's table: a job's kind -> the runner that runs it

    @classmethod
    def build(
        cls,
        settings: Settings,
        store: Store,
        tavus: TavusClient | None,
        slack: AsyncWebClient,
        tavus_http: httpx.AsyncClient,
        store_threads: int | None = None,
    ) -> Deps:
        ws = Workspaces(settings, store, tavus, tavus_http)
        people = People(slack, settings.admins, ws)
        db = AsyncStore(store, threads=store_threads or STORE_THREADS)
        backoff = Backoff(first=settings.OUTBOX_RETRY_SECONDS, give_up=settings.OUTBOX_GIVE_UP_SECONDS)
        budget = SlackBudget(
            scale=settings.SLACK_RATE_SCALE,
            sleep_at_most=min(SLEEP_AT_MOST, settings.OUTBOX_LEASE_SECONDS * 0.25),
        )
        use_channel_budget(slack.base_url, budget)  # channel checks draw on the same budget
        # background work (the outbox, the reconciler) has store threads of its own: however much
        # of it is queued, a listener's read before its ack does not wait behind it
        quiet = AsyncStore(store, threads=store_threads or BACKGROUND_THREADS)
        results = ResultsService(db, ws, slack)
        links = InviteLinks(settings, db, background=quiet)
        outbox_slack = unhurried(slack)
        slack_runners = (
            CallRunners(settings, quiet, ws, outbox_slack, budget, links),
            ReportRunners(settings, quiet, ws, outbox_slack, budget, results),
            StepRunner(settings, quiet, ws, outbox_slack, budget, links),
        )
        wake = asyncio.Event()  # one for the two outboxes below: a kick through either wakes the drain
        options = {"backoff": backoff, "lease": settings.OUTBOX_LEASE_SECONDS, "wake": wake}
        # services queue jobs, and run a new card's post at once, through an outbox over the Slack
        # runners; the worker's outbox drains every kind, the starts and tests listeners queue
        # included (issue 26), whose runners use those services: so each table is whole when built
        queue = OutboxWorker(quiet, runner_table(*slack_runners), **options)
        invites = InviteService(settings, db, ws, slack, queue, links)
        usage = Usage(settings, db, queue)  # issue 25: the monthly cap
        interviews = InterviewService(settings, db, ws, people, queue, slack, invites, usage)
        documents = DocumentService(settings, quiet, ws)  # background store threads
        personas = PersonaService(db, ws, people, documents)
        acks = AsyncStore(store, threads=ACK_THREADS)
        services = Services(
            settings=settings,
            store=store,
            db=db,
            acks=acks,
            queue=queue,
            tavus=tavus,
            slack=slack,
            ws=ws,
            people=people,
            personas=personas,
            interviews=interviews,
            callbacks=CallbackService(db, queue),
            invites=invites,
            invite_flow=InviteFlow(invites, interviews),
            results=results,
            documents=documents,
            openings=Openings(db, ws, people, slack),
            budget=budget,
            outbox_slack=outbox_slack,
            claims=Claims(store, acks),
        )
        runners = runner_table(
            *slack_runners,
            StartRunner(settings, quiet, ws, interviews, outbox_slack),
            PersonaTestRunner(quiet, personas, documents, outbox_slack, settings.PUBLIC_URL),
            # the listeners' work after their ack: these reach several services (and the Home tab)
            EndRunner(services), PersonaRunner(services), NoteRunner(services), ForgetRunner(services),
            KeyRunner(services), StepSendRunner(services), DecisionRunner(services),
        )  # fmt: skip
        outbox = OutboxWorker(quiet, runners, poll=settings.OUTBOX_POLL_SECONDS, **options)
        return cls(**vars(services), outbox=outbox, runners=runners)

    def retention(self) -> Retention:
        """Invite expiry, the month's warnings, nudges, the purge and erasures' retries: the
        reconciler's hourly work (bot/services/rights/retention.py), over these collaborators."""
        return Retention(self)
