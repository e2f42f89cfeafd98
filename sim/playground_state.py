"""What the playground page shows one user: channels, messages and threads, their ephemeral
messages, their open modal and Home tab, and the simulated Tavus calls."""

from __future__ import annotations

from typing import Any

from sim.driver import SlackDriver
from sim.slack_state import SlackState
from sim.tavus_state import TavusState


def visible_channels(state: SlackState, user: str) -> list[dict[str, Any]]:
    return [
        {**c.info(), "member": user in c.members}
        for c in state.channels.values()
        if not c.is_im and (not c.is_private or user in c.members)
    ]


def threaded(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Top-level messages, each with its thread replies in `replies`."""
    tops = [dict(m, replies=[]) for m in messages if not m.get("thread_ts")]
    by_ts = {m["ts"]: m for m in tops}
    for m in messages:
        parent = by_ts.get(m.get("thread_ts") or "")
        if parent is not None:
            parent["replies"].append(m)
    return tops


def ephemeral_for(state: SlackState, driver: SlackDriver, user: str) -> dict[str, list[dict[str, Any]]]:
    """Messages only `user` sees, by channel: a response_url's replace_original edits in place."""
    shown: dict[str, list[dict[str, Any]]] = {}
    for response in state.responses:
        owner, channel = driver.owners.get(response["url"], (None, None))
        if owner != user or channel is None:
            continue
        body, entries = response["body"], shown.setdefault(channel, [])
        mine = [e for e in entries if e["response_url"] == response["url"]]
        if body.get("delete_original") and mine:
            entries.remove(mine[-1])
        elif body.get("replace_original") and mine:
            mine[-1].update(text=body.get("text", ""), blocks=body.get("blocks") or [])
        else:
            entries.append(
                {
                    "response_url": response["url"],
                    "text": body.get("text", ""),
                    "blocks": body.get("blocks") or [],
                    "at": response["at"],
                    "from": body.get("from"),
                }
            )
    for item in state.ephemeral:
        if item.get("user") == user:
            shown.setdefault(item["channel"], []).append(
                {
                    "response_url": None,
                    "text": item.get("text", ""),
                    "blocks": item.get("blocks") or [],
                    "at": item.get("at") or float(item.get("message_ts") or 0),
                    "from": item.get("from"),
                }
            )
    for entries in shown.values():  # in time order, as Slack shows them among the channel's messages
        entries.sort(key=lambda e: e["at"])
    return shown


def open_modal(state: SlackState, user: str) -> dict[str, Any] | None:
    modals = [v for v in state.views.values() if v.get("type") == "modal" and v.get("user_id") == user]
    return modals[-1] if modals else None


def open_canvas(state: SlackState, canvas_id: str, user: str) -> tuple[dict[str, Any] | None, str]:
    """(the canvas, "") if `user` may read it, as Slack's access list says: the user, or a channel
    they are in; (None, why) otherwise."""
    canvas = state.canvases.get(canvas_id)
    if canvas is None:
        return None, "This canvas was deleted."
    readers = canvas.get("access") or {}
    channels = [state.channels.get(c) for c in readers if c[:1] in "CGD"]
    if user in readers or any(c is not None and user in c.members for c in channels):
        return canvas, ""
    return None, "You don't have access to this canvas. Ask its owner to share it with you."


def in_call_names(tavus: TavusState, conv) -> dict[str, list[str]]:
    """The persona's objectives and guardrails, for the panel's buttons that play them in a call."""
    persona = tavus.personas.get(conv.body.get("persona_id") or "", {})
    objectives = tavus.objectives.get(persona.get("objectives_id") or "") or {"data": []}
    guardrails = tavus.guardrails.get(persona.get("guardrails_id") or "") or {"data": []}
    return {
        "objectives": [o["objective_name"] for o in objectives["data"]],
        "guardrails": [g["guardrail_name"] for g in guardrails["data"]],
    }


def page_state(
    state: SlackState,
    driver: SlackDriver,
    user: str,
    errors: dict[str, dict[str, str]],
    tavus: TavusState | None,
) -> dict[str, Any]:
    modal = open_modal(state, user)
    dm = state.channels.get("D" + user[1:])
    return {
        "me": user,
        "team": {"id": state.team_id, "name": state.team_name},
        "users": [
            {k: u[k] for k in ("id", "name", "real_name", "is_admin", "is_bot")} for u in state.users.values()
        ],
        "channels": visible_channels(state, user),
        "messages": {
            cid: threaded(msgs)
            # a copy: the stand-in's thread adds channels while the page is drawn
            for cid, msgs in list(state.messages.items())
            if cid in {c["id"] for c in visible_channels(state, user)}
        },
        "dm": threaded(state.messages.get(dm.id, [])) if dm else [],
        "ephemeral": ephemeral_for(state, driver, user),
        "modal": modal,
        "modal_errors": errors.get(modal["id"], {}) if modal else {},
        "home": state.home.get(user),
        "tavus": None
        if tavus is None
        else [
            {
                "conversation_id": c.conversation_id,
                "name": c.body.get("conversation_name"),
                "status": c.status,
                "joined": c.joined,
                "url": c.body.get("conversation_url"),
                **in_call_names(tavus, c),
            }
            for c in tavus.conversations.values()
        ],
    }
