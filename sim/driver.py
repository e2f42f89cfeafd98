"""SlackDriver: plays Slack's client side against the app, signing requests exactly as Slack does.

It sends slash commands (form-encoded), interactivity (`payload=` JSON) and events (JSON) to the
app's /slack/events, and applies the app's answers to the Slack stand-in's state the way Slack
would (a view_submission's `response_action`, an ack's ephemeral message).
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from sim.slack_state import SlackState, new_ts


def text_value(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def select_value(value: str | None, kind: str = "static_select") -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": value}, "value": value} if value else None
    return {"type": kind, "selected_option": option}


def checks_value(*values: str) -> dict[str, Any]:
    return {
        "type": "checkboxes",
        "selected_options": [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values],
    }


def user_value(user: str | None) -> dict[str, Any]:
    return {"type": "users_select", "selected_user": user}


def channel_value(channel: str | None) -> dict[str, Any]:
    return {"type": "conversations_select", "selected_conversation": channel}


def number_value(value: str | None) -> dict[str, Any]:
    return {"type": "number_input", "value": value}


def form_values(**fields: dict[str, Any]) -> dict[str, Any]:
    """view.state.values from block_id=action dicts (every input's action_id is "value")."""
    return {block_id: {"value": action} for block_id, action in fields.items()}


class SlackDriver:
    def __init__(
        self, app_url: str, signing_secret: str, state: SlackState, slack_url: str, *, timeout: float = 10.0
    ) -> None:
        self.app_url = app_url.rstrip("/")
        self.verifier = SignatureVerifier(signing_secret)
        self.state = state
        self.slack_url = slack_url.rstrip("/")
        self.http = httpx.Client(timeout=timeout)
        self.clock_skew = 0  # seconds added to the signature timestamp (replay tests)
        self.owners: dict[str, tuple[str, str | None]] = {}  # response_url -> (user, channel)

    def close(self) -> None:
        self.http.close()

    def headers(self, body: str, content_type: str) -> dict[str, str]:
        ts = str(int(time.time()) + self.clock_skew)
        return {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": self.verifier.generate_signature(timestamp=ts, body=body),
        }

    def post(self, body: str, content_type: str, extra: dict[str, str] | None = None) -> httpx.Response:
        headers = self.headers(body, content_type) | (extra or {})
        return self.http.post(f"{self.app_url}/slack/events", content=body.encode(), headers=headers)

    def response_url(self, kind: str = "commands") -> str:
        return f"{self.slack_url}/hooks/{kind}/{self.state.team_id}/{secrets.token_hex(6)}"

    def command(
        self,
        text: str,
        *,
        user: str = "U0OWNER1",
        channel: str = "C0GENERAL",
        command: str = "/tavus",
        team: str | None = None,
    ) -> httpx.Response:
        """Send a slash command; the ack's ephemeral answer is recorded as a response too."""
        response_url = self.response_url()
        self.owners[response_url] = (user, channel)
        channel_name = self.state.channels[channel].name if channel in self.state.channels else "x"
        form = {
            "token": "legacy",
            "team_id": team or self.state.team_id,
            "team_domain": "acme",
            "channel_id": channel,
            "channel_name": channel_name,
            "user_id": user,
            "user_name": self.state.users.get(user, {}).get("name", "someone"),
            "command": command,
            "text": text,
            "api_app_id": "A0APP0001",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": self.state.new_trigger(user),
        }
        response = self.post(urlencode(form), "application/x-www-form-urlencoded")
        response.response_url = response_url  # type: ignore[attr-defined]
        if response.status_code == 200 and response.content:
            # Slack shows a JSON ack as a message, and a plain-text ack as its text
            is_json = response.headers.get("content-type", "").startswith("application/json")
            body = response.json() if is_json else {"text": response.text}
            entry = {"url": response_url, "body": body, "at": time.time(), "from_ack": True}
            # the ack left the app before any later respond() to the same URL: keep that order
            later = [i for i, r in enumerate(self.state.responses) if r["url"] == response_url]
            self.state.responses.insert(later[0] if later else len(self.state.responses), entry)
        return response

    def interact(self, payload: dict[str, Any]) -> httpx.Response:
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def _base(self, kind: str, user: str, team: str | None) -> dict[str, Any]:
        team = team or self.state.team_id
        return {
            "type": kind,
            "team": {"id": team, "domain": "acme"},
            "enterprise": None,
            "user": {
                "id": user,
                "username": self.state.users.get(user, {}).get("name", "x"),
                "name": "x",
                "team_id": team,
            },
            "api_app_id": "A0APP0001",
            "token": "legacy",
            "trigger_id": self.state.new_trigger(user),
            "is_enterprise_install": False,
        }

    def click(
        self,
        action_id: str,
        value: str | None = None,
        *,
        user: str = "U0OWNER1",
        message: dict[str, Any] | None = None,
        channel: str | None = None,
        view_id: str | None = None,
        ephemeral: bool = False,
        team: str | None = None,
        response_url: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> httpx.Response:
        """Click a button in a channel message, an ephemeral message or a view (modal or Home);
        in a view, `values` is what the person has typed so far (Slack sends it as view.state)."""
        payload = self._base("block_actions", user, team)
        action = {
            "action_id": action_id,
            "block_id": "b",
            "type": "button",
            "action_ts": new_ts(),
            "text": {"type": "plain_text", "text": action_id},
        }
        if value is not None:
            action["value"] = value
        payload["actions"] = [action]
        if view_id:
            view = self.state.views[view_id]
            payload["container"] = {"type": "view", "view_id": view_id}
            payload["view"] = {**view, "state": {"values": values}} if values is not None else view
        else:
            ts = (message or {}).get("ts", new_ts())
            payload["container"] = {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            }
            payload["channel"] = {"id": channel, "name": "x"}
            payload["message"] = message or {"ts": ts, "text": "", "blocks": []}
            # a click in an ephemeral message may replace that message through its response_url
            payload["response_url"] = response_url or self.response_url("actions")
            self.owners.setdefault(payload["response_url"], (user, channel))
        return self.interact(payload)

    def submit(
        self, view_id: str, values: dict[str, Any], *, user: str = "U0OWNER1", team: str | None = None
    ) -> httpx.Response:
        """Submit a modal, then apply response_action to the stand-in's view as Slack would."""
        view = self.state.views[view_id]
        payload = self._base("view_submission", user, team)
        payload["view"] = {**view, "state": {"values": values}}
        payload["response_urls"] = []
        response = self.interact(payload)
        body = response.json() if response.content and response.status_code == 200 else {}
        if self.state.views.get(view_id, {}).get("hash") != view.get("hash"):
            return response  # the app's views.update got there first; Slack keeps the newer view
        if body.get("response_action") == "update":
            self.state.views[view_id] = {
                **body["view"],
                "id": view_id,
                "hash": f"{time.time():.6f}.u",
                "user_id": view.get("user_id"),
                "state": {"values": {}},
            }
        elif body.get("response_action") != "errors":
            self.state.views.pop(view_id, None)  # an empty ack or "clear" closes the modal
        return response

    def event(
        self, event: dict[str, Any], *, retry_num: int | None = None, event_id: str | None = None
    ) -> httpx.Response:
        body = {
            "token": "legacy",
            "team_id": self.state.team_id,
            "api_app_id": "A0APP0001",
            "type": "event_callback",
            "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [
                {"team_id": self.state.team_id, "user_id": self.state.bot_user, "is_bot": True}
            ],
        }
        extra = (
            {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
            if retry_num
            else None
        )
        return self.post(json.dumps(body), "application/json", extra)

    def home_opened(self, user: str = "U0OWNER1") -> httpx.Response:
        return self.event(
            {
                "type": "app_home_opened",
                "user": user,
                "channel": "D" + user[1:],
                "tab": "home",
                "event_ts": new_ts(),
            }
        )

    def latest_view(self, callback_id: str, user: str = "U0OWNER1") -> dict[str, Any] | None:
        """The newest open modal with this callback_id for this user."""
        views = [
            v
            for v in list(self.state.views.values())  # the stand-in adds views meanwhile
            if v.get("callback_id") == callback_id and v.get("user_id") in (user, None)
        ]
        return views[-1] if views else None
