"""Issue 24: the owner's *Mark handled* on a candidate's request for a person or an accommodation."""

from __future__ import annotations

from bot.deps import Deps
from bot.slack import ids
from handlers.guard import action_value, team_of, user_of


def register(app, deps: Deps) -> None:
    async def on_mark_handled(ack, body, respond) -> None:
        await ack()
        answer = await deps.invite_flow.mark_handled(team_of(body), user_of(body), action_value(body))
        # the DM keeps the candidate's words; the answer comes as a reply below it
        await respond(text=answer, replace_original=False, response_type="ephemeral")

    app.action(ids.MARK_HANDLED)(on_mark_handled)
