"""`tavus-slack`: serve the app, check its settings, set up its database, or run a local stand-in."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.logs import settings_secrets, setup_logging


def parser() -> argparse.ArgumentParser:
    """The command line: each subcommand and its options."""
    top = argparse.ArgumentParser(prog="tavus-slack", description=__doc__)
    sub = top.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="the web process on HOST:PORT and worker processes (the default)")
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes beside the web one (default 1)"
    )
    sub.add_parser("web", help="the web process alone: acks, validates, queues (Procfile's web:)")
    sub.add_parser("worker", help="one worker process: the outbox, the reconciler (Procfile's worker:)")
    sub.add_parser("doctor", help="check the settings: Slack token, Tavus key, database, PUBLIC_URL")
    sub.add_parser("migrate", help="create the database (DATABASE_URL), or apply this release's migrations")
    audit = sub.add_parser("audit", help="audit records (issue 24)").add_subparsers(
        dest="audit_command", required=True
    )
    export = audit.add_parser("export", help="write the audit records since DATE, without content")
    export.add_argument("--since", required=True, help="a date (2026-01-31) or an ISO time")
    export.add_argument("--format", choices=("csv", "jsonl"), default="jsonl")
    play = sub.add_parser("playground", help="try the app in a local Slack-like page, no keys needed")
    play.add_argument("--host", default="127.0.0.1")
    play.add_argument("--port", type=int, default=3000, help="the page's port (a free one if taken)")
    stats = sub.add_parser("stats", help="the interview funnel's numbers").add_subparsers(dest="action")
    export = stats.add_parser("export", help="decision rates per stage, per opening or persona (CSV)")
    export.add_argument("--opening", help="one opening or persona, by name or id (default: every one)")
    export.add_argument("--team", help="one workspace's id (default: every workspace)")
    export.add_argument("--format", choices=["csv"], default="csv")
    for name, what in (
        ("sim-tavus", "the local Tavus API simulator"),
        ("sim-slack", "the local Slack Web API stand-in"),
    ):
        p = sub.add_parser(name, help=f"serve {what}")
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command in ("sim-tavus", "sim-slack"):
        return serve_simulator(args.command, args.host, args.port)
    if args.command == "doctor":
        return doctor()
    if args.command == "migrate":
        return migrate()
    if args.command == "audit":
        return audit_export(args.since, args.format)
    if args.command == "stats":
        return stats_export(args)
    if args.command == "playground":
        return playground(args.host, args.port)
    if args.command in ("web", "worker"):
        from bot.supervise import serve_one

        return serve_one(args.command)
    return serve(getattr(args, "workers", 1))


def playground(host: str, port: int) -> int:
    """The real app against local stand-ins of Slack (and of Tavus, unless TAVUS_API_KEY is set)."""
    import os
    import socket
    import time

    from sim.playground import Playground

    key = os.environ.get("TAVUS_API_KEY") or None
    setup_logging([key or ""], level=logging.WARNING)
    with socket.socket() as probe:
        if probe.connect_ex((host, port)) == 0:
            print(f"port {port} is taken; using a free one", file=sys.stderr)
            port = 0
    pg = Playground(
        host=host, port=port, tavus_key=key, tavus_url=os.environ.get("TAVUS_API_URL", "https://tavusapi.com")
    ).start()
    print(f"tavus-slack playground: open {pg.url}  (Ctrl-C to stop)", flush=True)
    print("Tavus: " + ("your account (TAVUS_API_KEY)" if key else "the local simulator"), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pg.stop()
    return 0


def doctor() -> int:
    """Check each setting the way a person would; non-zero when any check fails."""
    from bot.doctor import doctor as run_doctor
    from bot.doctor.settings import read_settings

    settings, problems = read_settings()  # what is missing becomes its check's line, not a stop
    setup_logging(settings_secrets(settings), level=logging.WARNING)
    return run_doctor(settings, problems=problems)


def database_settings():
    """The settings for a command that needs only the database, logging set up; None (with the
    reason on stderr) when DATABASE_URL is unusable."""
    from bot.doctor.settings import read_settings

    settings, problems = read_settings()
    if "DATABASE_URL" in problems:
        print(problems["DATABASE_URL"], file=sys.stderr)
        return None
    setup_logging(settings_secrets(settings), level=logging.WARNING)
    return settings


def stats_export(args: argparse.Namespace) -> int:
    """The funnel as CSV on stdout (bot/services/decisions/funnel.py); only DATABASE_URL is needed."""
    from bot.services.decisions.funnel import export_command

    if args.action != "export":
        print("usage: tavus-slack stats export [--opening NAME] [--team T…] [--format csv]", file=sys.stderr)
        return 2
    if (settings := database_settings()) is None:
        return 2
    found = export_command(settings.DATABASE_URL, args.opening, args.team, sys.stdout)
    if found:
        print(f"no interviews for {args.opening or 'any opening'}", file=sys.stderr)
    return found


def migrate() -> int:
    """Create the database, or bring it to this release's schema (`serve` does the same at start)."""
    from bot.doctor.reach import database_unreachable, first_line, redact_password, safe_url
    from bot.store.backends import open_backend

    if (settings := database_settings()) is None:
        return 2
    if problem := database_unreachable(settings.DATABASE_URL, "migrate"):  # first: the pool would wait 30 s
        print(problem, file=sys.stderr)
        return 1
    where = safe_url(settings.DATABASE_URL)
    try:
        backend = open_backend(settings.DATABASE_URL)
        try:
            applied = backend.migrate()
        finally:
            backend.close()
    except Exception as exc:  # sqlite3 and psycopg errors alike: the message is what a person needs
        reason = redact_password(first_line(exc), settings.DATABASE_URL)
        print(
            f"cannot migrate {where} ({reason}): check DATABASE_URL, and that the database runs and "
            "lets this user in",
            file=sys.stderr,
        )
        return 1
    done = f"applied {len(applied)} migration(s) ({', '.join(applied)})" if applied else "already up to date"
    print(f"{where}: {done}")
    return 0


