"""Deps: the one object that wires settings, store, clients and services together."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.services.callbacks import CallbackService
from bot.services.interviews import InterviewService
from bot.services.invite_flow import InviteFlow
from bot.services.invites import InviteService
from bot.services.jobs import JobRunners
from bot.services.outbox import Backoff, OutboxWorker
from bot.services.people import People
from bot.services.personas import PersonaService
from bot.services.results import ResultsService
from bot.services.workspaces import Workspaces
from bot.store import Store
from bot.store.aio import AsyncStore
from bot.tavus.client import TavusClient


@dataclass
class Deps:
    settings: Settings
    store: Store  # synchronous: for tests and the CLI; services and listeners use `db`
    db: AsyncStore  # the store off the event loop
    outbox: OutboxWorker
    tavus: TavusClient | None  # the global TAVUS_API_KEY's client, if that is set
    slack: AsyncWebClient
    ws: Workspaces
    people: People
    personas: PersonaService
    interviews: InterviewService
    callbacks: CallbackService
    invites: InviteService  # issue 14: candidates, invite links, results, erasure
    invite_flow: InviteFlow
    results: ResultsService

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
        runners = JobRunners(settings, db, ws, slack)
        outbox = OutboxWorker(db, runners, backoff=backoff, lease=settings.OUTBOX_LEASE_SECONDS)
        interviews = InterviewService(settings, db, ws, people, outbox, slack)
        interviews.invites = runners.invites = invites = InviteService(interviews)
        interviews.results = runners.results = results = ResultsService(interviews)
        return cls(
            settings,
            store,
            db,
            outbox,
            tavus,
            slack,
            ws,
            people,
            PersonaService(db, ws, people),
            interviews,
            CallbackService(db, outbox),
            invites,
            InviteFlow(invites),
            results,
        )
