"""Is a channel one we can post in? Asked before a billed conversation is created for it."""

from __future__ import annotations

import asyncio
import time

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.errors import slack_failed

CHECK_SECONDS = 1.0  # this runs before the modal's ack: never let it eat Slack's 3 seconds


FINE_SECONDS = 30.0  # how long a channel Slack called fine is taken as fine
_FINE: dict[tuple[int, str], float] = {}


async def channel_problem(slack: AsyncWebClient, channel_id: str) -> str | None:
    """A plain sentence (modal errors show no mrkdwn) when Slack says the channel is unknown,
    archived or hidden from us; None when it looks fine or Slack could not tell in time (the post
    will then say what is wrong)."""
    key = (id(slack), channel_id)  # per app: one app's answer is not another's
    if time.monotonic() - _FINE.get(key, -1e9) < FINE_SECONDS:
        return None  # a burst of starts in one channel asks Slack once (conversations.info is Tier 3)
    try:
        answer = await asyncio.wait_for(slack.conversations_info(channel=channel_id), CHECK_SECONDS)
    except SlackApiError as exc:
        error = slack_failed(exc, "check a channel before starting an interview")
        if error == "channel_not_found":
            return (
                "I can't see that channel: it is private, or it no longer exists. If it is private, "
                "add the Tavus app to it first (type /invite @Tavus in the channel), or choose another."
            )
        return None
    except (TimeoutError, OSError, aiohttp.ClientError):  # Slack could not tell: go on
        return None
    channel = answer["channel"]
    if channel.get("is_archived"):
        name = channel.get("name") or "that channel"
        return f"#{name} is archived, so nobody can post there. Choose another channel."
    if len(_FINE) > 10_000:
        _FINE.clear()
    _FINE[key] = time.monotonic()
    return None
