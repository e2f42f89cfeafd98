"""Issue 24: the checks the policy in force (bot/policy.py) asks for before an interview starts."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.policy import policy_for, reads_emotion
from bot.records import PersonaRecord
from bot.services.access.workspaces import Workspaces
from bot.slack.blocks import esc
from bot.slack.messages import tavus_failure
from bot.store.aio import AsyncStore
from bot.tavus import errors as te
from bot.tavus.client import TavusClient

log = logging.getLogger(__name__)


async def perception_refusal(db: AsyncStore, ws: Workspaces, req, policy_key: str | None) -> str | None:
    """Under a policy that bans emotion reading, a sentence refusing a persona whose perception
    reads emotion or expressions, as Tavus holds it now (an edit in Tavus's portal counts). Tavus
    offers no per-conversation override of perception, so the persona itself must have it off."""
    policy = policy_for(policy_key)
    if policy.emotion_perception_allowed:
        return None
    persona: PersonaRecord = req.persona
    try:
        tavus = await db.run(ws.tavus, req.team_id)
        found = await tavus.get_persona(persona.persona_id)
    except te.TavusError as exc:
        return tavus_failure(exc, f"check the perception of *{esc(persona.name)}*")
    layer = found.layers.perception if found.layers else None
    model = layer.perception_model if layer else None
    if not reads_emotion(model, found.pipeline_mode or persona.pipeline_mode):
        return None
    return (
        f"*{esc(persona.name)}* uses perception `{esc(model or 'raven-1 (Tavus default)')}`, which reads "
        f"emotion or expressions: not allowed under {policy.label} rules "
        f"({policy.sources['emotion_perception_allowed']}). Choose a persona whose perception is Off, "
        "or create one with Perception model: Off."
    )


async def plan_topics(tavus: TavusClient, persona: PersonaRecord) -> list[str]:
    """What the interviewer evaluates, in the plan's own words (each objective's name and prompt),
    kept with the invite so the candidate's page never waits on Tavus."""
    if not persona.objectives_id:
        return []
    try:
        found = await tavus.get_objectives(persona.objectives_id)
    except te.TavusError as exc:
        log.warning("could not read the plan %s for an invite's notice: %s", persona.objectives_id, exc)
        return []
    return [
        f"{o.objective_name.replace('_', ' ')}: {o.objective_prompt or ''}".strip(": ")[:300]
        for o in found.data[:20]
        if o.objective_name
    ]


async def person_name(slack, token: str | None, user_id: str) -> str | None:
    """A Slack user's name for the candidate's page (whom to contact); None when Slack will not say."""
    try:
        answer = await slack.users_info(user=user_id, token=token)
    except Exception as exc:  # the page then names the workspace only
        log.info("could not read the name of %s: %s", user_id, exc)
        return None
    user = answer.get("user") or {}
    profile = user.get("profile") or {}
    return profile.get("real_name") or user.get("real_name") or profile.get("display_name") or None


def business_days_after(start: datetime, days: int) -> datetime:
    """`days` business days (Monday to Friday) after `start`, at the same time of day. Public
    holidays are not counted out: they differ by year and place (an admin allows for them)."""
    moment = start
    while days > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment


def earliest_open(policy_key: str | None, notice_in_posting: bool, now: datetime) -> datetime | None:
    """When an invite sent now may open under the policy's notice period; None when it may open now."""
    days = policy_for(policy_key).notice_business_days
    if not days or notice_in_posting:
        return None
    at = business_days_after(now, days)
    return at.replace(second=0, microsecond=0) + timedelta(minutes=1)  # the minute a picker shows


def notice_refusal(policy_key: str | None, earliest: datetime) -> str:
    policy = policy_for(policy_key)
    return (
        f"Under {policy.label} rules candidates must be told of the AI interview "
        f"{policy.notice_business_days} business days before it "
        f"({policy.sources['notice_business_days']}): "
        f"this invite can open {earliest.strftime('%A %d %B %Y at %H:%M UTC')} at the earliest. "
        "Business days are Monday to Friday; public holidays are not counted, so add them yourself. "
        "Choose that opening time or later, or ask an admin to record in Interview settings that "
        "the job posting gave notice."
    )


def notice_refusal_of(req, public_url: str | None) -> str | None:
    """Under a policy whose candidates read the notice and consent first (issue 24), an interview
    that would start without the invite page (no named candidate, or no PUBLIC_URL) is refused."""
    policy = policy_for(req.policy)
    if not policy.notice_page_required:
        return None
    if not (req.candidate_id or req.candidate_name or req.candidate_email):
        return (
            f"Under the workspace's {policy.label} rules every interview needs a named candidate, who "
            "reads the notice and consents on their invite page first: add the candidate."
        )
    if not public_url:
        return (
            f"Under the workspace's {policy.label} rules the candidate must read the notice and consent "
            "on the invite page before the interview, and that page needs PUBLIC_URL: ask the app's admin."
        )
    return None
