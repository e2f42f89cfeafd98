"""One way to log a failed Slack call: loudly when the bot token itself is refused."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

# a place that will not take our post (we left it, it was archived): results go to the owner instead
REFUSED_PLACE = {"channel_not_found", "not_in_channel", "is_archived", "restricted_action"}

log = logging.getLogger("bot.slack")

TOKEN_REFUSED = {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}


def slack_failed(exc: SlackApiError, doing: str, level: int = logging.WARNING) -> str:
    """Log why Slack refused `doing` and return its error code. A refused token is critical:
    every later call will fail the same way until someone reinstalls the app."""
    error = str(exc.response.get("error") or "unknown_error")
    if error in TOKEN_REFUSED:
        log.critical(
            "Slack refused the bot token (%s) while trying to %s: reinstall the app or fix SLACK_BOT_TOKEN",
            error,
            doing,
        )
    else:
        log.log(level, "Slack said %s when trying to %s", error, doing)
    return error
