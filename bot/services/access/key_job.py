"""The workspace's own Tavus key after the modal's ack, as an outbox job (kind `tavus_key`): a
worker checks the key with Tavus, seals and saves it, shows the outcome in the modal still open
(views.update, the same view id) and republishes the admin's Home tab. The key travels sealed
(the workspace's Fernet key, which this modal requires); a rerun checks and saves it again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.records import ConversationRecord
from bot.services.access.answers import ListenerRunner, client_for, in_view, listener_job, tell
from bot.services.access.tavus_key import key_problem
from bot.slack.blocks import esc, section
from bot.slack.modals import build_result_view, build_tavus_key_modal
from bot.store import Job, OutboxRecord

if TYPE_CHECKING:
    from bot.deps import Services

TAVUS_KEY = "tavus_key"


def key_job(deps: Services, team: str | None, user: str | None, key: str, view_id: str) -> Job:
    assert deps.ws.fernet is not None  # the key's modal only opens where keys can be sealed
    sealed = deps.ws.fernet.encrypt(key.encode()).decode()
    return listener_job(TAVUS_KEY, team, {"user": user, "sealed": sealed, "where": in_view(view_id)})


def saved_text(replaced: bool, staying: list[ConversationRecord]) -> str:
    """What the new key changes, and what stays on the previous one (issue 23): Tavus knows each
    persona and call in the account that made it only, so those keep the key they were made with."""
    text = ":white_check_mark: Saved. This workspace's personas and interviews now use its own Tavus key."
    if not replaced:
        return text
    text += (
        " Personas made with the previous key stay in that account: create them again to interview "
        "with them on this key."
    )
    if staying:
        names = ", ".join(f"*{esc(c.name or c.ref or '')}*" for c in staying[:10])
        more = f" and {len(staying) - 10} more" if len(staying) > 10 else ""
        text += f" These live interviews stay on the previous key until they end: {names}{more}."
    return text


class KeyRunner(ListenerRunner):
    """Runs `tavus_key` jobs in a worker."""

    KINDS = (TAVUS_KEY,)

    async def run(self, job: OutboxRecord) -> str | None:
        deps, data, team = self.deps, job.data, job.team_id or ""
        if not data or deps.ws.fernet is None:
            return None
        if text := data.get("told"):  # saved: a retry after a refused answer only says it again
            return await self.saved(job, team, data["user"], data["where"], text)
        key = deps.ws.fernet.decrypt(data["sealed"].encode()).decode()
        user, where = data["user"], data["where"]
        if error := await key_problem(key, deps.settings.TAVUS_API_URL, deps.ws.tavus_http):
            form = build_tavus_key_modal(await deps.db.run(deps.ws.has_own_tavus_key, team), error)
            await tell(deps, team, where, error, view=form)
            await deps.db.clear_job_content(job.key)  # the key, even sealed, stays only where it is saved
            return None
        previous = await deps.db.run(deps.ws.set_tavus_key, team, key, by=user)
        await deps.db.audit(team, user, "workspace.tavus_key", team, None)
        staying = [c for c in await deps.db.active_in_team(team) if previous and c.tavus_account == previous]
        text = saved_text(bool(previous), staying)
        await deps.db.clear_job_content(job.key, keep={"user": user, "where": where, "told": text})
        return await self.saved(job, team, user, where, text)

    async def saved(self, job: OutboxRecord, team: str, user: str, where: dict, text: str) -> None:
        """The key is saved (and gone from the job): say so, and redraw the admin's Home tab."""
        deps = self.deps
        await tell(deps, team, where, text, view=build_result_view("Tavus key", [section(text)]))
        await deps.db.clear_job_content(job.key)
        await deps.publish_home(await client_for(deps, team), team, user)
