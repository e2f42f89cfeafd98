"""Events API: the App Home tab. Slack retries deliveries, so each event_id counts once."""

from __future__ import annotations

from bot.deps import Deps
from handlers.guard import team_of
from handlers.home import publish_home


def register(app, deps: Deps) -> None:
    async def on_home_opened(ack, body, event, client) -> None:
        await ack()
        if event.get("tab") != "home" or not await deps.db.first_time(f"event:{body.get('event_id')}"):
            return
        await publish_home(deps, client, team_of(body), event["user"])

    async def on_uninstalled(ack, body) -> None:
        """Uninstalled, or its tokens revoked: forget the workspace's bot token at once."""
        await ack()
        await deps.db.forget_bot(team_of(body))

    app.event("app_home_opened")(on_home_opened)
    app.event("app_uninstalled")(on_uninstalled)
    app.event("tokens_revoked")(on_uninstalled)
