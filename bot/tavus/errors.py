"""The Tavus error ladder: one class per kind of failure, each carrying Tavus's own words."""

from __future__ import annotations

import logging

import httpx


class TavusError(Exception):
    """Base of every failure talking to Tavus. The text never contains the API key."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class MissingKeyError(TavusError):
    """Neither the workspace nor the app has a Tavus API key."""


class TavusConnectionError(TavusError):
    """Tavus could not be reached, or the connection broke. `maybe_sent` is False only when the
    request surely never left (the connection was refused or never opened)."""

    def __init__(self, message: str, *, maybe_sent: bool = True) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent


class TavusTimeoutError(TavusConnectionError):
    """Tavus did not answer within our timeout."""


class TavusStatusError(TavusError):
    """Tavus answered with an error status."""

    def __init__(self, message: str, *, status: int, body: object = None) -> None:
        super().__init__(f"Tavus answered {status}: {message}", status=status)
        self.message = message
        self.body = body


class AuthenticationError(TavusStatusError):
    """401/403: the API key is wrong or revoked."""


class WorkspaceKeyError(AuthenticationError):
    """A workspace's own key cannot be used: Tavus refused it, or it cannot be decrypted.
    Never a reason to fall back to another account's key."""


class AccountKeyGoneError(WorkspaceKeyError):
    """The object was made with a Tavus key (account) the workspace no longer has: acting with
    another key would not reach it (another account's object is a 404 there)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status=401)


class OtherAccountError(TavusError):
    """A new call with a persona another key (account) made: Tavus has the persona only there, and
    the workspace's calls are billed to its current key alone."""


class ValidationError(TavusStatusError):
    """400: Tavus refused the request's content."""


class NotFoundError(TavusStatusError):
    """404, or Tavus's 400 'Invalid conversation_id' for an unknown id."""


class ConcurrencyLimitError(TavusStatusError):
    """The account already has its maximum of active conversations."""


class OutOfCreditsError(TavusStatusError):
    """402: the account has no conversational credits left."""


class RateLimitError(TavusStatusError):
    """429: slow down; retry_after is Tavus's Retry-After in seconds, when it sent one."""

    def __init__(
        self, message: str, *, status: int, body: object = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status, body=body)
        self.retry_after = retry_after


class ServerError(TavusStatusError):
    """5xx: Tavus failed; the request may be retried."""


class UnreadableAnswerError(ServerError):
    """Tavus answered 2xx with a body that is not JSON: it did act on the request."""


class ConversationNotActiveError(ValidationError):
    """400/410 from send-app-message: the conversation has ended or its room is gone."""


class AppMessageNotDeliveredError(ServerError):
    """502 from send-app-message, still so after our retries: nothing was delivered, so sending
    the same message again later is safe."""


class AppMessageMaybeDeliveredError(TavusError):
    """send-app-message may have reached the interviewer: Tavus answered 504 (or another 5xx), or
    the connection broke or timed out after the request left. Tavus offers no way to check, so
    never re-send on your own: tell the person and let them decide. Deliberately not a
    ServerError or TavusConnectionError, so that generic retry handlers do not catch it."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message, status=status)


# Tavus answers 400 "Invalid <kind>_id" for an unknown id, also when a create refers to one.
INVALID_ID = (
    "invalid conversation",
    "invalid persona",
    "invalid objectives",
    "invalid guardrails",
    "invalid document",
)


def error_message(response: httpx.Response) -> tuple[str, object]:
    """Tavus's message: auth errors use `message`, validation errors `error`."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()[:300]
        return text or response.reason_phrase or "no message", text
    if isinstance(body, dict):
        for key in ("error", "message", "detail"):
            if isinstance(body.get(key), str) and body[key]:
                return body[key], body
    return str(body)[:300], body


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Retry-After as seconds; an HTTP date or garbage counts as absent."""
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def status_error(response: httpx.Response, workspace: str | None = None) -> TavusStatusError:
    """Map an error answer onto the ladder; a refused key is the workspace's own when `workspace`."""
    status = response.status_code
    message, body = error_message(response)
    lowered = message.lower()
    kwargs = {"status": status, "body": body}
    if status in (401, 403) and workspace:
        logging.getLogger("bot.tavus").error(
            "Tavus refused workspace %s's own API key (%s)", workspace, status
        )
        return WorkspaceKeyError(message, **kwargs)
    if status in (401, 403):
        return AuthenticationError(message, **kwargs)
    if status == 402 or "credit" in lowered:
        return OutOfCreditsError(message, **kwargs)
    if status == 429:
        return RateLimitError(message, retry_after=retry_after_seconds(response), **kwargs)
    if status == 410 or "active conversations" in lowered or "no longer available" in lowered:
        return ConversationNotActiveError(message, **kwargs)
    if "concurrent" in lowered:
        return ConcurrencyLimitError(message, **kwargs)
    if status == 404 or (status == 400 and lowered.startswith(INVALID_ID)):
        return NotFoundError(message, **kwargs)
    if status >= 500:
        return ServerError(message, **kwargs)
    return ValidationError(message, **kwargs)
