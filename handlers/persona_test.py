"""Test this persona: `/tavus test <persona>` and the Test button on a persona in the lists."""

from __future__ import annotations

from bot.deps import Deps
from bot.records import PersonaRecord
from bot.services.personas.persona_check import check_persona
from bot.slack import ids
from bot.slack.blocks import esc
from bot.slack.persona_check import build_persona_check
from handlers.actions import _tell, _where
from handlers.guard import action_value, team_of, user_of


async def run_test(deps: Deps, persona: PersonaRecord) -> tuple[str, list[dict]]:
    """(text, blocks): plain sentences, the ids behind a detail line."""
    async with deps.after_ack():
        check = await check_persona(deps.personas, deps.documents, persona, deps.settings.PUBLIC_URL)
    return build_persona_check(check)


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
    text, blocks = await run_test(deps, persona)
    await respond(text=text, blocks=blocks, replace_original=True)


def register(app, deps: Deps) -> None:
    async def on_test_persona(ack, body, respond, client) -> None:
        await ack()
        team, user, _ = _where(body)
        persona = await deps.db.persona(team, action_value(body))
        if persona is None or not (persona.owner_id == user or persona.shared):
            answer, blocks = "I found no such persona that you can use: it may have been deleted.", None
        else:
            answer, blocks = await run_test(deps, persona)
        await _tell(deps, body, respond, client, answer, blocks=blocks)

    app.action(ids.TEST_PERSONA)(on_test_persona)
