"""The store: SQLite and PostgreSQL backends, one list of migrations, a module per kind of record.
The only place with SQL; imports nothing of bot/ but bot.clock."""

from __future__ import annotations

from bot.clock import utcnow
from bot.store.audit import AuditRecords
from bot.store.backends import Backend, open_backend
from bot.store.conversations import ConversationRecords
from bot.store.events import EventRecords
from bot.store.invites import InviteRecords
from bot.store.outbox import Job, OutboxRecord, OutboxRecords
from bot.store.personas import PersonaRecords
from bot.store.records import ACTIVE, FINAL, ConversationRecord, DuplicateRequest, PersonaRecord
from bot.store.reports import ReportRecords
from bot.store.workspaces import WorkspaceRecords

__all__ = [
    "ACTIVE",
    "FINAL",
    "ConversationRecord",
    "DuplicateRequest",
    "Job",
    "OutboxRecord",
    "PersonaRecord",
    "Store",
    "utcnow",
]


class Store(
    PersonaRecords,
    ConversationRecords,
    EventRecords,
    AuditRecords,
    WorkspaceRecords,
    OutboxRecords,
    InviteRecords,
    ReportRecords,
):
    """Ownership of personas and conversations, over SQLite or PostgreSQL (bot/store/backends.py)."""

    def __init__(self, where: str | Backend) -> None:
        """`where`: a DATABASE_URL, a SQLite file path, or a backend."""
        if isinstance(where, str):
            where = open_backend(where if "://" in where else f"sqlite:///{where}")
        self.db = where
        self.db.migrate()

    @classmethod
    def from_url(cls, url: str) -> Store:
        return cls(open_backend(url))

    def close(self) -> None:
        self.db.close()
