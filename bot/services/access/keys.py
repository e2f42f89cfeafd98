"""Credentials the app derives from its own server secret, so the database keeps only their hashes:
a callback URL's token and an invite link's token. Changing the secret invalidates both."""

from __future__ import annotations

import base64
import hashlib
import hmac

from bot.config import Settings


def server_secret(settings: Settings) -> bytes:
    """TAVUS_SLACK_ENCRYPTION_KEY when set, else the Slack signing secret."""
    key = settings.TAVUS_SLACK_ENCRYPTION_KEY or settings.SLACK_SIGNING_SECRET
    return key.get_secret_value().encode()


def derived_token(settings: Settings, purpose: str, value: str) -> str:
    """An unguessable URL-safe token for `purpose` ("callback", "invite") bound to `value`."""
    mac = hmac.new(server_secret(settings), f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")
