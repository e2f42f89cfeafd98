"""The workspace the Slack stand-in keeps: users, channels, messages, views, triggers."""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

_counter = itertools.count(1)


def new_ts() -> str:
    return f"{time.time():.0f}.{next(_counter):06d}"


def new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(5).upper()


def make_user(
    uid: str,
    team_id: str,
    name: str,
    real_name: str,
    *,
    admin: bool = False,
    owner: bool = False,
    bot: bool = False,
) -> dict[str, Any]:
    return {
        "id": uid,
        "team_id": team_id,
        "name": name,
        "real_name": real_name,
        "is_admin": admin,
        "is_owner": owner,
        "is_bot": bot,
        "deleted": False,
        "tz": "Europe/London",
        "profile": {"real_name": real_name, "display_name": name},
    }


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    members: set[str] = field(default_factory=set)
    is_im: bool = False
    is_mpim: bool = False
    is_archived: bool = False
    created: int = 1_700_000_000

    def info(self, bot_user: str = "", *, num_members: bool = False) -> dict[str, Any]:
        """What conversations.info says of it, field for field as Slack does (a DM has no name,
        a group DM is a private "group" named mpdm-…)."""
        if self.is_im:
            user = next((m for m in self.members if m != bot_user), self.name)
            return {
                "id": self.id,
                "created": self.created,
                "is_archived": self.is_archived,
                "is_im": True,
                "is_org_shared": False,
                "user": user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": self.is_mpim,
            "is_private": self.is_private,
            "created": self.created,
            "is_archived": self.is_archived,
            "is_general": self.name == "general",
            "unlinked": 0,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "context_team_id": "",
            "creator": "U0ADMIN1",
            "is_member": bot_user in self.members,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
            # only with include_num_members=true, as Slack documents it
            **({"num_members": len(self.members)} if num_members else {}),
        }


@dataclass
class SlackState:
    team_id: str = "T0ACME01"
    team_name: str = "Acme"
    bot_token: str = "xoxb-sim-token"
    bot_user: str = "U0BOT0001"
    bot_id: str = "B0BOT0001"
    scopes: set[str] = field(
        default_factory=lambda: {
            "commands",
            "chat:write",
            "chat:write.public",
            "im:write",
            "users:read",
            "channels:read",
            "groups:read",
            "calls:write",
            "files:read",
            "files:write",
            "canvases:write",
        }
    )
    trigger_ttl: float = 3.0
    client_id: str = "1111.2222"
    client_secret: str = "sim-client-secret"
    oauth_codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    installed: dict[str, dict[str, Any]] = field(default_factory=dict)  # bot token -> workspace
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    deleted: list[dict[str, Any]] = field(default_factory=list)  # chat.delete calls
    ephemeral: list[dict[str, Any]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    home: dict[str, dict[str, Any]] = field(default_factory=dict)
    triggers: dict[str, list[Any]] = field(default_factory=dict)  # id -> [issued_at, used, user]
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    faults: list[dict[str, Any]] = field(default_factory=list)
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)  # file id -> upload (sim/slack_files.py)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # completed uploads
    canvases: dict[str, dict[str, Any]] = field(default_factory=dict)
    free_teams: set[str] = field(default_factory=set)  # workspaces on Slack's free plan

    def __post_init__(self) -> None:
        if self.users:
            return
        t = self.team_id
        for user in (
            make_user("U0OWNER1", t, "olivia", "Olivia Owner"),
            make_user("U0ADMIN1", t, "ada", "Ada Admin", admin=True),
            make_user("U0OTHER1", t, "oscar", "Oscar Other"),
            make_user("U0CAND01", t, "casey", "Casey Candidate"),
            make_user(self.bot_user, t, "tavus", "Tavus", bot=True),
        ):
            self.users[user["id"]] = user
        everyone = {u for u in self.users if u != self.bot_user}
        self.channels["C0GENERAL"] = Channel("C0GENERAL", "general", members=set(everyone))
        self.channels["C0HIRING1"] = Channel("C0HIRING1", "hiring", members=set(everyone) | {self.bot_user})
        self.channels["G0PRIVATE"] = Channel(
            "G0PRIVATE", "secret-hiring", is_private=True, members={"U0OWNER1", "U0ADMIN1"}
        )

    def new_trigger(self, user: str | None = None) -> str:
        trigger = f"{int(time.time())}.{next(_counter)}.{secrets.token_hex(8)}"
        self.triggers[trigger] = [time.monotonic(), False, user]
        return trigger

    def use_trigger(self, trigger: str | None) -> tuple[str | None, str | None]:
        """(error, user): error is None when the trigger is good (and now spent)."""
        entry = self.triggers.get(trigger or "")
        if entry is None:
            return "invalid_trigger_id", None
        if entry[1]:
            return "exchanged_trigger_id", entry[2]
        if time.monotonic() - entry[0] > self.trigger_ttl:
            return "expired_trigger_id", entry[2]
        entry[1] = True
        return None, entry[2]

    def dm_channel(self, user_id: str) -> Channel:
        cid = "D" + user_id[1:]
        if cid not in self.channels:
            self.channels[cid] = Channel(
                cid, user_id, is_private=True, is_im=True, members={user_id, self.bot_user}
            )
        return self.channels[cid]

    def group_dm(self, *user_ids: str) -> Channel:
        """A group DM of these people (the app's slash command works in one; its bot is no member)."""
        names = "--".join(self.users[u]["name"] for u in user_ids)
        cid = "G0MPDM" + str(len(self.channels)).zfill(3)
        self.channels[cid] = Channel(
            cid, f"mpdm-{names}-1", is_private=True, is_mpim=True, members=set(user_ids)
        )
        return self.channels[cid]

    def find_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)

    def take_fault(
        self, method: str, kinds: tuple[str, ...] = ("status",), channel: str | None = None
    ) -> dict[str, Any] | None:
        """The next fault for `method` of one of `kinds` (status: an answer; reset, stall: the
        connection breaks before Slack acts, at once or after `seconds`); a fault with a
        `channel` applies to calls on that channel only."""
        for fault in self.faults:
            kind = fault.get("kind", "status")
            if fault.get("channel") not in (None, channel):
                continue
            if kind in kinds and fault["method"] in (method, "*") and fault.get("times", 1) > 0:
                fault["times"] = fault.get("times", 1) - 1
                return fault
        return None

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [c for c in self.log if c["method"] == method]
