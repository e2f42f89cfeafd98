"""Issue 25: `/tavus stats [opening or persona]`, the interview funnel, to its asker only."""

from __future__ import annotations

from bot.deps import Deps
from bot.services.decisions.funnel import visible_funnels
from bot.slack.blocks import as_plain
from bot.slack.stats import build_stats
from handlers.guard import team_of, user_of


async def stats_command(deps: Deps, respond, body: dict, rest: str) -> None:
    wanted = as_plain(rest)[:100] or None  # Slack escapes &, <, >
    found = await visible_funnels(deps.db, deps.people, team_of(body), user_of(body), wanted)
    text, blocks = build_stats(found, deps.settings.SLACK_COMMAND, wanted)
    await respond(response_type="ephemeral", text=text, blocks=blocks, replace_original=False)
