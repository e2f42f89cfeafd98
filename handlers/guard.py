"""Every listener behind one guard, and the safe readers of a payload's team, user and channel.

Bolt answers 500 when a listener raises before its ack, and 404 after 3 s when one raises within
~10 ms after it: slack_bolt/listener/asyncio_runner.py's error path sets `ack.response` back to None
for an acked request while its wait loop polls every 10 ms. So no exception leaves a listener here:
one before the ack is acked (an empty 200), and after it the person is told in a sentence (an
ephemeral reply through response_url, else a DM) and the failure is logged. Payloads are read with
what Slack may leave out in mind: `team` is null in an org-wide install (the team is then in
`user.team_id` or the view), a view's `state` may be `{}`, a command may come without a channel."""

from __future__ import annotations

import contextlib
import inspect
import logging
from typing import Any

log = logging.getLogger(__name__)

FAILED = (
    ":warning: Something went wrong on our side while doing that (it is logged for the app's admin). "
    "Please try again in a minute."
)
REGISTRARS = ("action", "command", "event", "function", "options", "shortcut", "view")
ARGS = ("ack", "body", "respond", "client", "event", "context")


def team_of(body: dict) -> str | None:
    """The workspace, the way Bolt finds it (`team` may be null in an org-wide install)."""
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    team = body.get("team")
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    found = (
        view.get("app_installed_team_id")
        or (team.get("id") if isinstance(team, dict) else team)
        or body.get("team_id")
        or user.get("team_id")
        or view.get("team_id")
    )
    return found if isinstance(found, str) and found else None


def user_of(body: dict) -> str | None:
    user = body.get("user")
    found = user.get("id") if isinstance(user, dict) else body.get("user_id")
    return found if isinstance(found, str) and found else None


def values_of(view: dict | None) -> dict:
    """A view's input values; `{}` when Slack sent none (`state: {}`)."""
    state = (view or {}).get("state")
    values = state.get("values") if isinstance(state, dict) else None
    return values if isinstance(values, dict) else {}


def action_value(body: dict) -> str:
    """The clicked element's value, or "" when the payload has none."""
    actions = body.get("actions")
    first = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
    return str(first.get("value") or "")


def submission_key(view: dict) -> str:
    """The same view at the same hash submitted twice is one double click."""
    return f"view:{view.get('id')}:{view.get('hash')}"


async def queue(deps, job) -> None:
    """A listener's work after its ack, queued before it (a web process dying after its ack loses
    nothing); a worker runs it (bot/services/access/answers.py says where it answers)."""
    await deps.db.add_jobs([job])
    deps.outbox.kick()  # a worker in this process (tests, the playground); others see the commit


class Guarded:
    """The Bolt app as handlers/ sees it: every listener registered through it is guarded."""

    def __init__(self, app: Any) -> None:
        self._app = app

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._app, name)
        if name not in REGISTRARS:
            return attr

        def register(*args: Any, **kwargs: Any):
            attach = attr(*args, **kwargs)
            return lambda fn: attach(guarded(fn))

        return register


def guarded(fn):
    """`fn` with the arguments it names, inside the guard described above."""
    named = list(inspect.signature(fn).parameters)
    if unknown := set(named) - set(ARGS):  # at registration, not at the first click
        raise TypeError(f"{fn.__name__} asks for {sorted(unknown)}; the guard passes only {ARGS}")
    wanted = [a for a in ARGS if a in named]

    async def listener(ack, body, respond, client, event, context) -> None:
        given = {"ack": ack, "body": body, "respond": respond, "client": client, "event": event}
        given["context"] = context
        if body.get("type") != "event_callback" and not (team_of(body) and user_of(body)):
            log.warning(
                "a Slack request without a workspace or user (%s) was acknowledged and ignored", fn.__name__
            )
            if ack.response is None:
                await ack()
            return
        try:
            await fn(**{a: given[a] for a in wanted})
        except Exception as exc:
            log.error("listener %s failed: %s", fn.__name__, exc, exc_info=exc)
            if ack.response is None:
                await ack()
            if body.get("type") != "event_callback":  # an event is nobody's click: the log is enough
                await tell(body, respond, client)

    listener.__name__ = fn.__name__
    return listener


async def tell(body: dict, respond, client) -> None:
    """The failure in a sentence: where the click came from when Slack gave a response_url, else a DM."""
    with contextlib.suppress(Exception):
        if body.get("response_url") or body.get("response_urls"):
            await respond(text=FAILED, response_type="ephemeral", replace_original=False)
            return
    try:
        await client.chat_postMessage(channel=user_of(body), text=FAILED)
    except Exception as exc:
        log.warning("could not tell the person that their request failed: %s", exc)
