"""The local playground: the real app, the Slack stand-in, the Tavus simulator (or real Tavus) and
a web page that looks and behaves like a Slack channel.

The page reaches the app only the way Slack does: its endpoints under /pg/ turn each typed
command, click and form submission into a request signed like Slack's and sent to the app's
/slack/events (SlackDriver). What the app does comes back through the Slack stand-in's state.
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from sim import playground_workflows as workflows
from sim.driver import SlackDriver
from sim.playground_slackbot import invite, not_a_command
from sim.playground_state import open_canvas, page_state
from sim.server import ServerThread, free_port
from sim.slack import SlackSimulator
from sim.tavus import TavusSimulator
from sim.tavus_messages import guardrail_event, objective_event

STATIC = Path(__file__).parent / "static"
SIM_ACTIONS = ("join", "leave", "timeout", "objective", "guardrail")


@dataclass
class Playground:
    """Start with `start()`; `url` is the page. A real `tavus_key` uses Tavus instead of the simulator."""

    host: str = "127.0.0.1"
    port: int = 0
    tavus_key: str | None = None
    tavus_url: str = "https://tavusapi.com"
    data_dir: str | None = None
    errors: dict[str, dict[str, str]] = field(default_factory=dict)  # view_id -> inline errors
    servers: list[ServerThread] = field(default_factory=list)
    runs: list = field(default_factory=list)  # the Workflows panel's runs

    def start(self) -> Playground:
        self.slack = SlackSimulator()
        self.slack.state.bot_token = self.slack.bot_token = "xoxb-playground-" + secrets.token_hex(8)
        slack_url = self.slack_url = self._serve(self.slack.app).url
        self.tavus = None if self.tavus_key else TavusSimulator()
        if self.tavus is not None:
            self.tavus.state.api_key = self.tavus_key_used = "playground-" + secrets.token_hex(8)
            self.tavus_server = self._serve(self.tavus.app)
            self.tavus_url = self.tavus_server.url
        else:
            self.tavus_key_used = self.tavus_key
        self.app_url = self._serve_app(slack_url)
        self.driver = SlackDriver(self.app_url, self.signing_secret, self.slack.state, slack_url)
        self.page = self._serve(self.page_app(), port=self.port)
        return self

    @property
    def url(self) -> str:
        return self.page.url

    def stop(self) -> None:
        self.driver.close()
        for server in reversed(self.servers):
            server.stop()

    def _serve(self, app, port: int = 0) -> ServerThread:
        server = ServerThread(app, host=self.host, port=port).start()
        self.servers.append(server)
        return server

    def _serve_app(self, slack_url: str) -> str:
        from bot.app import create_app
        from bot.config import Settings

        self.signing_secret = secrets.token_hex(16)
        port = free_port(self.host)
        data_dir = self.data_dir or tempfile.mkdtemp(prefix="tavus-playground-")
        simulated = self.tavus is not None
        settings = Settings(
            _env_file=None,
            SLACK_BOT_TOKEN=self.slack.state.bot_token,
            SLACK_SIGNING_SECRET=self.signing_secret,
            SLACK_API_URL=f"{slack_url}/api/",
            TAVUS_API_KEY=self.tavus_key_used,
            TAVUS_API_URL=self.tavus_url,
            DATABASE_URL=f"sqlite:///{data_dir}/playground.db",
            # the simulator can call back on loopback; real Tavus cannot reach us, so we poll it
            PUBLIC_URL=f"http://{self.host}:{port}" if simulated else None,
            RECONCILE_SECONDS=60 if simulated else 5,
            SLACK_CALLS=False,
        )
        self.slash = settings.SLACK_COMMAND
        self.app = create_app(settings)
        return self._serve(self.app, port=port).url

    # the page's own endpoints
    def page_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/", lambda r: FileResponse(STATIC / "index.html"), methods=["GET"]),
                Route("/favicon.ico", lambda r: Response(status_code=204), methods=["GET"]),
                Route("/pg/state", self.state, methods=["GET"]),
                Route("/pg/command", self.command, methods=["POST"]),
                Route("/pg/action", self.action, methods=["POST"]),
                Route("/pg/submit", self.submit, methods=["POST"]),
                Route("/pg/close", self.close, methods=["POST"]),
                Route("/pg/home", self.home, methods=["POST"]),
                Route("/pg/tavus/{cid}/{what}", self.tavus_control, methods=["POST"]),
                Route("/pg/file/{file_id}", self.file_text, methods=["GET"]),
                Route("/pg/canvas/{canvas_id}", self.canvas, methods=["GET"]),
                Route("/pg/workflow", self.workflow, methods=["POST"]),
                Mount("/static", StaticFiles(directory=STATIC), name="static"),
            ]
        )

    async def state(self, request: Request) -> Response:
        user = request.query_params.get("user") or "U0OWNER1"
        if user not in self.slack.state.users:
            return JSONResponse({"error": "unknown user"}, status_code=404)
        tavus_state = self.tavus.state if self.tavus else None
        shown = page_state(self.slack.state, self.driver, user, self.errors, tavus_state)
        shown["invites"] = self.invites()
        shown["workflows"] = [workflows.shown(run) for run in self.runs]
        shown["personas"] = sorted(
            {p.name for p in self.app.state.deps.store.visible_personas(self.slack.state.team_id, user)}
        )
        return JSONResponse(shown)

    async def workflow(self, request: Request) -> Response:
        """Run the example workflow (issue 27), started by the person choosing it, as Slack would."""
        body = await _body(request)
        persona, name = str(body.get("persona") or "").strip(), str(body.get("name") or "").strip()
        if not persona or not name:
            return JSONResponse({"error": "Pick a persona and give the candidate's name."}, status_code=400)
        steps = workflows.example_steps(
            persona,
            name[:80],
            str(body.get("email") or "")[:254],
            str(body.get("channel") or "C0HIRING1"),
        )
        post = workflows.poster(self.slack_url, self.slack.state.bot_token)
        user = str(body.get("user") or "U0OWNER1")  # the person who runs it: its interactor
        self.runs.append(self.slack.start_workflow(steps, self.driver.event, post, user))
        return JSONResponse({"status": 200})

    async def file_text(self, request: Request) -> Response:
        """A shared file's text (the report's transcript), as a person opening it in Slack reads it."""
        found = self.slack.state.files.get(request.path_params["file_id"])
        if found is None:
            return PlainTextResponse("This file was deleted.", status_code=404)
        return PlainTextResponse(found["content"].decode("utf-8", "replace"))

    async def canvas(self, request: Request) -> Response:
        """A canvas as its reader opens it in Slack: its title and markdown, if shared with them."""
        user = request.query_params.get("user") or ""
        found, error = open_canvas(self.slack.state, request.path_params["canvas_id"], user)
        if found is None:
            return JSONResponse({"error": error}, status_code=404 if "deleted" in error else 403)
        return JSONResponse({"id": found["id"], "title": found["title"], "markdown": found["markdown"]})

    def invites(self) -> list[dict[str, Any]]:
        """Invites waiting for their candidate, with the link the candidate would get (issue 14)."""
        deps = self.app.state.deps
        waiting = deps.store._conversations("status = 'invited'", ())
        return [{"name": c.name, "link": deps.invites.link(c)} for c in waiting]

    async def command(self, request: Request) -> Response:
        body = await _body(request)
        text = str(body.get("text", "")).strip()
        command, _, rest = text.partition(" ")
        if not command.startswith("/"):
            return JSONResponse({"error": "Type a slash command, e.g. /tavus help"}, status_code=400)
        if command == "/invite":  # Slack's own command: no app hears of it
            invite(self.slack.state, body, rest)
            return JSONResponse({"status": 200})
        if command != self.slash:  # Slack answers this itself; no app hears of it
            self.slack.state.ephemeral.append(not_a_command(command, body))
            return JSONResponse({"status": 200})
        response = await _off_loop(
            self.driver.command,
            rest,
            user=body.get("user", "U0OWNER1"),
            channel=body.get("channel", "C0GENERAL"),
            command=command,
        )
        return JSONResponse({"status": response.status_code})

    async def action(self, request: Request) -> Response:
        b = await _body(request)
        response = await _off_loop(
            self.driver.click,
            b["action_id"],
            b.get("value"),
            user=b.get("user", "U0OWNER1"),
            message=b.get("message"),
            channel=b.get("channel"),
            view_id=b.get("view_id"),
            ephemeral=bool(b.get("response_url")),
            response_url=b.get("response_url"),
            values=b.get("values") if isinstance(b.get("values"), dict) else None,  # a modal's typed values
        )
        return JSONResponse({"status": response.status_code})

    async def submit(self, request: Request) -> Response:
        b = await _body(request)
        view_id = b["view_id"]
        response = await _off_loop(
            self.driver.submit, view_id, b.get("values", {}), user=b.get("user", "U0OWNER1")
        )
        answer = response.json() if response.content and response.status_code == 200 else {}
        if answer.get("response_action") == "errors":
            self.errors[view_id] = answer.get("errors", {})
        else:
            self.errors.pop(view_id, None)
        return JSONResponse({"status": response.status_code, "errors": self.errors.get(view_id, {})})

    async def close(self, request: Request) -> Response:
        view_id = (await _body(request)).get("view_id", "")
        self.slack.state.views.pop(view_id, None)
        self.errors.pop(view_id, None)
        return JSONResponse({"ok": True})

    async def home(self, request: Request) -> Response:
        user = (await _body(request)).get("user", "U0OWNER1")
        response = await _off_loop(self.driver.home_opened, user)
        return JSONResponse({"status": response.status_code})

    async def tavus_control(self, request: Request) -> Response:
        what, cid = request.path_params["what"], request.path_params["cid"]
        if self.tavus is None or what not in SIM_ACTIONS:
            return JSONResponse({"error": "only the simulator can be steered"}, status_code=400)
        conv = self.tavus.state.conversations.get(cid)
        if conv is None:
            return JSONResponse({"error": "no such conversation"}, status_code=404)
        callbacks = self.tavus.callbacks
        name = (await _body(request)).get("name")

        async def act() -> Any:  # on the simulator's own loop, which sends its callbacks
            if what in ("objective", "guardrail"):
                if not (conv.status == "active" and conv.joined):
                    return "the call is not live"
                made = objective_event if what == "objective" else guardrail_event
                return made(self.tavus, conv, str(name), None)
            return callbacks.join(conv) if what == "join" else callbacks.finish(conv, what)

        future = asyncio.run_coroutine_threadsafe(act(), self.tavus_server.loop)
        done = await asyncio.wrap_future(future)
        if isinstance(done, str):  # the simulator's complaint: not live, no such objective
            return JSONResponse({"error": done}, status_code=409)
        return JSONResponse({"ok": True, "changed": bool(done)})


async def _off_loop(fn, *args: Any, **kwargs: Any):
    """SlackDriver is synchronous: run it in a thread so the page's server stays responsive."""
    return await asyncio.to_thread(fn, *args, **kwargs)


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
