"""The store: SQLite and PostgreSQL backends, one list of migrations, a module per kind of record.
The only place with SQL; imports nothing of bot/ but bot.clock and bot.records (its rows as dataclasses,
re-exported here for its callers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from bot.clock import utcnow
from bot.records import ACTIVE, FINAL, ConversationRecord, DuplicateRequest, OpeningRecord, PersonaRecord
from bot.store.audit import AuditRecords
from bot.store.backends import Backend, WouldWait, open_backend
from bot.store.consent import ConsentRecords
from bot.store.conversations import ConversationRecords
from bot.store.erasure import ErasureRecords
from bot.store.erasures import ErasureRequestRecords
from bot.store.events import EventRecords
from bot.store.intents import IntentRecords
from bot.store.invites import InviteRecords
from bot.store.openings import OpeningRecords
from bot.store.outbox import Job, OutboxRecord, OutboxRecords
from bot.store.personas import PersonaRecords
from bot.store.reports import ReportRecords
from bot.store.steps import StepRecords
from bot.store.usage import UsageRecords
from bot.store.workspaces import WorkspaceRecords

__all__ = [
    "ACTIVE",
    "FINAL",
    "ConversationRecord",
    "DuplicateRequest",
    "Job",
    "OpeningRecord",
    "OutboxRecord",
    "PersonaRecord",
    "Store",
    "WouldWait",
    "utcnow",
]

T = TypeVar("T")


class Store(
    PersonaRecords,
    ConversationRecords,
    EventRecords,
    IntentRecords,
    AuditRecords,
    WorkspaceRecords,
    OutboxRecords,
    InviteRecords,
    ReportRecords,
    StepRecords,
    ErasureRecords,
    ErasureRequestRecords,
    UsageRecords,
    OpeningRecords,
    ConsentRecords,
):
    """Ownership of personas and conversations, over SQLite or PostgreSQL (bot/store/backends.py)."""

    def __init__(self, where: str | Backend) -> None:
        """`where`: a DATABASE_URL, a SQLite file path, or a backend."""
        if isinstance(where, str):
            where = open_backend(where if "://" in where else f"sqlite:///{where}")
        self.db = where
        self.db.migrate()

    def now(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` (a unit of store work) on this thread if the store can answer without
        waiting (SQLite, no lock held), else WouldWait with nothing written."""
        return self.db.now(fn, *args)

    @classmethod
    def from_url(cls, url: str) -> Store:
        return cls(open_backend(url))

    def close(self) -> None:
        self.db.close()
