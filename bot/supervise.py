"""`tavus-slack serve`: the web process and --workers N worker processes on one machine, started
and stopped together.

SIGTERM or Ctrl-C (SIGINT) to this parent stops every child (SIGTERM, then SIGKILL after
STOP_SECONDS). A child that exits on its own is reported and the others are stopped, and `serve`
exits non-zero: the process manager above (systemd, a container's restart policy, the platform)
restarts the whole, and nothing is lost meanwhile (the outbox's jobs are rows; a job a dead worker
held is taken over when its lease ends). Restarting children here would hide a crash loop.
Each child dies with this parent even if it is killed outright (PR_SET_PDEATHSIG, Linux)."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import time

from bot.config import SettingsError, load_settings
from bot.logs import settings_secrets, setup_logging

log = logging.getLogger(__name__)

PARENT = "TAVUS_SLACK_PARENT"  # set in a child's environment: the pid it must not outlive
ROLE = "TAVUS_SLACK_ROLE"  # and its name in log lines: web, worker 1, worker 2, …
STOP_SECONDS = 15.0
PR_SET_PDEATHSIG = 1


def serve(workers: int) -> int:
    children = {spawn("web", "web"): "web"}
    children.update({spawn("worker", f"worker {n + 1}"): f"worker {n + 1}" for n in range(workers)})
    stopping: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda got, _frame: stopping.append(got))
    log.info("serving: web pid %s, %d worker(s)", next(iter(children)).pid, workers)
    status = 0
    while not stopping:
        if dead := [p for p in children if p.poll() is not None]:
            for proc in dead:
                log.error("the %s process (pid %d) exited with status %s: stopping the others",
                          children[proc], proc.pid, proc.returncode)  # fmt: skip
            status = 1
            break
        time.sleep(0.2)
    stop_all(list(children))
    return status


def spawn(command: str, role: str) -> subprocess.Popen:
    env = {**os.environ, PARENT: str(os.getpid()), ROLE: role}
    return subprocess.Popen([sys.executable, "-m", "bot", command], env=env)


def stop_all(children: list[subprocess.Popen]) -> None:
    for proc in children:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for proc in children:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("pid %d did not stop in %.0f s: killed", proc.pid, STOP_SECONDS)
            proc.kill()
            proc.wait()


def die_with_parent() -> None:
    """In a child of `serve`: be killed when the parent dies, however it dies."""
    parent = os.environ.pop(PARENT, None)
    if parent is None or not sys.platform.startswith("linux"):
        return
    with_errno = ctypes.CDLL(None, use_errno=True)
    with_errno.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != int(parent):  # it died before the line above
        os._exit(1)


def serve_one(which: str) -> int:
    """`web` or `worker`: one process, as a child of `serve` or on its own (a Procfile's line)."""
    die_with_parent()
    if (settings := serving_settings(os.environ.get(ROLE, which))) is None:
        return 2
    if which == "worker":
        from bot.worker import main as run_worker

        return run_worker(settings)
    import uvicorn

    from bot.app import create_app

    uvicorn.run(
        create_app(settings, worker=False),
        host=settings.HOST,
        port=settings.PORT,
        log_config=None,  # keep setup_logging's: uvicorn's lines go through the same redacting filter
        log_level=settings.LOG_LEVEL.lower(),
        proxy_headers=True,
        server_header=False,
    )
    return 0


def serving_settings(role: str):
    """The settings, logging set up (each line names the process's role: web, worker 2, …); None,
    the reason on stderr, when they are unusable or the database does not answer."""
    from bot.doctor.reach import database_unreachable

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return None
    setup_logging(settings_secrets(settings), level=getattr(logging, settings.LOG_LEVEL), role=role)
    if problem := database_unreachable(settings.DATABASE_URL):
        print(f"{role}: {problem}", file=sys.stderr)
        return None
    return settings
