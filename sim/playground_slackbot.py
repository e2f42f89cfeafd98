"""What Slack itself answers in the playground, without asking any app: `/invite @someone` (people
and apps join the channel) and Slackbot's "not a valid command"."""

from __future__ import annotations

import re
import time
from typing import Any

from sim.slack_state import SlackState, new_ts

MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>|@([\w.-]+)")


def slackbot(body: dict[str, Any], text: str) -> dict[str, Any]:
    """An ephemeral message from Slackbot to the person who typed the command."""
    return {
        "user": body.get("user", "U0OWNER1"),
        "channel": body.get("channel", "C0GENERAL"),
        "text": text,
        "message_ts": new_ts(),
        "at": time.time(),
        "from": "Slackbot",
    }


def not_a_command(command: str, body: dict[str, Any]) -> dict[str, Any]:
    """Slackbot's own answer to a slash command no app in the workspace has."""
    return slackbot(
        body,
        f"`{command[:40]}` is not a valid command. In Slack, all messages that start with the "
        '"/" character are interpreted as commands.\n\nIf you are trying to send a message that '
        'starts with a "/" character, try adding a space before it.',
    )


def find_user(state: SlackState, found: re.Match) -> dict[str, Any] | None:
    if found.group(1):
        return state.users.get(found.group(1))
    name = found.group(2).lower()
    return next(
        (u for u in state.users.values() if name in (u["name"].lower(), u["real_name"].lower())),
        None,
    )


def invite(state: SlackState, body: dict[str, Any], text: str) -> None:
    """`/invite @name…` as Slack does it: each person or app named joins the channel, which shows
    it; the app hears nothing (this app subscribes to no membership event)."""
    user, channel_id = body.get("user", "U0OWNER1"), body.get("channel", "C0GENERAL")
    channel = state.channels.get(channel_id)
    if channel is None or channel.is_im or user not in channel.members:
        state.ephemeral.append(slackbot(body, "You can only invite people to a channel you are in."))
        return
    named = list(MENTION.finditer(text))
    if not named:
        state.ephemeral.append(
            slackbot(body, "To add someone, type `/invite @name` (an app too: `/invite @Tavus`).")
        )
        return
    for found in named:
        who = find_user(state, found)
        if who is None:
            state.ephemeral.append(
                slackbot(body, f"No one in this workspace is called `{found.group(0)[:40]}`.")
            )
        elif who["id"] in channel.members:
            state.ephemeral.append(slackbot(body, f"<@{who['id']}> is already in this channel."))
        else:
            channel.members.add(who["id"])
            joined = {
                "ts": new_ts(),
                "type": "message",
                "subtype": "channel_join",
                "user": who["id"],
                "inviter": user,
                "text": f"<@{who['id']}> has joined the channel",
                "at": time.time(),
            }
            state.messages.setdefault(channel.id, []).append(joined)
