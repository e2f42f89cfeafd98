"""Logging set-up with a filter that keeps every secret out of every log line."""

from __future__ import annotations

import logging
import re

TOKEN_SHAPES = re.compile(
    r"xox[abpors]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+"
    r"|(?<=/i/)[A-Za-z0-9_-]{16,}|(?<=/tavus/callback/)[A-Za-z0-9_-]{16,}"  # credentials in URL paths
)


class RedactSecrets(logging.Filter):
    """Replaces known secret values and anything shaped like a Slack token with ***."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return TOKEN_SHAPES.sub("***", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        return True


def setup_logging(secrets: list[str], level: int = logging.INFO) -> RedactSecrets:
    """Root logging to stderr, every handler behind the redacting filter."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redact = RedactSecrets(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    # uvicorn's access log has its own handler and formats its args itself: redact them in place
    # (a filter on the logger survives uvicorn's dictConfig)
    logging.getLogger("uvicorn.access").addFilter(RedactArgs(redact))
    return redact


class RedactArgs(logging.Filter):
    """For records whose formatter needs their args (uvicorn's access log): redact each one."""

    def __init__(self, redact: RedactSecrets) -> None:
        super().__init__()
        self.redactor = redact

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self.redactor.redact(a) if isinstance(a, str) else a for a in record.args)
        return True
