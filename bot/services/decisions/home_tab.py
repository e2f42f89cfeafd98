"""The App Home tab, drawn and published: when a person opens it (the web process) and after a job
started from one of its buttons has run (a worker: the Home tab has no response_url to answer on)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.services.decisions.funnel import visible_funnels
from bot.slack.errors import slack_failed
from bot.slack.home import build_home
from bot.slack.openings import home_openings
from bot.slack.stats import home_stats

if TYPE_CHECKING:
    from bot.deps import Services

log = logging.getLogger(__name__)
HOME_BLOCKS = 100  # Slack's limit for a Home view


async def publish_home(deps: Services, client, team: str, user: str, notice: str | None = None) -> None:
    admin = await deps.people.is_admin(team, user)
    invites = [(c, await deps.invites.find_link(c)) for c in await deps.db.invites_of(team, user)]
    ended = await deps.db.recently_ended(team, user)
    decisions = {c.token: (await deps.db.decision_of(c.token) or {}).get("verdict") for c in ended}
    view = build_home(
        await deps.db.personas_of(team, user),
        await deps.db.active_of(team, user),
        ended,
        command=deps.settings.SLACK_COMMAND,
        notice=notice,
        can_set_key=admin and deps.ws.fernet is not None,
        shared=[p for p in await deps.db.visible_personas(team, user) if p.owner_id != user],
        everyone=await deps.db.active_in_team(team) if admin else None,
        replica_names=await deps.personas.replica_names(team),
        can_configure=admin,
        invites=invites,
        report_links=await deps.db.report_links([c.token for c in ended]),
        openings=await home_blocks(deps, team, user),
        decisions={k: v for k, v in decisions.items() if v},
    )
    funnel = await funnel_blocks(deps, team, user)
    if len(view["blocks"]) + len(funnel) <= HOME_BLOCKS:
        view["blocks"] += funnel
    try:
        await client.views_publish(user_id=user, view=view)
    except SlackApiError as exc:
        slack_failed(exc, "publish the Home tab")


async def funnel_blocks(deps: Services, team: str, user: str) -> list:
    """Issue 25: the compact funnel and the month's minutes, within Home's 100 blocks."""
    found = await visible_funnels(deps.db, deps.people, team, user)
    cap = (await deps.db.interview_settings(team)).get("minutes_cap")
    return home_stats(found, await deps.interviews.usage.minutes(team), cap)


async def home_blocks(deps: Services, team: str, user: str) -> list:
    """Issue 25: the Home tab's Openings part, with each one's candidates' counts."""
    openings = await deps.db.openings_in(team)
    if not openings:
        return []
    names = {p.persona_id: p.name for p in await deps.db.visible_personas(team, user)}
    return home_openings(openings, await deps.db.opening_counts(team), names)
