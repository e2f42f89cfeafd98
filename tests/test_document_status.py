"""Job-description status: a late answer never undoes a final one; an unreadable document
never blocks the poll of others."""

import asyncio
from types import SimpleNamespace

from bot.records import PersonaRecord
from bot.services.personas.documents import DocumentService
from bot.store import Store, utcnow
from bot.store.aio import AsyncStore
from bot.tavus import errors as te
from bot.tavus.documents import Document


def persona(pid, team, doc):
    return PersonaRecord(
        persona_id=pid,
        team_id=team,
        owner_id="U1",
        name=pid,
        created_at=utcnow(),
        document_id=doc,
        document_status="processing",
    )


class FakeTavus:
    def __init__(self, team):
        self.fingerprint, self.team = "key-" + team, team
        self.reads = []

    async def get_document(self, doc_id):
        self.reads.append(doc_id)
        if self.team == "TBAD":
            raise te.AuthenticationError("invalid key", status=401)
        return Document(document_id=doc_id, status="ready")


def test_out_of_order_callback_overwrites_ready(tmp_path):
    store = Store(str(tmp_path / "s.db"))
    store.add_persona(persona("p1", "T1", "d1"))
    svc = DocumentService(SimpleNamespace(PUBLIC_URL=None), AsyncStore(store), None)
    stale = store.persona("T1", "p1")  # both callbacks read the persona before either wrote

    async def both():
        await svc.apply(stale, Document(document_id="d1", status="ready"))
        await svc.apply(stale, Document(document_id="d1", status="processing"))  # late, out of order

    asyncio.run(both())
    assert store.persona("T1", "p1").document_status == "ready"


def test_poll_is_not_blocked_by_unreadable_documents(tmp_path):
    store = Store(str(tmp_path / "s.db"))
    for i in range(20):
        store.add_persona(persona(f"pbad{i:02}", "TBAD", f"dbad{i}"))
    store.add_persona(persona("pgood", "TGOOD", "dgood"))
    clients = {"TBAD": FakeTavus("TBAD"), "TGOOD": FakeTavus("TGOOD")}
    ws = SimpleNamespace(tavus=lambda team: clients[team], tavus_for=lambda made: clients[made.team_id])
    svc = DocumentService(SimpleNamespace(PUBLIC_URL=None), AsyncStore(store), ws)
    for _ in range(5):  # five rounds (minutes apart in production)
        svc.budget = type(svc.budget)(20)
        asyncio.run(svc.poll())
    assert clients["TGOOD"].reads, "the good workspace's document was never read"
