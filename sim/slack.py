"""A local stand-in for Slack's Web API and response_url hooks, served over real HTTP.

It answers like slack.com: HTTP 200 with `{"ok": false, "error": ...}` for failures, HTTP 429 with
Retry-After only for rate limits; it checks the bot token, channel membership, single-use
trigger_ids that expire, and Block Kit limits, and it records every call in `state.log`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sim.blockkit import blocks_problem, view_problem
from sim.slack_files import SlackFiles, public
from sim.slack_state import SlackState, new_id, new_ts
from sim.slack_tiers import RateTiers, retry_after
from sim.slack_workflows import SlackWorkflows, metadata_problem

JSON_FIELDS = ("blocks", "view", "attachments", "users", "metadata", "outputs")
MAX_TEXT = 40_000


class SlackSimulator(SlackFiles, SlackWorkflows):
    def __init__(self, state: SlackState | None = None, *, tiers: bool = False) -> None:
        self.state = state or SlackState()
        self.tiers = RateTiers() if tiers else None  # Slack's rate tiers, when asked for
        self.bot_token = self.state.bot_token  # what a reset goes back to
        self.api_app = Starlette(
            routes=[
                Route("/api/{method}", self.api, methods=["POST", "GET"]),
                Route("/hooks/{rest:path}", self.hook, methods=["POST"]),
                Route("/_sim/state", self.dump, methods=["GET"]),
                Route("/_sim/trigger", self.trigger, methods=["POST"]),
                Route("/_sim/faults", self.fault, methods=["POST"]),
                Route("/_sim/reset", self.reset, methods=["POST"]),
                Route("/_sim/stats", self.stats, methods=["GET"]),
                Route("/_sim/oauth_code", self.oauth_code, methods=["POST"]),
                Route("/_sim/revoke", self.revoke, methods=["POST"]),
                Route("/_sim/tiers", self.set_tiers, methods=["POST"]),
                *self.file_routes(),
            ]
        )

    @property
    def app(self):
        """The ASGI app: the Web API behind the connection faults."""
        return _ConnectionFaults(self)

    async def faulty(self, scope, receive, send) -> None:
        """Connection faults the way networks fail: `reset` breaks the connection before Slack
        acts; `stall` holds it `seconds` (past the client's timeout), then breaks it unanswered;
        `lost` lets Slack act, then breaks the connection before its answer arrives."""
        path = scope.get("path", "") if scope["type"] == "http" else ""
        fault = (
            self.state.take_fault(path.rsplit("/", 1)[-1], ("reset", "stall", "lost"))
            if path.startswith("/api/")
            else None
        )
        if fault is None:
            return await self.api_app(scope, receive, send)
        if fault["kind"] == "lost":

            async def unheard(message) -> None:
                return None

            await self.api_app(scope, receive, unheard)
        self.state.log.append(
            {"method": path.rsplit("/", 1)[-1], "args": {}, "at": time.time(), "result": fault["kind"]}
        )
        if fault["kind"] == "stall":
            await asyncio.sleep(float(fault.get("seconds", 15)))
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", b"1000"), (b"content-type", b"application/json")],
            }
        )
        raise ConnectionAbortedError("simulated connection reset")

    async def reset(self, request: Request) -> Response:
        self.state = SlackState(bot_token=self.bot_token)
        if self.tiers is not None:
            self.tiers = RateTiers(scale=self.tiers.scale)
        return JSONResponse({"ok": True})

    async def set_tiers(self, request: Request) -> Response:
        """Turn Slack's rate tiers on (`{"on": true}`, `"scale": 10` for ten times the rates) or off."""
        args = await _args(request)
        on = bool(args.get("on", True))
        self.tiers = RateTiers(scale=float(args.get("scale", 1.0))) if on else None
        return JSONResponse({"ok": True, "tiers": on})

    def rate_limited(self, team: str, method: str, args: dict) -> Response | None:
        """Slack's 429 with Retry-After when the call is over its tier, else None."""
        if self.tiers is None:
            return None
        wait = self.tiers.check(team, method, args.get("channel"))
        if not wait:
            return None
        return JSONResponse(
            {"ok": False, "error": "ratelimited"}, status_code=429, headers={"Retry-After": retry_after(wait)}
        )

    async def api(self, request: Request) -> Response:
        method = request.path_params["method"]
        args = await _args(request)
        token = request.headers.get("authorization", "").removeprefix("Bearer ") or args.get("token")
        grant = self.state.installed.get(token or "")
        entry = {
            "method": method,
            "args": args,
            "at": time.time(),
            "team": grant["team_id"] if grant else self.state.team_id,
        }
        self.state.log.append(entry)
        if (limited := self.rate_limited(entry["team"], method, args)) is not None:
            entry["result"] = "ratelimited"
            return limited
        fault = self.state.take_fault(method, channel=args.get("channel"))
        if fault and fault.get("delay"):  # a slow Slack: answer late, then as usual
            await asyncio.sleep(float(fault["delay"]))
            fault = None
        if fault and fault.get("status") == 429:
            entry["result"] = "ratelimited"
            return JSONResponse(
                {"ok": False, "error": "ratelimited"},
                status_code=429,
                headers={"Retry-After": str(fault.get("retry_after", 1))},
            )
        headers = {}
        if fault:
            result = {"ok": False, "error": fault["error"]}
        elif method == "oauth.v2.access":  # the app authenticates with its client id and secret
            result = self.oauth_access(args, request.headers.get("authorization", ""))
        elif not self.token_works(token):
            result = {"ok": False, "error": "invalid_auth" if token else "not_authed"}
        else:
            handler = getattr(self, "m_" + method.replace(".", "_"), None)
            self.token, self.team, self.base_url = token, entry["team"], str(request.base_url)
            result = handler(args) if handler else {"ok": False, "error": "unknown_method"}
            # like slack.com, every call made with a valid token says which scopes the token has
            headers["x-oauth-scopes"] = ",".join(sorted(self.state.scopes))
        entry["result"] = result
        return JSONResponse(result, headers=headers)

    def token_works(self, token: str | None) -> bool:
        """The bot token, an installed workspace's, or a workflow step's while the step runs."""
        return token == self.state.bot_token or token in self.state.installed or self.step_token_ok(token)

    async def hook(self, request: Request) -> Response:
        """response_url: up to 5 uses, ephemeral unless response_type is in_channel."""
        url = str(request.url)
        body = await _args(request)
        used = sum(1 for r in self.state.responses if r["url"] == url)
        if used >= 5:
            return Response("used_url", status_code=404)
        if blocks_problem(body.get("blocks")):
            return Response("invalid_blocks", status_code=400)
        self.state.responses.append({"url": url, "body": body, "at": time.time()})
        return Response("ok")

    async def dump(self, request: Request) -> Response:
        st = self.state
        return JSONResponse(
            {
                "messages": st.messages,
                "ephemeral": st.ephemeral,
                "responses": st.responses,
                "views": st.views,
                "home": st.home,
                "calls": st.calls,
                "files": {i: public(f) for i, f in st.files.items()},
                "canvases": st.canvases,
                "log": st.log[-500:],
                "users": st.users,
                "channels": {c.id: c.info() for c in st.channels.values()},
            }
        )

    async def stats(self, request: Request) -> Response:
        """Counts per method, and every top-level message's text and time (for benchmarks)."""
        counts: dict[str, int] = {}
        for entry in self.state.log:
            counts[entry["method"]] = counts.get(entry["method"], 0) + 1
        posted = [
            {"channel": cid, "text": m["text"], "at": m.get("at")}
            for cid, msgs in self.state.messages.items()
            for m in msgs
            if not m.get("thread_ts")
        ]
        limited = dict(self.tiers.limited) if self.tiers else {}
        return JSONResponse({"calls": counts, "posted": posted, "limited": limited})

    async def revoke(self, request: Request) -> Response:
        """The workspace uninstalled the app: its tokens stop working."""
        team = (await _args(request)).get("team_id")
        self.state.installed = {t: g for t, g in self.state.installed.items() if g["team_id"] != team}
        return JSONResponse({"ok": True})

    async def trigger(self, request: Request) -> Response:
        return JSONResponse({"trigger_id": self.state.new_trigger()})

    async def fault(self, request: Request) -> Response:
        body = await _args(request)
        if "method" not in body or not ({"status", "error", "delay"} & set(body)):
            return JSONResponse(
                {"ok": False, "error": "need method and status, error or delay"}, status_code=400
            )
        self.state.faults.append(body)
        return JSONResponse({"ok": True})

    # Web API methods
    def oauth_access(self, a: dict, authorization: str) -> dict:
        """Exchange a code from /_sim/oauth_code for a bot token of that workspace."""
        import base64

        grant = self.state.oauth_codes.pop(a.get("code", ""), None)
        client = base64.b64decode(authorization.removeprefix("Basic ") or "Og==").decode(errors="replace")
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        if client != f"{self.state.client_id}:{self.state.client_secret}":
            return {"ok": False, "error": "invalid_client_id"}
        token = f"xoxb-{grant['team_id'].lower()}-{new_id('t').lower()}"
        self.state.installed[token] = grant
        return {
            "ok": True,
            "access_token": token,
            "token_type": "bot",
            "app_id": "A0APP0001",
            "scope": ",".join(sorted(self.state.scopes)),
            "bot_user_id": grant["bot_user"],
            "team": {"id": grant["team_id"], "name": grant["team_name"]},
            "enterprise": None,
            "authed_user": {"id": grant["user"]},
            "is_enterprise_install": False,
        }

    async def oauth_code(self, request: Request) -> Response:
        body = await _args(request)
        code = new_id("code")
        team = body.get("team_id", "T0BETA001")
        self.state.oauth_codes[code] = {
            "team_id": team,
            "team_name": body.get("team_name", "Beta"),
            "user": body.get("user", "U0BETA001"),
            "bot_user": "UB" + team[1:],
        }
        return JSONResponse({"code": code})

    def m_auth_test(self, a: dict) -> dict:
        st = self.state
        grant = st.installed.get(getattr(self, "token", "") or "")
        if grant:
            return {
                "ok": True,
                "url": "https://beta.slack.com/",
                "team": grant["team_name"],
                "user": "tavus",
                "team_id": grant["team_id"],
                "user_id": grant["bot_user"],
                "bot_id": "B" + grant["team_id"][1:],
                "is_enterprise_install": False,
            }
        return {
            "ok": True,
            "url": f"https://{st.team_name.lower()}.slack.com/",
            "team": st.team_name,
            "user": "tavus",
            "team_id": st.team_id,
            "user_id": st.bot_user,
            "bot_id": st.bot_id,
            "is_enterprise_install": False,
        }

    def _postable(self, channel_id: str) -> tuple[str | None, str | None]:
        """(channel id to post in, error) following Slack's membership rules."""
        st = self.state
        if channel_id in st.users:
            return st.dm_channel(channel_id).id, None
        channel = st.channels.get(channel_id)
        if channel is None or (channel.is_private and st.bot_user not in channel.members):
            return None, "channel_not_found"
        if st.bot_user not in channel.members and "chat:write.public" not in st.scopes:
            return None, "not_in_channel"
        return channel.id, None

    def _message_problem(self, a: dict) -> str | None:
        if not a.get("text") and not a.get("blocks"):
            return "no_text"
        if len(a.get("text") or "") > MAX_TEXT:
            return "msg_too_long"
        if "metadata" in a and metadata_problem(a["metadata"]):
            return "invalid_metadata_format"
        return "invalid_blocks" if blocks_problem(a.get("blocks")) else None

    def m_chat_postMessage(self, a: dict) -> dict:
        channel, error = self._postable(a.get("channel", ""))
        error = error or self._message_problem(a)
        if error:
            return {"ok": False, "error": error}
        thread = a.get("thread_ts")
        if thread and not self.state.find_message(channel, thread):
            return {"ok": False, "error": "thread_not_found"}
        msg = {
            "ts": new_ts(),
            "type": "message",
            "user": self.state.bot_user,
            "bot_id": self.state.bot_id,
            "text": a.get("text", ""),
            "blocks": a.get("blocks") or [],
            "thread_ts": thread,
            "at": time.time(),
        }
        if a.get("metadata"):
            msg["metadata"] = a["metadata"]
        self.state.messages.setdefault(channel, []).append(msg)
        return {"ok": True, "channel": channel, "ts": msg["ts"], "message": msg}

    def m_chat_update(self, a: dict) -> dict:
        msg = self.state.find_message(a.get("channel", ""), a.get("ts", ""))
        if msg is None:
            return {"ok": False, "error": "message_not_found"}
        if error := self._message_problem({"text": a.get("text") or msg["text"], **a}):
            return {"ok": False, "error": error}
        msg.update({k: a[k] for k in ("text", "blocks", "metadata") if k in a}, edited=time.time())
        return {"ok": True, "channel": a["channel"], "ts": msg["ts"], "text": msg["text"]}

    def m_chat_delete(self, a: dict) -> dict:
        msgs = self.state.messages.get(a.get("channel", ""), [])
        keep = [m for m in msgs if m["ts"] != a.get("ts")]
        if len(keep) == len(msgs):
            return {"ok": False, "error": "message_not_found"}
        self.state.messages[a["channel"]] = keep
        self.state.deleted.append({"channel": a["channel"], "ts": a["ts"]})
        return {"ok": True, "channel": a["channel"], "ts": a["ts"]}

    def m_chat_getPermalink(self, a: dict) -> dict:
        """A message's permalink, as Slack forms it (its workspace's domain, the channel, `p` and
        the ts without its dot); channel_not_found or message_not_found as Slack answers them."""
        channel = a.get("channel", "")
        if channel not in self.state.channels and channel not in self.state.messages:
            return {"ok": False, "error": "channel_not_found"}
        msg = self.state.find_message(channel, a.get("message_ts", ""))
        if msg is None:
            return {"ok": False, "error": "message_not_found"}
        domain = (self.team or self.state.team_id).lower()
        link = f"https://{domain}.slack.com/archives/{channel}/p{msg['ts'].replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def m_chat_postEphemeral(self, a: dict) -> dict:
        channel = self.state.channels.get(a.get("channel", ""))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if self.state.bot_user not in channel.members:
            return {"ok": False, "error": "not_in_channel"}
        if a.get("user") not in channel.members:
            return {"ok": False, "error": "user_not_in_channel"}
        if error := self._message_problem(a):
            return {"ok": False, "error": error}
        ts = new_ts()
        self.state.ephemeral.append({**a, "message_ts": ts, "at": time.time()})
        return {"ok": True, "message_ts": ts}

    def m_conversations_open(self, a: dict) -> dict:
        users = a.get("users")
        users = users.split(",") if isinstance(users, str) else users or []
        if len(users) != 1 or users[0] not in self.state.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": self.state.dm_channel(users[0]).id}}

    def m_conversations_info(self, a: dict) -> dict:
        """Like Slack: a DM needs im:read, a group DM mpim:read (the app's manifest has neither, so
        real Slack answers missing_scope there); a private channel the bot is not in is not found."""
        st = self.state
        channel = st.channels.get(a.get("channel", ""))
        needed = (
            "im:read" if channel and channel.is_im else "mpim:read" if channel and channel.is_mpim else None
        )
        if needed and needed not in st.scopes:
            return {
                "ok": False,
                "error": "missing_scope",
                "needed": needed,
                "provided": ",".join(sorted(st.scopes)),
            }
        if channel is None or (channel.is_private and st.bot_user not in channel.members):
            return {"ok": False, "error": "channel_not_found"}
        asked = str(a.get("include_num_members", "")).lower() in ("true", "1")
        return {"ok": True, "channel": channel.info(st.bot_user, num_members=asked)}

    def m_users_info(self, a: dict) -> dict:
        user = self.state.users.get(a.get("user", ""))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _store_view(self, view: dict, user: str | None, view_id: str | None = None) -> dict:
        view_id = view_id or new_id("V")
        stored = {
            **view,
            "id": view_id,
            "hash": f"{time.time():.6f}.{new_id('h')}",
            "team_id": self.state.team_id,
            "user_id": user,
            "app_id": "A0APP0001",
            "bot_id": self.state.bot_id,
            "state": {"values": {}},
        }
        stored.setdefault("private_metadata", "")
        stored.setdefault("callback_id", "")
        self.state.views[view_id] = stored
        return stored

    def m_views_open(self, a: dict) -> dict:
        error, user = self.state.use_trigger(a.get("trigger_id"))
        if error:
            return {"ok": False, "error": error}
        if problem := view_problem(a.get("view")):
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": [problem]}}
        return {"ok": True, "view": self._store_view(a["view"], user)}

    m_views_push = m_views_open

    def m_views_update(self, a: dict) -> dict:
        view_id = a.get("view_id") or next(
            (v["id"] for v in self.state.views.values() if v.get("external_id") == a.get("external_id")), None
        )
        old = self.state.views.get(view_id or "")
        if old is None:
            return {"ok": False, "error": "not_found"}
        if a.get("hash") and a["hash"] != old["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        if problem := view_problem(a.get("view")):
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": [problem]}}
        return {"ok": True, "view": self._store_view(a["view"], old.get("user_id"), view_id)}

    def m_views_publish(self, a: dict) -> dict:
        user = a.get("user_id", "")
        if user not in self.state.users:
            return {"ok": False, "error": "user_not_found"}
        if problem := view_problem(a.get("view")):
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": [problem]}}
        self.state.home[user] = self._store_view(a["view"], user)
        return {"ok": True, "view": self.state.home[user]}

    def m_calls_add(self, a: dict) -> dict:
        if "calls:write" not in self.state.scopes:
            return {"ok": False, "error": "missing_scope"}
        if not a.get("external_unique_id") or not a.get("join_url"):
            return {"ok": False, "error": "invalid_arguments"}
        call = {"id": new_id("R"), "date_start": int(time.time()), **a}
        self.state.calls[call["id"]] = call
        return {"ok": True, "call": call}

    def m_calls_end(self, a: dict) -> dict:
        call = self.state.calls.get(a.get("id", ""))
        if call is None:
            return {"ok": False, "error": "not_found"}
        call.update(ended=True, duration=a.get("duration"))
        return {"ok": True}


class _ConnectionFaults:
    def __init__(self, sim: SlackSimulator) -> None:
        self.sim = sim

    async def __call__(self, scope, receive, send) -> None:
        await self.sim.faulty(scope, receive, send)


async def _args(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return {}
    else:
        data = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        data.update(dict(request.query_params))
    for key in JSON_FIELDS:
        if isinstance(data.get(key), str) and data[key][:1] in "[{":
            with contextlib.suppress(ValueError):
                data[key] = json.loads(data[key])
    return data if isinstance(data, dict) else {}
