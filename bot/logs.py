"""Logging set-up with a filter that keeps every secret out of every log line, uvicorn's included."""

from __future__ import annotations

import bisect
import logging
import re

TOKEN_SHAPES = re.compile(r"xox[abpors]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")
# a callback URL's and an invite link's last segment is a credential: masked wherever a path is written
CALLBACK_PATH = re.compile(r"(/tavus/callback/|/tavus/document/|/i/)[^\s\"'?#/]+")
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")


def _shorter(secret: str) -> int:
    return -len(secret)


class RedactSecrets(logging.Filter):
    """Replaces known secret values, callback tokens in paths and Slack-token shapes with ***."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._known: set[str] = set()
        self.secrets: list[str] = []
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        """Learn more secrets as they become known (a workspace's key, a callback token)."""
        fresh = {s for s in secrets if s and len(s) >= 6} - self._known
        if fresh:  # each start adds one (a meeting token): inserted in place, not all sorted again
            self._known |= fresh
            longest_first = list(self.secrets)  # a new list: a thread may be redacting with the old one
            for secret in fresh:
                bisect.insort(longest_first, secret, key=_shorter)
            self.secrets = longest_first

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, "***")
        return CALLBACK_PATH.sub(r"\1***", TOKEN_SHAPES.sub("***", text))

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_redacted", False):  # a record passes a logger's and a handler's filter
            return True
        message = record.getMessage()
        clean = self.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        record._redacted = True
        return True


# one filter for the whole process, so secrets learnt anywhere are redacted everywhere
FILTER = RedactSecrets([])


def keep_secret(*secrets: str | None) -> None:
    """Add secrets to the process-wide log filter."""
    FILTER.add(*secrets)


def settings_secrets(settings) -> list[str]:
    """Every secret value in the settings, for the log filter."""
    fields = (
        settings.SLACK_BOT_TOKEN,
        settings.SLACK_SIGNING_SECRET,
        settings.SLACK_CLIENT_SECRET,
        settings.TAVUS_SLACK_ENCRYPTION_KEY,
        settings.TAVUS_API_KEY,
        settings.SLACK_APP_TOKEN,
    )
    return [f.get_secret_value() for f in fields if f is not None]


def setup_logging(secrets: list[str], level: int = logging.INFO, role: str | None = None) -> RedactSecrets:
    """Root logging to stderr at `level`, every handler behind the redacting filter. uvicorn's
    loggers get no handlers of their own: they propagate to root, through the same filter, at the
    same level (serve() passes log_config=None so uvicorn keeps it that way)."""
    who = f"[{role} %(process)d] " if role else ""  # `serve`'s processes share one stderr
    logging.basicConfig(level=level, format=f"%(asctime)s %(levelname)s {who}%(name)s: %(message)s")
    FILTER.add(*secrets)
    root = logging.getLogger()
    root.setLevel(level)
    for handler in root.handlers:
        if FILTER not in handler.filters:
            handler.addFilter(FILTER)
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(level)
        if FILTER not in logger.filters:  # also for handlers added later (a test's capture)
            logger.addFilter(FILTER)
    return FILTER
