"""TavusClient's objectives, guardrails and documents: create once, read and delete with retries.

Creates are not retried (like personas): a create Tavus may have acted on would leave a duplicate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.tavus.documents import Document, DocumentCreate
from bot.tavus.models import Conversation, ConversationCreate
from bot.tavus.objectives import (
    GuardrailsCreate,
    GuardrailSet,
    GuardrailSpec,
    Objective,
    ObjectivesCreate,
    ObjectiveSet,
    ObjectiveSpec,
)
from bot.tavus.transport import check_id

DOCUMENTS_FIRST_PAGE = 0  # the documents list counts pages from 0, the others from 1


class ResourcesMixin:
    """Objectives, guardrails and documents (the client supplies `_send` and `_all_pages`)."""

    if TYPE_CHECKING:

        async def _send(
            self,
            method: str,
            path: str,
            *,
            json: Any = None,
            params: dict[str, Any] | None = None,
            retry: bool | None = None,
        ) -> Any: ...

        async def _all_pages(
            self, path: str, params: dict[str, Any], max_pages: int = ..., first_page: int = ...
        ) -> list[dict[str, Any]]: ...

        async def create_conversation(self, request: ConversationCreate, *, marker: str) -> Conversation: ...

    async def create_test_conversation(
        self, persona_id: str, *, marker: str, replica_id: str | None = None
    ) -> Conversation:
        """A `test_mode` conversation: Tavus checks the whole setup, but no replica joins, it costs
        nothing, holds no concurrency slot and comes back already `ended`."""
        request = ConversationCreate(
            persona_id=persona_id,
            replica_id=replica_id,
            conversation_name=f"Test call [{marker}]",
            test_mode=True,
        )
        return await self.create_conversation(request, marker=marker)

    # objectives
    async def create_objectives(self, objectives: ObjectivesCreate | list[ObjectiveSpec]) -> ObjectiveSet:
        """Create an interview plan; attach its `objectives_id` to a persona."""
        request = (
            objectives if isinstance(objectives, ObjectivesCreate) else ObjectivesCreate(data=objectives)
        )
        body = await self._send("POST", "/objectives", json=request.to_json(), retry=False)
        return ObjectiveSet.model_validate(body)

    async def get_objectives(self, objectives_id: str) -> ObjectiveSet:
        """One set of objectives; Tavus's answer may omit the id, so we fill it in."""
        body = await self._send("GET", f"/objectives/{check_id(objectives_id)}")
        found = ObjectiveSet.model_validate(body if isinstance(body, dict) else {})
        return found if found.objectives_id else found.model_copy(update={"objectives_id": objectives_id})

    async def list_objectives(self) -> list[Objective]:
        """Every objective, each with the `objectives_id` of its set."""
        return [Objective.model_validate(r) for r in await self._all_pages("/objectives", {})]

    async def delete_objectives(self, objectives_id: str) -> None:
        await self._send("DELETE", f"/objectives/{check_id(objectives_id)}")

    # guardrails
    async def create_guardrails(self, guardrails: GuardrailsCreate | list[GuardrailSpec]) -> GuardrailSet:
        """Create a set of guardrails; attach its `guardrails_id` to a persona."""
        request = (
            guardrails if isinstance(guardrails, GuardrailsCreate) else GuardrailsCreate(data=guardrails)
        )
        body = await self._send("POST", "/guardrails", json=request.to_json(), retry=False)
        return GuardrailSet.model_validate(body)

    async def get_guardrails(self, guardrails_id: str) -> GuardrailSet:
        body = await self._send("GET", f"/guardrails/{check_id(guardrails_id)}")
        found = GuardrailSet.model_validate(body if isinstance(body, dict) else {})
        return found if found.guardrails_id else found.model_copy(update={"guardrails_id": guardrails_id})

    async def list_guardrails(self) -> list[GuardrailSet]:
        return [GuardrailSet.model_validate(r) for r in await self._all_pages("/guardrails", {})]

    async def delete_guardrails(self, guardrails_id: str) -> None:
        await self._send("DELETE", f"/guardrails/{check_id(guardrails_id)}")

    # documents
    async def create_document(self, document: DocumentCreate) -> Document:
        """Start processing a document from its URL; it is usable once its status is `ready`."""
        body = await self._send("POST", "/documents", json=document.to_json(), retry=False)
        return Document.model_validate(body)

    async def get_document(self, document_id: str) -> Document:
        """A document with its processing status (poll this when no callback arrives)."""
        return Document.model_validate(await self._send("GET", f"/documents/{check_id(document_id)}"))

    async def list_documents(self, status: str | None = None) -> list[Document]:
        rows = await self._all_pages("/documents", {"status": status}, first_page=DOCUMENTS_FIRST_PAGE)
        return [Document.model_validate(r) for r in rows]

    async def delete_document(self, document_id: str) -> None:
        await self._send("DELETE", f"/documents/{check_id(document_id)}")
