"""The app as real processes (`python -m bot serve`, or `web` and `worker`), for SIGKILL and
full-log tests, and the local stand-ins as the README runs them (`tavus-slack sim-slack`,
`tavus-slack sim-tavus`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sim.server import free_port, wait_until_serving
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TAVUS_KEY


@dataclass
class AppProcess:
    proc: subprocess.Popen
    url: str
    log: Path

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no clean-up of any kind
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)


def start_app(
    tmp_path: Path,
    tavus_url: str,
    slack_url: str,
    *,
    port: int | None = None,
    name: str = "app",
    command: tuple[str, ...] = ("serve",),
    **env: str,
) -> AppProcess:
    """`python -m bot serve` (the web process and a worker), or `command` (("web",), …)."""
    if port is None:  # another test process may take a free port before the app binds it: try anew
        for attempt in range(3):
            try:
                return _start_app(tmp_path, tavus_url, slack_url, command, port=free_port(), name=name, **env)
            except RuntimeError as exc:
                if attempt == 2 or "address already in use" not in str(exc):
                    raise
    return _start_app(tmp_path, tavus_url, slack_url, command, port=port, name=name, **env)


def start_worker(tmp_path: Path, tavus_url: str, slack_url: str, *, port: int, **env: str) -> AppProcess:
    """`python -m bot worker` with the app's settings; returns once it says it started."""
    log = tmp_path / f"worker-{time.time():.3f}.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "worker"],
        env=app_env(tmp_path, tavus_url, slack_url, port, **env),
        cwd=tmp_path,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while "worker started" not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)
    return AppProcess(proc, "", log)


def app_env(tmp_path: Path, tavus_url: str, slack_url: str, port: int, **env: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "TAVUS_API_KEY": TAVUS_KEY,
        "TAVUS_API_URL": tavus_url,
        "SLACK_API_URL": f"{slack_url}/api/",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path}/app.db",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "INFO",
        **env,
    }


def _start_app(
    tmp_path: Path,
    tavus_url: str,
    slack_url: str,
    command: tuple[str, ...],
    *,
    port: int,
    name: str,
    **env: str,
) -> AppProcess:
    log = tmp_path / f"{name}-{time.time():.3f}.log"
    environment = app_env(tmp_path, tavus_url, slack_url, port, **env)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", *command],
        env=environment,
        cwd=tmp_path,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        # generous: under a full suite on two busy cores, importing the app alone has taken 30 s
        wait_until_serving(f"{url}/healthz", proc, timeout=120)
    except RuntimeError:
        raise RuntimeError(f"the app did not start:\n{log.read_text()[-3000:]}") from None
    return AppProcess(proc, url, log)


# the NAME=value lines each stand-in prints, the last of its start-up message
LAST_VARIABLE = {"sim-tavus": "TAVUS_API_KEY", "sim-slack": "SLACK_SIGNING_SECRET"}


class StandIn:
    """A running stand-in and its start-up message."""

    def __init__(self, proc: subprocess.Popen, lines: list[str]) -> None:
        self.proc, self.lines = proc, lines

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def variable(self, name: str) -> str:
        """The value the start-up message gives for NAME=value."""
        for line in self.lines:
            if m := re.fullmatch(rf"\s*{name}=(\S+)", line):
                return m.group(1)
        raise AssertionError(f"no {name}= line in:\n{self.text}")

    def variables(self) -> dict[str, str]:
        """Every NAME=value the start-up message tells the user to set."""
        return dict(m.groups() for line in self.lines if (m := re.fullmatch(r"\s*([A-Z_]+)=(\S+)", line)))


@contextmanager
def stand_ins(tmp_path: Path) -> Iterator[Callable[..., StandIn]]:
    """start(command, env, dotenv) runs `tavus-slack <command>` in tmp_path as the README does,
    and returns once it printed its start-up message and serves; all are stopped at the end."""
    started: list[subprocess.Popen] = []

    def start(command: str, env: dict[str, str] | None = None, dotenv: str | None = None) -> StandIn:
        if dotenv is not None:
            (tmp_path / ".env").write_text(dotenv)
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", command],
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), **(env or {})},
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        started.append(proc)
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while not any(line.lstrip().startswith(LAST_VARIABLE[command]) for line in lines):
            line = proc.stdout.readline()
            if not line or time.monotonic() > deadline:
                raise AssertionError(f"{command} did not print its start-up message: {lines}")
            lines.append(line.rstrip("\n"))
        standin = StandIn(proc, lines)
        url = standin.variable("TAVUS_API_URL" if command == "sim-tavus" else "SLACK_API_URL")
        wait_until_serving(url, proc)
        return standin

    try:
        yield start
    finally:
        for proc in started:
            proc.terminate()
            proc.wait(timeout=15)
