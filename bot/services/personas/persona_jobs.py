"""A persona's Tavus work after its listener's ack, as outbox jobs: `persona_create` and
`persona_edit` (the modal's submission: the modal shows progress, then the outcome through
views.update on the same view id), `persona_delete` (the command's prompt and the lists' button),
and `persona_test_home` (the Home tab's Test button: the check is published on the Home tab).

Reruns: a delete finds the persona gone and says so; an edit's patch is computed against what
Tavus holds, so a second run finds nothing to change; a create marks its first run, and a rerun
that finds a persona of that name made by the same person shows it rather than making another."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.services.access.answers import ListenerRunner, listener_job, tell
from bot.services.personas.forms import PersonaRefused, create_persona
from bot.services.personas.persona_check import check_persona
from bot.slack import ids
from bot.slack.blocks import build_notice, button, esc, section
from bot.slack.forms import PersonaForm, read_persona_form
from bot.slack.lists import build_personas_list
from bot.slack.modals import build_result_view
from bot.slack.persona_check import build_persona_check
from bot.slack.persona_modal import build_persona_modal
from bot.store import Job, OutboxRecord

if TYPE_CHECKING:
    pass

CREATE, EDIT, DELETE, TEST_HOME = "persona_create", "persona_edit", "persona_delete", "persona_test_home"
FIXED = {ids.P_MODE, ids.P_PERCEPTION, ids.P_SMART_TURN, ids.P_LLM, ids.P_SHARED}  # not in the edit form


def persona_job(kind: str, team: str | None, user: str | None, key: str | None = None, **data: Any) -> Job:
    return listener_job(kind, team, {"user": user, **data}, key=key)


def persona_errors(refused: PersonaRefused, form: PersonaForm) -> dict[str, str]:
    """Tavus's refusal shown where it belongs: under the replica or the prompt when Tavus named it."""
    if refused.field == "replica":
        return {ids.P_CUSTOM_REPLICA if form.values.get("custom_replica") else ids.P_REPLICA: refused.text}
    if refused.field == "system_prompt":
        return {ids.P_PROMPT: refused.text}
    return {"_form": refused.text}


def created_view(persona, channel: str | None) -> dict:
    start = button("Start an interview", ids.START_FROM_PERSONA, value=persona.persona_id, style="primary")
    return build_result_view(
        "Persona created",
        [
            section(f":white_check_mark: Created *{esc(persona.name)}* (`{persona.persona_id}`)."),
            {"type": "actions", "elements": [start]},
        ],
        metadata={"channel_id": channel},
    )


class PersonaRunner(ListenerRunner):
    """Runs the persona jobs above in a worker."""

    KINDS = (CREATE, EDIT, DELETE, TEST_HOME)

    async def run(self, job: OutboxRecord) -> str | None:
        data, team = job.data, job.team_id or ""
        if not data:
            return None
        step = {CREATE: self.create, EDIT: self.edit, DELETE: self.delete, TEST_HOME: self.test}[job.kind]
        await step(job, team, data)
        if job.kind in (CREATE, EDIT):  # the form's words are the persona's now: no copy stays here
            await self.deps.db.clear_job_content(job.key)
        return None

    async def create(self, job: OutboxRecord, team: str, data: dict) -> None:
        deps, user, where = self.deps, data["user"], data["where"]
        form, _ = read_persona_form(data["values"])
        if not await deps.db.first_time(f"ran:{job.key}"):  # a rerun: the first run may have made it
            mine = await deps.db.personas_of(team, user)  # since this job: an older namesake is not it
            made = [p for p in mine if p.name == form.name and p.created_at >= job.created_at]
            if made:
                await tell(deps, team, where, "", view=created_view(made[-1], data.get("channel")))
                return
        try:
            persona = await create_persona(deps.personas, team, data.get("enterprise"), user, form)
        except PersonaRefused as refused:
            retry = build_persona_modal(
                await deps.personas.replicas(team),
                deps.settings.TAVUS_DEFAULT_REPLICA_ID,
                values=form.values,
                errors=persona_errors(refused, form),
                channel_id=data.get("channel"),
            )
            await tell(deps, team, where, refused.text, view=retry)
            return
        await tell(deps, team, where, "", view=created_view(persona, data.get("channel")))

    async def edit(self, job: OutboxRecord, team: str, data: dict) -> None:
        form, _ = read_persona_form(data["values"])
        answer = await self.deps.personas.edit(team, data["user"], data["persona_id"], form)
        view = build_result_view("Edit persona", [section(answer)])
        await tell(self.deps, team, data["where"], answer, view=view)

    async def delete(self, job: OutboxRecord, team: str, data: dict) -> None:
        deps, user, where = self.deps, data["user"], data["where"]
        answer = await deps.personas.delete(team, user, data["persona_id"])
        if not data.get("refresh_list") or not where.get("url"):
            await tell(deps, team, where, answer)
            return
        visible = await deps.db.visible_personas(team, user)
        _, blocks = build_personas_list(
            [p for p in visible if p.owner_id == user],
            deps.settings.SLACK_COMMAND,
            shared=[p for p in visible if p.owner_id != user],
            replica_names=await deps.personas.replica_names(team),
        )
        await tell(deps, team, {**where, "replace": True}, answer, build_notice(answer)[1] + blocks)

    async def test(self, job: OutboxRecord, team: str, data: dict) -> None:
        deps = self.deps
        persona = await deps.db.persona(team, data["persona_id"])
        if persona is None:
            return  # deleted meanwhile; the web process checked it was there and usable
        check = await check_persona(deps.personas, deps.documents, persona, deps.settings.PUBLIC_URL)
        text, _ = build_persona_check(check)
        await tell(deps, team, data["where"], text)
