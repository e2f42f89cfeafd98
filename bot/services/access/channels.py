"""Is a channel one we can post in? Asked before a billed conversation is created for it.

The check answers a person (it runs before the ack), so it never waits for Slack's budget:
`conversations.info` is Tier 3 (50 a minute per workspace). Answers are kept a short while per
workspace and channel, checks of one channel in flight at once are one call, and when the
workspace's budget for the method is spent the check is skipped (the post then says what is wrong).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import time
from dataclasses import dataclass, field

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.services.outbox.pacing import retry_after_of
from bot.slack.budget import SlackBudget
from bot.slack.errors import slack_failed

CHECK_SECONDS = 1.0  # this runs before the modal's ack: never let it eat Slack's 3 seconds
FINE_SECONDS = 30.0  # how long a channel Slack called fine is taken as fine
PROBLEM_SECONDS = 5.0  # a refusal is kept only briefly: the person may be fixing it right now
METHOD = "conversations.info"
# The manifest asks for neither im:read nor mpim:read, so Slack answers conversations.info in a DM or
# a group DM with missing_scope; the card could not be posted there either (the Tavus conversation
# would be created and billed for nothing). Said before Tavus is called.
NOT_A_CHANNEL = (
    "Interviews can't be started in a direct message or a group DM. Start one in a public channel, "
    "or in a private channel the Tavus app is in (type /invite @Tavus there first)."
)
_TURNS = itertools.count()


@dataclass
class ChannelChecks:
    """One app's channel checks: its Slack budget, recent answers, checks in flight."""

    budget: SlackBudget
    answers: dict[tuple[str, str], tuple[float, str | None]] = field(default_factory=dict)
    asking: dict[tuple[str, str, int], asyncio.Future[str | None]] = field(default_factory=dict)


_CHECKS: dict[str, ChannelChecks] = {}  # by the Slack API's base URL: one app's Slack


def use_budget(base_url: str, budget: SlackBudget) -> None:
    """Channel checks made through `base_url` draw on `budget` (the app's), with a fresh cache."""
    _CHECKS[base_url] = ChannelChecks(budget)


def _workspace(slack: AsyncWebClient) -> str:
    """The workspace a client speaks for, by its token (hashed: a token is never kept as it is)."""
    return hashlib.sha256((slack.token or "").encode()).hexdigest()[:16]


async def channel_problem(slack: AsyncWebClient, channel_id: str) -> str | None:
    """A plain sentence (modal errors show no mrkdwn) when Slack says the channel is unknown,
    archived or hidden from us; None when it looks fine or Slack could not tell in time (the post
    will then say what is wrong)."""
    if channel_id.startswith("D"):  # a DM: Slack's ids say so
        return NOT_A_CHANNEL
    checks = _CHECKS.get(slack.base_url) or _CHECKS.setdefault(slack.base_url, ChannelChecks(SlackBudget()))
    team = _workspace(slack)
    key, now = (team, channel_id), time.monotonic()
    if (known := checks.answers.get(key)) and now - known[0] < (
        FINE_SECONDS if known[1] is None else PROBLEM_SECONDS
    ):
        return known[1]  # a burst of starts in one channel asks Slack once
    flight = (*key, id(asyncio.get_running_loop()))  # a future is awaited only on its own loop
    if (asking := checks.asking.get(flight)) is not None:
        try:
            return await asyncio.wait_for(asyncio.shield(asking), CHECK_SECONDS)
        except TimeoutError:
            return None
    turn = f"check:{next(_TURNS)}"
    if not checks.budget.try_take(turn, team, METHOD):
        return None  # the workspace's minute is spent: do not make the person wait for it
    asking = checks.asking[flight] = asyncio.get_running_loop().create_future()
    problem, known_now = None, False
    try:
        problem, known_now = await _ask(slack, channel_id, checks.budget, team)
    finally:
        checks.budget.settle(turn, team, METHOD)
        del checks.asking[flight]
        asking.set_result(problem)
    if known_now:
        if len(checks.answers) > 10_000:
            checks.answers.clear()
        checks.answers[key] = (time.monotonic(), problem)
    return problem


async def _ask(
    slack: AsyncWebClient, channel_id: str, budget: SlackBudget, team: str
) -> tuple[str | None, bool]:
    """(the problem, whether Slack told us): a timeout or a 429 tells nothing."""
    try:
        answer = await asyncio.wait_for(slack.conversations_info(channel=channel_id), CHECK_SECONDS)
    except SlackApiError as exc:
        if getattr(exc.response, "status_code", 200) == 429:  # another instance spent the minute
            budget.refused(team, METHOD, None, retry_after_of(exc))
        error = slack_failed(exc, "check a channel before starting an interview")
        if error == "missing_scope":  # what Slack answers for a DM or a group DM: no im:read, mpim:read
            return NOT_A_CHANNEL, True
        if error == "channel_not_found":
            return (
                "I can't see that channel: it is private, or it no longer exists. If it is private, "
                "add the Tavus app to it first (type /invite @Tavus in the channel), or choose another."
            ), True
        return None, False
    except (TimeoutError, OSError, aiohttp.ClientError):  # Slack could not tell: go on
        return None, False
    channel = answer["channel"]
    if channel.get("is_im") or channel.get("is_mpim"):
        return NOT_A_CHANNEL, True
    if channel.get("is_archived"):
        name = channel.get("name") or "that channel"
        return f"#{name} is archived, so nobody can post there. Choose another channel.", True
    return None, True
