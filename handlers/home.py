"""App Home: published when a person opens the tab and after changes made from it."""

from __future__ import annotations

from bot.deps import Deps
from bot.services.decisions.home_tab import publish_home
from bot.slack.lists import build_personas_list

__all__ = ["personas_list", "publish_home"]  # publish_home is drawn in bot/services/decisions/home_tab.py


async def personas_list(deps: Deps, team: str, user: str) -> tuple[str, list]:
    """Own personas and those shared with the person, with replica names where Tavus told us."""
    visible = await deps.db.visible_personas(team, user)
    return build_personas_list(
        [p for p in visible if p.owner_id == user],
        deps.settings.SLACK_COMMAND,
        shared=[p for p in visible if p.owner_id != user],
        replica_names=await deps.personas.replica_names(team),
    )
