"""Fixtures: the Tavus simulator and the Slack stand-in on loopback, the app served by uvicorn."""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from bot.app import create_app
from bot.config import Settings
from sim.driver import SlackDriver
from sim.server import ServerThread, free_port
from sim.slack import SlackSimulator
from sim.tavus import TavusSimulator

SIGNING_SECRET = "test-signing-secret-5f1e2d3c4b5a"
BOT_TOKEN = "xoxb-sim-token"
TAVUS_KEY = "sim-tavus-key"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def wait_until(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll until check() is truthy; the app works after its ack, so effects come a moment later.
    The default is generous: it costs nothing when the effect comes at once, and a loaded machine
    (a full run on a shared CI box) may take seconds for what takes milliseconds alone."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@dataclass
class Sim:
    sim: Any
    url: str
    # one kept-alive client for the stand-in's control calls (two resets a test): a new httpx
    # client loads the CA bundle each time, tens of ms of CPU on a busy machine. It lets an idle
    # connection go well before uvicorn's 5 s keep-alive would close it under a request.
    http: httpx.Client = field(
        default_factory=lambda: httpx.Client(timeout=30, limits=httpx.Limits(keepalive_expiry=2)), repr=False
    )

    @property
    def state(self):
        return self.sim.state

    def control(self, path: str, body: dict | None = None) -> dict:
        response = self.http.post(f"{self.url}/_sim/{path}", json=body or {})
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="session")
def tavus_server() -> Iterator[Sim]:
    sim = TavusSimulator()
    with ServerThread(sim.app) as server:
        served = Sim(sim, server.url)
        yield served
        served.http.close()


@pytest.fixture(scope="session")
def slack_server() -> Iterator[Sim]:
    sim = SlackSimulator()
    with ServerThread(sim.app) as server:
        served = Sim(sim, server.url)
        yield served
        served.http.close()


@pytest.fixture
def tavus(tavus_server: Sim) -> Sim:
    tavus_server.control("reset")
    return tavus_server


@pytest.fixture
def slack(slack_server: Sim) -> Sim:
    slack_server.control("reset")
    return slack_server


def make_settings(tmp_path: Path, tavus: Sim, slack: Sim, **overrides: Any) -> Settings:
    values = dict(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        TAVUS_API_KEY=TAVUS_KEY,
        TAVUS_API_URL=tavus.url,
        SLACK_API_URL=f"{slack.url}/api/",
        DATABASE_URL=f"sqlite:///{tmp_path}/tavus-slack.db",
        TAVUS_SLACK_ADMINS="",
        PORT=3000,
        # the stand-in enforces no tiers unless a test turns them on (tests/test_rate_limits.py
        # does, with both sides scaled): Slack's real pace would only slow the other tests down
        SLACK_RATE_SCALE=100.0,
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)


@dataclass
class Served:
    url: str
    app: Any
    server: ServerThread

    @property
    def deps(self):
        return self.app.state.deps


def worker_database(url: str | None, worker: str | None) -> str | None:
    """The URL of this pytest-xdist worker's own database beside the given one (`tavus_test` →
    `tavus_test_gw0`): advisory locks (the reconciler's leader, migrations) are per database, so
    workers sharing one would take each other's. Without xdist the URL as given."""
    if not url or not worker:
        return url
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or parts.username or "postgres"
    return urlunsplit(parts._replace(path=f"/{name}_{worker}"))


WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, … under pytest -n; None without
BASE_POSTGRES = os.environ.get("TAVUS_SLACK_TEST_POSTGRES")
POSTGRES = worker_database(BASE_POSTGRES, WORKER)  # a database where tests may make schemas
ON_CI = os.environ.get("CI", "").lower() not in ("", "0", "false")


def _worker_database(create: bool) -> None:
    """Create (fresh) or drop this worker's database, connected to the one the user named."""
    if POSTGRES == BASE_POSTGRES:
        return
    import psycopg

    name = urlsplit(POSTGRES).path.lstrip("/")
    try:
        with psycopg.connect(BASE_POSTGRES, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')
            if create:
                conn.execute(f'create database "{name}"')
    except psycopg.Error as exc:
        if create:
            raise pytest.UsageError(
                f"pytest-xdist worker {WORKER} needs a database of its own ({name}) and could not create"
                f" it: {exc}. Give the role CREATEDB, or run with -n 0."
            ) from exc


def pytest_configure(config) -> None:
    _worker_database(create=True)


def pytest_unconfigure(config) -> None:
    _worker_database(create=False)


def skip_unless_ci(reason: str) -> None:
    """Skip a test for want of something CI provides; under CI=true that skip would hide a failure,
    so the test fails instead."""
    if ON_CI:
        pytest.fail(f"CI is set, so this cannot be skipped: {reason}", pytrace=False)
    pytest.skip(reason)


def need_postgres() -> str:
    """The test PostgreSQL's URL, or a skip (a failure under CI) when none is set."""
    if not POSTGRES:
        skip_unless_ci("set TAVUS_SLACK_TEST_POSTGRES=postgresql://… to run on PostgreSQL (.ci/run does)")
    return POSTGRES


def need_shared(path: Path) -> Path:
    """A file of ../shared/, or a skip (a failure under CI): a user's clone has no ../shared/."""
    if not path.exists():
        skip_unless_ci(f"{path.relative_to(SHARED.parent)} is not here (a user's clone has no ../shared/)")
    return path


def pytest_generate_tests(metafunc) -> None:
    """Modules that set BOTH_BACKENDS = True run every test on SQLite and on PostgreSQL."""
    if "database_url" in metafunc.fixturenames:
        both = getattr(metafunc.module, "BOTH_BACKENDS", False)
        metafunc.parametrize("database_url", ["sqlite", "postgres"] if both else ["sqlite"], indirect=True)


@pytest.fixture
def database_url(request, tmp_path: Path) -> Iterator[str]:
    """A fresh store: a SQLite file, or a PostgreSQL schema of its own (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/tavus-slack.db"
        return
    yield from postgres_schema(need_postgres())


def postgres_schema(url: str) -> Iterator[str]:
    import psycopg

    schema = "t_" + secrets.token_hex(6)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"create schema {schema}")
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"drop schema {schema} cascade")


@pytest.fixture
def serve(tmp_path: Path, tavus: Sim, slack: Sim, database_url: str) -> Iterator[Callable[..., Served]]:
    """serve(**settings) starts the app on a free port with PUBLIC_URL pointing at itself."""
    started: list[ServerThread] = []

    def start(**overrides: Any) -> Served:
        overrides.setdefault("DATABASE_URL", database_url)
        for attempt in range(3):  # another test process may take the free port before we bind it
            port = free_port()
            settings = {"PUBLIC_URL": f"http://127.0.0.1:{port}", **overrides}
            app = create_app(make_settings(tmp_path, tavus, slack, **settings), reconcile=False)
            try:
                server = ServerThread(app, port=port).start()
            except RuntimeError:
                if attempt == 2:
                    raise
                continue
            started.append(server)
            return Served(server.url, app, server)
        raise AssertionError("unreachable")

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def served(serve) -> Served:
    return serve()


@pytest.fixture
def driver(served: Served, slack: Sim) -> Iterator[SlackDriver]:
    d = SlackDriver(served.url, SIGNING_SECRET, slack.sim.state, slack.url)
    yield d
    d.close()


def run_in_app_loop(served, coro):
    """Run a coroutine on the app server's own event loop (its clients belong to it)."""
    return asyncio.run_coroutine_threadsafe(coro, served.server.loop).result(timeout=30)
