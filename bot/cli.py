"""`tavus-slack`: serve the app, or run a local simulator."""

from __future__ import annotations

import argparse
import sys

import uvicorn

from bot.config import SettingsError, load_settings
from bot.logs import setup_logging


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tavus-slack", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve the Slack app on HOST:PORT (the default)")
    for name, what in (
        ("sim-tavus", "the local Tavus API simulator"),
        ("sim-slack", "the local Slack Web API stand-in"),
    ):
        p = sub.add_parser(name, help=f"serve {what}")
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    if args.command in ("sim-tavus", "sim-slack"):
        return serve_simulator(args.command, args.host, args.port)
    return serve()


def serve() -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    setup_logging(
        [
            settings.SLACK_BOT_TOKEN.get_secret_value(),
            settings.SLACK_SIGNING_SECRET.get_secret_value(),
            settings.TAVUS_API_KEY.get_secret_value(),
            settings.SLACK_APP_TOKEN.get_secret_value() if settings.SLACK_APP_TOKEN else "",
        ]
    )
    from bot.app import create_app

    uvicorn.run(
        create_app(settings),
        host=settings.HOST,
        port=settings.PORT,
        log_level="info",
        proxy_headers=True,
        server_header=False,
    )
    return 0


def serve_simulator(which: str, host: str, port: int) -> int:
    setup_logging([])
    if which == "sim-tavus":
        from sim.tavus import TavusSimulator

        app = TavusSimulator().app
    else:
        from sim.slack import SlackSimulator

        app = SlackSimulator().app
    config = uvicorn.Config(app, host=host, port=port, log_level="info")
    server = uvicorn.Server(config)
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
