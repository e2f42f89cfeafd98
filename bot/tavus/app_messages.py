"""Send App Message: talk to a live conversation from the server, never twice by accident.

`POST /v2/conversations/{id}/send-app-message` answers 200 (queued), 400 when the conversation is
not active, 413 over 64 KiB, 429 when rate limited, 502 when nothing was delivered (retry), and
504 when the message may have been delivered (check before retrying: Tavus offers no way to).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import Field

from bot.tavus import errors
from bot.tavus.models import TavusModel
from bot.tavus.transport import check_id

log = logging.getLogger(__name__)

MAX_APP_MESSAGE_BYTES = 65_536  # Tavus answers 413 above this
APPEND_LLM_CONTEXT = (
    "conversation.append_llm_context"  # the interviewer weighs it, the candidate hears nothing
)
NOT_DELIVERED = 502  # "could not be delivered. Please retry."


class AppMessage(TavusModel):
    """An interaction sent to a conversation: `{message_type, event_type, conversation_id, properties}`."""

    message_type: str = "conversation"
    event_type: str
    conversation_id: str
    properties: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def append_llm_context(cls, conversation_id: str, context: str) -> AppMessage:
        """A note the interviewer takes into account from its next turn on."""
        if not context.strip():
            raise ValueError("the note to the interviewer is empty")
        return cls(
            event_type=APPEND_LLM_CONTEXT, conversation_id=conversation_id, properties={"context": context}
        )


class AppMessagesMixin:
    """TavusClient's send-app-message methods (the client supplies the plumbing used below)."""

    if TYPE_CHECKING:
        _max_retries: int
        _sleep: Callable[[float], Any]

        async def _once(self, method: str, path: str, *, json: Any, params: dict[str, Any] | None) -> Any: ...

        def _delay(self, attempt: int, retry_after: float | None) -> float: ...

    async def append_llm_context(
        self, conversation_id: str, context: str, *, retries: int | None = None, max_wait: float | None = None
    ) -> None:
        """Give a live interviewer a note (`conversation.append_llm_context`); see send_app_message."""
        await self.send_app_message(
            AppMessage.append_llm_context(conversation_id, context), retries=retries, max_wait=max_wait
        )

    async def send_app_message(
        self, message: AppMessage, *, retries: int | None = None, max_wait: float | None = None
    ) -> None:
        """Send once; retried only when Tavus surely did not deliver it (429, 502, refused).
        Raises ConversationNotActiveError (ended or gone), ValidationError (413 and other 4xx),
        RateLimitError / AppMessageNotDeliveredError / TavusConnectionError(maybe_sent=False) when
        retries ran out with nothing delivered, and AppMessageMaybeDeliveredError after a 504,
        another 5xx, a timeout or a broken connection: never re-send that on your own.
        `retries` caps the retries (the client's own count by default); `max_wait` gives up at once,
        rather than sleep, when the next try would be further away (a person is waiting)."""
        body = message.to_json()
        size = len(json.dumps(body).encode())
        if size > MAX_APP_MESSAGE_BYTES:
            raise errors.ValidationError(
                f"the message is {size} bytes; Tavus takes at most 65536", status=413
            )
        path = f"/conversations/{check_id(message.conversation_id)}/send-app-message"
        last = self._max_retries if retries is None else max(0, retries)
        for attempt in range(last + 1):
            try:
                await self._once("POST", path, json=body, params=None)
                return
            except errors.UnreadableAnswerError:
                return  # a 2xx whose body we cannot read: Tavus accepted the message
            except errors.ServerError as exc:
                if exc.status != NOT_DELIVERED:
                    raise _maybe_delivered(exc) from exc
                failure: errors.TavusError = errors.AppMessageNotDeliveredError(
                    exc.message, status=exc.status, body=exc.body
                )
            except errors.TavusConnectionError as exc:
                if exc.maybe_sent:
                    raise _maybe_delivered(exc) from exc
                failure = exc
            except errors.RateLimitError as exc:
                failure = exc
            if attempt == last:
                raise failure
            delay = self._delay(attempt, getattr(failure, "retry_after", None))
            if max_wait is not None and delay > max_wait:
                raise failure  # the caller tells the person when to try again instead
            log.info("app message to %s not delivered (%s); retrying in %.2fs", path, failure, delay)
            await self._sleep(delay)


def _maybe_delivered(exc: errors.TavusError) -> errors.AppMessageMaybeDeliveredError:
    status = exc.status if isinstance(exc, errors.TavusStatusError) else None
    why = exc.message if status else str(exc)
    return errors.AppMessageMaybeDeliveredError(
        f"the message may have reached the interviewer ({why}); it was not sent again", status=status
    )
