"""Thin Bolt listeners (and Bolt's OAuth stores, oauth.py): ack, parse, call bot/services, render with
bot/slack's builders; records come from bot.records, never from bot.store, and Tavus only through services."""

from __future__ import annotations

from bot.deps import Deps
from handlers import (
    actions,
    commands,
    events,
    forget,
    notes,
    openings,
    persona_edit,
    persona_test,
    requests,
    settings,
    steps,
    views,
)
from handlers.guard import Guarded


def register_listeners(app, deps: Deps) -> None:
    """Attach every listener to the Bolt app, each behind the guard (handlers/guard.py)."""
    app = Guarded(app)
    commands.register(app, deps)
    views.register(app, deps)
    actions.register(app, deps)
    events.register(app, deps)
    settings.register(app, deps)
    persona_edit.register(app, deps)
    forget.register(app, deps)
    notes.register(app, deps)
    persona_test.register(app, deps)
    steps.register(app, deps)
    openings.register(app, deps)
    requests.register(app, deps)
