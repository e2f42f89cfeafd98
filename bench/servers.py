"""Processes the benchmark runs: the stand-ins, and the app in one of three variants.

python -m bench.servers sims --port-file F       Slack stand-in + Tavus simulator
python -m bench.servers app --variant ours|naive|empty --port P --slack URL --tavus URL --db PATH
                          [--workers N]   ours: the web process here and N worker processes (default 1)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
import time

import uvicorn

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"
TAVUS_KEY = "bench-tavus-key"
CANDIDATES = 2000
HIRING_OWNERS = 200  # bench/hiring_day.py: one owner per interview, UH0000000…


def run_sims(port_file: str) -> None:
    from sim.server import ServerThread
    from sim.slack import SlackSimulator
    from sim.slack_state import Channel, make_user
    from sim.tavus import TavusSimulator

    slack, tavus = SlackSimulator(), TavusSimulator()
    slack.state.bot_token = slack.bot_token = BOT_TOKEN
    tavus.state.api_key = TAVUS_KEY
    tavus.state.concurrency_limit = 10**9
    for n in range(CANDIDATES):  # the burst with candidates names a different one each time
        uid = f"U0CB{n:05d}"
        slack.state.users[uid] = make_user(uid, slack.state.team_id, f"cand{n}", f"Candidate {n}")
    for n in range(HIRING_OWNERS):  # the hiring day's owners: their reports go to their DMs
        uid = f"UH{n:07d}"
        slack.state.users[uid] = make_user(uid, slack.state.team_id, f"owner{n}", f"Owner {n}")
    hiring = slack.state.channels["C0HIRING1"]
    for n in (2, 3):  # the hiring day's three channels
        cid = f"C0HIRING{n}"
        slack.state.channels[cid] = Channel(cid, f"hiring-{n}", members=set(hiring.members))
    servers = [ServerThread(slack.app).start(), ServerThread(tavus.app).start()]
    with open(port_file, "w") as f:
        json.dump({"slack": servers[0].url, "tavus": servers[1].url}, f)
    while True:
        time.sleep(3600)


def empty_app(slack_url: str):
    """The floor: Bolt on the same server stack, a command listener that only acks."""
    from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient
    from starlette.applications import Starlette
    from starlette.routing import Route

    bolt = AsyncApp(
        client=AsyncWebClient(token=BOT_TOKEN, base_url=slack_url + "/api/"), signing_secret=SIGNING_SECRET
    )

    @bolt.command("/tavus")
    async def ack_only(ack):
        await ack(response_type="ephemeral", text="ok")

    handler = AsyncSlackRequestHandler(bolt)

    async def events(request):
        return await handler.handle(request)

    return Starlette(routes=[Route("/slack/events", events, methods=["POST"])])


def naive_listeners(bolt, deps) -> None:
    """The common mistake: call Tavus (and Slack) first, acknowledge afterwards."""
    from bot.services.starting.interviews import InterviewRequest
    from bot.slack.commands import parse_quick_interview, split_command
    from bot.slack.lists import build_start_outcome
    from handlers import register_listeners

    @bolt.command(deps.settings.SLACK_COMMAND)
    async def start_then_ack(ack, body):
        _, rest = split_command(body.get("text"))
        team, user = body["team_id"], body["user_id"]
        visible = await deps.db.visible_personas(team, user)
        parsed = parse_quick_interview(rest, lambda ref: deps.personas.find(visible, user, ref))
        outcome = await deps.interviews.start(
            InterviewRequest(
                team_id=team,
                user_id=user,
                persona=parsed.persona,
                channel_id=body["channel_id"],
                name=parsed.title,
            )
        )
        text, blocks = build_start_outcome(outcome)
        await ack(response_type="ephemeral", text=text, blocks=blocks)

    register_listeners(bolt, deps)


def build_app(
    variant: str,
    slack_url: str,
    tavus_url: str,
    db: str,
    public_url: str | None = None,
    reconcile_seconds: float = 60.0,
    rate_scale: float = 1.0,
    workers: int = 0,
):
    """The app of `variant`; ours with `workers` > 0 is the web process alone (the workers run
    as processes of their own, `worker_processes`), as `tavus-slack serve --workers N` runs it."""
    if variant == "empty":
        return empty_app(slack_url)
    from bot.app import create_app

    settings = bench_settings(slack_url, tavus_url, db, public_url, reconcile_seconds, rate_scale)
    listeners = naive_listeners if variant == "naive" else None
    return create_app(settings, listeners=listeners, worker=variant == "naive" or workers == 0)


def bench_settings(
    slack_url: str,
    tavus_url: str,
    db: str,
    public_url: str | None,
    reconcile_seconds: float,
    rate_scale: float,
):
    from bot.config import Settings

    return Settings(
        _env_file=None,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        TAVUS_API_KEY=TAVUS_KEY,
        TAVUS_API_URL=tavus_url,
        SLACK_API_URL=slack_url + "/api/",
        DATABASE_URL=db if "://" in db else f"sqlite:///{db}",
        PUBLIC_URL=public_url,
        RECONCILE_SECONDS=reconcile_seconds,
        TAVUS_TIMEOUT_SECONDS=5,
        SLACK_RATE_SCALE=rate_scale,
    )


def worker_processes(n: int) -> list[subprocess.Popen]:
    """`n` copies of this command as worker processes (`… worker …`), dying with this one."""
    from bot.supervise import PARENT

    argv = [a if a != "app" else "worker" for a in sys.argv[1:]]
    env = {**os.environ, PARENT: str(os.getpid())}
    return [subprocess.Popen([sys.executable, "-m", "bench.servers", *argv], env=env) for _ in range(n)]


def run_worker(args) -> None:
    from bot.supervise import die_with_parent
    from bot.worker import run

    die_with_parent()
    settings = bench_settings(
        args.slack, args.tavus, args.db, args.public_url, args.reconcile_seconds, args.rate_scale
    )
    asyncio.run(run(settings))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["sims", "app", "worker"])
    parser.add_argument("--port-file")
    parser.add_argument("--variant", default="ours", choices=["ours", "naive", "empty"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--slack")
    parser.add_argument("--tavus")
    parser.add_argument("--db")
    parser.add_argument("--public-url")
    parser.add_argument("--reconcile-seconds", type=float, default=60.0)
    parser.add_argument("--rate-scale", type=float, default=1.0, help="the app's Slack budget times this")
    parser.add_argument("--workers", type=int, default=1, help="worker processes beside ours (0: in-process)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.what == "sims":
        run_sims(args.port_file)
        return
    if args.what == "worker":
        run_worker(args)
        return
    app = build_app(
        args.variant,
        args.slack,
        args.tavus,
        args.db,
        args.public_url,
        args.reconcile_seconds,
        args.rate_scale,
        args.workers,
    )
    workers = worker_processes(args.workers) if args.variant == "ours" else []
    try:  # production settings: no access log, no reload, one uvicorn process
        uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
    finally:
        for proc in workers:
            proc.terminate()
            proc.wait(timeout=20)


if __name__ == "__main__":
    main()
