"""The checks that reach out: Tavus with the key, the database, PUBLIC_URL."""

from __future__ import annotations

import json
import os
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from bot.config import Settings
from bot.doctor.check import TIMEOUT, Check
from bot.tavus import errors as te
from bot.tavus.client import TavusClient, default_http_client


async def check_tavus(settings: Settings, problem: str | None = None) -> Check:
    """A cheap authenticated read with TAVUS_API_KEY; `problem`: why it could not be read."""
    name = "Tavus key"
    if problem:
        return Check(name, False, problem)
    if settings.TAVUS_API_KEY is None:
        return Check(name, True, "TAVUS_API_KEY is not set: each workspace's admin sets their own in the app")
    http = default_http_client(TIMEOUT)
    client = TavusClient(
        settings.TAVUS_API_KEY, base_url=settings.TAVUS_API_URL, http_client=http, max_retries=0
    )
    try:
        await client.check_key()
    except te.AuthenticationError as exc:
        return Check(
            name,
            False,
            f"Tavus answered {exc.status}: TAVUS_API_KEY is wrong or revoked; copy a key from the "
            "Tavus developer portal (API Keys) into TAVUS_API_KEY",
        )
    except te.TavusConnectionError:
        return Check(
            name,
            False,
            f"could not reach Tavus at {settings.TAVUS_API_URL}: check TAVUS_API_URL and the network",
        )
    except te.TavusError as exc:
        return Check(name, False, f"Tavus answered {exc.status or 'badly'} ({exc}); try again later")
    finally:
        await client.aclose()
    return Check(name, True, f"Tavus at {settings.TAVUS_API_URL} accepted TAVUS_API_KEY")


async def check_public_url(public_url: str | None) -> Check:
    """PUBLIC_URL serves this app: its /healthz answers {"ok": true}."""
    name = "PUBLIC_URL"
    if not public_url:
        return Check(
            name,
            True,
            "not set: Tavus cannot call back, so the app learns of interviews' ends only by polling "
            "(set it to the https address where `tavus-slack serve` is reached)",
        )
    url = public_url.rstrip("/") + "/healthz"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session,
            session.get(url, allow_redirects=False) as answer,
        ):
            status, body = answer.status, await answer.read()
            moved = answer.headers.get("location")
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return Check(
            name,
            False,
            f"nothing answered at {url} ({type(exc).__name__}): start `tavus-slack serve` there, or set "
            "PUBLIC_URL to the address where it is reached",
        )
    if moved:
        return Check(name, False, f"{url} answered {status}, a redirect to {moved}: set PUBLIC_URL to that")
    if status == 200 and _json(body) == {"ok": True}:
        return Check(name, True, f"{url} answered as this app")
    return Check(
        name,
        False,
        f'{url} answered {status}, but not as tavus-slack (which answers {{"ok": true}}): point PUBLIC_URL '
        "at `tavus-slack serve`, and let its proxy pass /healthz, /slack/ and /tavus/callback/ through",
    )


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return None


def safe_url(url: str) -> str:
    """A database URL with its password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def check_database(url: str) -> Check:
    """Connect without creating anything, then compare the recorded migrations with this release's."""
    from bot.store.backends import open_backend

    name, where = "Database", safe_url(url)
    if sqlite_missing(url):
        path = os.path.abspath(url.removeprefix("sqlite:///"))
        if not os.path.isdir(os.path.dirname(path)):
            return Check(
                name,
                False,
                f"no folder {os.path.dirname(path)} for the database file {path}: fix DATABASE_URL, "
                "or create the folder",
            )
        return Check(
            name,
            True,
            f"no database at {path} yet: `tavus-slack serve` creates it at its first start (or run "
            "`tavus-slack migrate` now); if the store lives elsewhere, fix DATABASE_URL",
        )
    try:
        if not url.startswith("sqlite:///"):
            connect_postgres(url)  # first, with a short timeout: the pool would wait 30 s
        backend = open_backend(url)
        try:
            pending = backend.pending_migrations()
        finally:
            backend.close()
    except Exception as exc:  # sqlite3 and psycopg errors alike: the message is what a person needs
        reason = redact_password(first_line(exc), url)
        return Check(
            name,
            False,
            f"cannot use {where} ({reason}): check DATABASE_URL, and that the database runs and lets "
            "this user in",
        )
    if pending:
        return Check(
            name,
            False,
            f"{where} is reachable but {len(pending)} migration(s) are not applied ({', '.join(pending)}): "
            "run `tavus-slack migrate`, or start this release's `tavus-slack serve`, which applies them "
            "on start",
        )
    return Check(name, True, f"{where}: connected, every migration applied")


def sqlite_missing(url: str) -> bool:
    """A SQLite DATABASE_URL whose file does not exist yet (a fresh install)."""
    path = url.removeprefix("sqlite:///")
    return url.startswith("sqlite:///") and path != ":memory:" and not os.path.isfile(path)


def connect_postgres(url: str) -> None:
    import psycopg

    psycopg.connect(url, connect_timeout=TIMEOUT).close()


def database_unreachable(url: str, doing: str = "reach") -> str | None:
    """A sentence when PostgreSQL does not let us in within TIMEOUT seconds (the password hidden;
    `doing`: what could not be done), else None: a process that starts says so at once, instead
    of its pool's 30 s wait and a trace."""
    if url.startswith("sqlite:///"):
        return None
    try:
        connect_postgres(url)
    except Exception as exc:  # psycopg's errors, DNS, a refused port: the message is what a person needs
        return (
            f"cannot {doing} {safe_url(url)} ({redact_password(first_line(exc), url)}): check "
            "DATABASE_URL, and that the database runs and lets this user in"
        )
    return None


def first_line(exc: Exception) -> str:
    """An error's first line, or its type when it says nothing."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def redact_password(text: str, url: str) -> str:
    password = urlsplit(url).password
    return text.replace(password, "***") if password else text
