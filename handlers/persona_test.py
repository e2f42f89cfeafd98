"""Test this persona: `/tavus test <persona>` and the Test button on a persona in the lists. The
test call at Tavus is an outbox job (bot/services/personas/test_job.py) answered through the
response_url; the Home tab's button, which has no response_url, is a `persona_test_home` job
(bot/services/personas/persona_jobs.py) that republishes the Home tab with the answer."""

from __future__ import annotations

from bot.deps import Deps
from bot.services.access.answers import on_home
from bot.services.personas.persona_jobs import TEST_HOME, persona_job
from bot.services.personas.test_job import GONE, persona_test_job
from bot.slack import ids
from bot.slack.blocks import esc
from handlers.actions import _tell, _where
from handlers.guard import action_value, queue, team_of, user_of


async def queue_test(deps: Deps, team: str, user: str, persona_id: str, url: str, *, replace: bool) -> None:
    await queue(deps, persona_test_job(team, user, persona_id, url, replace=replace))


async def test_command(deps: Deps, respond, body: dict, rest: str) -> None:
    """`test <persona name or id>`: a test-mode conversation, answered privately."""
    team, user, command = team_of(body), user_of(body), deps.settings.SLACK_COMMAND
    persona = deps.personas.find(await deps.db.visible_personas(team, user), user, rest) if rest else None
    if persona is None:
        await respond(
            text=f"Usage: `{command} test &lt;persona name or id&gt;`. I found no persona "
            f"`{esc(rest[:60]) or '?'}` that you can use; `{command} personas` lists them."
        )
        return
    await respond(text=f":hourglass_flowing_sand: Testing *{esc(persona.name)}* at Tavus (test mode, free)…")
    await queue_test(deps, team, user, persona.persona_id, body["response_url"], replace=True)


def register(app, deps: Deps) -> None:
    async def on_test_persona(ack, body, respond, client) -> None:
        team, user, _ = _where(body)
        persona = await deps.db.persona(team, action_value(body))
        if persona is None or not (persona.owner_id == user or persona.shared):
            await ack()
            await _tell(deps, body, respond, client, GONE)
            return
        if body.get("response_url"):  # queued before the ack, as every listener's work
            await queue_test(deps, team, user, persona.persona_id, body["response_url"], replace=False)
        else:  # the Home tab has no response_url: a worker tests it and republishes the Home tab
            job = persona_job(TEST_HOME, team, user, persona_id=persona.persona_id, where=on_home(user))
            await queue(deps, job)
        await ack()

    app.action(ids.TEST_PERSONA)(on_test_persona)
