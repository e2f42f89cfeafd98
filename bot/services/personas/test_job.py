"""Test this persona after its ack, as an outbox job (kind `persona_test`): a worker makes the
test-mode conversation (bot/services/personas/persona_check.py) and answers through the
request's response_url. A rerun makes another test conversation: test mode is free and ends itself."""

from __future__ import annotations

import secrets

from slack_sdk.web.async_client import AsyncWebClient

from bot.services.outbox.replies import answer_url
from bot.services.personas.documents import DocumentService
from bot.services.personas.persona_check import check_persona
from bot.services.personas.personas import PersonaService
from bot.slack.persona_check import build_persona_check
from bot.store import Job, OutboxRecord
from bot.store.aio import AsyncStore

PERSONA_TEST = "persona_test"
GONE = "I found no such persona that you can use: it may have been deleted."


def persona_test_job(team: str, user: str, persona_id: str, response_url: str, *, replace: bool) -> Job:
    data = {"user": user, "persona_id": persona_id, "response_url": response_url, "replace": replace}
    return Job(PERSONA_TEST, f"persona_test:{secrets.token_urlsafe(16)}", None, team, data)


class PersonaTestRunner:
    """Runs `persona_test` jobs in a worker."""

    KINDS = (PERSONA_TEST,)

    def __init__(
        self,
        db: AsyncStore,
        personas: PersonaService,
        documents: DocumentService,
        slack: AsyncWebClient,
        public_url: str | None,
    ) -> None:
        self.db, self.personas, self.documents, self.slack = db, personas, documents, slack
        self.public_url = public_url

    async def run(self, job: OutboxRecord) -> str | None:
        data = job.data
        if not data:  # its content was cleared (retention)
            return None
        persona = await self.db.persona(job.team_id, data["persona_id"])
        if persona is None or not (persona.owner_id == data["user"] or persona.shared):
            text, blocks = GONE, None
        else:
            check = await check_persona(self.personas, self.documents, persona, self.public_url)
            text, blocks = build_persona_check(check)
        await answer_url(self.slack, data["response_url"], text, blocks, replace=data["replace"])
        return None
