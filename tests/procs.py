"""The app as a real process (`python -m bot serve`), for SIGKILL and full-log tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
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
    tmp_path: Path, tavus_url: str, slack_url: str, *, port: int | None = None, name: str = "app", **env: str
) -> AppProcess:
    if port is None:  # another test process may take a free port before the app binds it: try anew
        for attempt in range(3):
            try:
                return _start_app(tmp_path, tavus_url, slack_url, port=free_port(), name=name, **env)
            except RuntimeError as exc:
                if attempt == 2 or "address already in use" not in str(exc):
                    raise
    return _start_app(tmp_path, tavus_url, slack_url, port=port, name=name, **env)


def _start_app(
    tmp_path: Path, tavus_url: str, slack_url: str, *, port: int, name: str, **env: str
) -> AppProcess:
    log = tmp_path / f"{name}-{time.time():.3f}.log"
    environment = {
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
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
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
