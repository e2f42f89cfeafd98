"""How a job answers the person who asked, after the ack: through the request's response_url
(Slack lets each be used 5 times within 30 minutes), or in a modal still open (views.update)."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack.errors import slack_failed

log = logging.getLogger(__name__)


async def answer_url(
    slack: AsyncWebClient, url: str, text: str, blocks: list | None = None, *, replace: bool = True
) -> None:
    """Post to a response_url. A refusal (expired, used up) is logged: the work itself is done."""
    hook = AsyncWebhookClient(url, timeout=int(slack.timeout), session=slack.session)
    answer = await hook.send(text=text, blocks=blocks, replace_original=replace)
    if answer.status_code >= 500:
        raise ConnectionError(f"Slack answered {answer.status_code} to a response_url")  # retried
    if answer.status_code != 200:
        log.info("a response_url refused the answer (%d): it may have expired", answer.status_code)


def workspace_client(slack: AsyncWebClient, token: str | None) -> AsyncWebClient:
    """A client with the workspace's bot token, on the app's session."""
    return AsyncWebClient(token=token, base_url=slack.base_url, timeout=slack.timeout, session=slack.session)


async def update_view(client: AsyncWebClient, view_id: str, view: dict) -> None:
    try:
        await client.views_update(view_id=view_id, view=view)
    except SlackApiError as exc:  # the user closed the modal: the result is in their lists
        slack_failed(exc, "show a submission's result", level=logging.INFO)