def audit_export(since: str, fmt: str) -> int:
    """`audit export`: the records since a date, to stdout (see bot/services/rights/audit_export.py)."""
    from datetime import datetime

    from bot.services.rights.audit_export import export_records, write
    from bot.store import Store

    try:
        datetime.fromisoformat(since)
    except ValueError:
        print(f"--since must be a date like 2026-01-31 (or an ISO time), not {since!r}", file=sys.stderr)
        return 2
    if (settings := database_settings()) is None:
        return 2
    store = Store(settings.DATABASE_URL)
    try:
        sys.stdout.write(write(export_records(store, since), fmt))
    finally:
        store.close()
    return 0


def serve(workers: int) -> int:
    """One web process and `workers` worker processes, stopped together (bot/supervise.py)."""
    if workers < 1:  # a web process alone would queue jobs nothing here runs
        print(
            f"--workers must be 1 or more, not {workers} (`tavus-slack web` runs the web process alone, "
            "for workers that run elsewhere: `tavus-slack worker`)",
            file=sys.stderr,
        )
        return 2
    from bot.supervise import serve as supervise
    from bot.supervise import serving_settings

    if serving_settings("serve") is None:  # checked once here, not in each child
        return 2
    return supervise(workers)


def serve_simulator(which: str, host: str, port: int) -> int:
    """A stand-in accepting the TAVUS_API_KEY or SLACK_BOT_TOKEN set (environment or .env)."""
    from bot.config import RawCredentials
    from sim.standalone import serve_stand_in

    raw = RawCredentials()
    secret = raw.TAVUS_API_KEY if which == "sim-tavus" else raw.SLACK_BOT_TOKEN
    setup_logging([secret or "", raw.SLACK_SIGNING_SECRET or ""])
    return serve_stand_in(which, host, port, secret or None, raw.SLACK_SIGNING_SECRET or None)


if __name__ == "__main__":
    sys.exit(main())
