"""The Web API client, as both processes make it."""

from __future__ import annotations

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings

SLACK_RETRIES = 2  # 429s (after Retry-After) and connection errors


def slack_client(settings: Settings) -> AsyncWebClient:
    """The Web API client, pointed at SLACK_API_URL, retrying 429s the way Slack asks."""
    return AsyncWebClient(
        # one workspace: its token; many (OAuth): each call names its workspace's token
        token=settings.SLACK_BOT_TOKEN.get_secret_value() if settings.SLACK_BOT_TOKEN else None,
        base_url=settings.slack_api_url,
        timeout=int(settings.SLACK_TIMEOUT_SECONDS),
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=SLACK_RETRIES),
            AsyncRateLimitErrorRetryHandler(max_retry_count=SLACK_RETRIES),
        ],
    )
