"""Deps: the one object that wires settings, store, clients and services together."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.callbacks import CallbackService
from bot.config import Settings
from bot.interviews import InterviewService
from bot.people import People
from bot.personas import PersonaService
from bot.store import Store
from bot.tavus import TavusClient


@dataclass
class Deps:
    settings: Settings
    store: Store
    tavus: TavusClient
    slack: AsyncWebClient
    people: People
    personas: PersonaService
    interviews: InterviewService
    callbacks: CallbackService

    @classmethod
    def build(cls, settings: Settings, store: Store, tavus: TavusClient, slack: AsyncWebClient) -> Deps:
        people = People(slack, settings.admins)
        interviews = InterviewService(settings, store, tavus, slack, people)
        return cls(
            settings,
            store,
            tavus,
            slack,
            people,
            PersonaService(store, tavus, people),
            interviews,
            CallbackService(store, slack, interviews),
        )
