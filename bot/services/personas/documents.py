"""A persona's job description at Tavus: where its processing status is reported, and the cheap
poll for documents whose callback never came.

Tavus POSTs the document's status to the `callback_url` given when it was created. That URL
carries a token derived from the server secret and a random nonce; only the token's hash is kept
(`personas.document_hook`), as for conversation callbacks. A document still processing is also
read with `GET /v2/documents/{id}` now and then, within a small read budget per Tavus key.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from datetime import timedelta

from bot.clock import ago
from bot.config import Settings
from bot.logs import keep_secret
from bot.records import PersonaRecord
from bot.services.access.keys import derived_token
from bot.services.access.read_budget import ReadBudget
from bot.services.access.workspaces import Workspaces
from bot.store.aio import AsyncStore
from bot.store.migrations import token_hash
from bot.tavus import errors as te
from bot.tavus.documents import ERROR, READY, RECRAWLING, Document

log = logging.getLogger(__name__)

READS_PER_MINUTE_PER_KEY = 20  # document reads per Tavus key: a few, beside the reconciler's 120
CHECK_EVERY = timedelta(seconds=30)  # one document is read at most this often
PER_ROUND = 20  # documents looked at in one round, the longest unchecked first
FINAL = (READY, ERROR)


class DocumentService:
    def __init__(self, settings: Settings, db: AsyncStore, ws: Workspaces) -> None:
        self.settings, self.db, self.ws = settings, db, ws
        self.budget = ReadBudget(READS_PER_MINUTE_PER_KEY)

    def callback(self) -> tuple[str | None, str | None]:
        """(the callback URL for a new document, the hash to store), or (None, None) without PUBLIC_URL."""
        base = self.settings.PUBLIC_URL
        if not base:
            return None, None
        token = derived_token(self.settings, "document", secrets.token_urlsafe(18))
        keep_secret(token)  # never in a log line
        return f"{base.rstrip('/')}/tavus/document/{token}", token_hash(token)

    async def by_token(self, token: str) -> PersonaRecord | None:
        """The persona whose document callback carries this token."""
        return await self.db.persona_by_document_hook(token_hash(token))

    async def apply(self, persona: PersonaRecord, doc: Document) -> bool:
        """Record a status Tavus reported; a late `started`/`processing` never undoes ready or error."""
        if not persona.document_id or doc.document_id != persona.document_id or not doc.status:
            return False
        late = persona.document_status in FINAL and doc.status not in (*FINAL, RECRAWLING)
        if late:
            return False
        error = doc.error_message if doc.status == ERROR else None
        changed = await self.db.set_document_status(persona.persona_id, doc.document_id, doc.status, error)
        if changed and doc.status != persona.document_status:
            log.info("document %s of persona %s is %s", doc.document_id, persona.persona_id, doc.status)
        return changed

    async def refresh(self, persona: PersonaRecord) -> Document | None:
        """Read the persona's document at Tavus now and record its status (None if it cannot be read)."""
        if not persona.document_id:
            return None
        try:
            tavus = await self.db.run(self.ws.tavus_for, persona)
            doc = await tavus.get_document(persona.document_id)
        except te.NotFoundError:
            doc = Document(document_id=persona.document_id, status=ERROR, error_message="document_deleted")
        except te.TavusError as exc:
            log.info("could not read document %s: %s", persona.document_id, exc)
            return None
        await self.apply(persona, doc)
        return doc

    async def poll(self) -> int:
        """Read documents still processing, within each key's budget; how many were read."""
        read = 0
        for persona in await self.db.documents_pending(ago(CHECK_EVERY), PER_ROUND):
            # stamped first: a document that cannot be read now must not keep others from their turn
            await self.db.document_checked(persona.persona_id)
            try:
                key = (await self.db.run(self.ws.tavus_for, persona)).fingerprint
            except te.TavusError:
                continue  # no usable key for this workspace
            if self.budget.left(key) < 1:
                continue
            self.budget.spend(key, 1)
            read += 1
            await self.refresh(persona)
        return read

    async def run_forever(self, interval: float) -> None:
        """Poll every `interval` seconds or so, on the leading instance only (as the reconciler)."""
        while True:
            await asyncio.sleep(interval * random.uniform(0.8, 1.2))
            try:
                if await self.db.lead():
                    await self.poll()
            except Exception:  # one bad round must not end the polling
                log.exception("document status poll failed")
