"""Is a channel one we can post in? Asked before a billed conversation is created for it."""

from __future__ import annotations

import asyncio

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.errors import slack_failed
from bot.slack.messages import slack_post_failure

CHECK_SECONDS = 1.0  # this runs before the modal's ack: never let it eat Slack's 3 seconds


async def channel_problem(slack: AsyncWebClient, channel_id: str) -> str | None:
    """A sentence when Slack says the channel is unknown, archived or hidden from us; None when
    it looks fine or Slack could not tell in time (the post will then say what is wrong)."""
    try:
        answer = await asyncio.wait_for(slack.conversations_info(channel=channel_id), CHECK_SECONDS)
    except SlackApiError as exc:
        error = slack_failed(exc, "check a channel before starting an interview")
        return slack_post_failure(error, channel_id) if error == "channel_not_found" else None
    except (TimeoutError, OSError, aiohttp.ClientError):  # Slack could not tell: go on
        return None
    if answer["channel"].get("is_archived"):
        return slack_post_failure("is_archived", channel_id)
    return None
