"""SQLite writers' turns across processes (bot/store/write_turns.py): the web process's acks first,
never blocking the loop's thread, and a worker's turn however many web processes want theirs."""

from __future__ import annotations

import fcntl
import threading

import pytest

from bot.store import Job, Store, WouldWait


@pytest.fixture
def store(tmp_path):
    s = Store(str(tmp_path / "t.db"))
    yield s
    s.close()


def other_process_holds(path: str, how: int):
    """A lock another process holds: an open file description of its own, as a process has."""
    handle = open(path, "a")  # noqa: SIM115
    fcntl.flock(handle.fileno(), how)
    return handle


def test_the_loops_thread_never_waits_for_a_worker_holding_the_turn(store):
    """A worker between its look at `.web` and its release (a niced process not yet scheduled)
    holds `.web` alone: the web's `Store.now` says WouldWait at once instead of blocking."""
    held = other_process_holds(store.db.path + ".web", fcntl.LOCK_EX)
    outcome: list = []
    thread = threading.Thread(target=lambda: outcome.append(try_now(store)), daemon=True)
    thread.start()
    thread.join(5)
    held.close()
    assert outcome == ["would wait"], "Store.now blocked on the worker's lock"
    assert store.jobs(kind="dm") == []  # nothing written


def try_now(store: Store) -> str:
    try:
        store.now(store.add_jobs, [Job("dm", "dm:k1")])
    except WouldWait:
        return "would wait"
    return "written"


def test_a_worker_gets_its_turn_while_web_processes_keep_wanting_theirs(store):
    """Two web processes' wishes may overlap without end (`.web` always held shared): a worker
    gives way for a moment, then writes."""
    wanting = other_process_holds(store.db.path + ".web", fcntl.LOCK_SH)
    store.db.in_background()
    done = threading.Event()
    thread = threading.Thread(target=lambda: (store.add_jobs([Job("dm", "dm:w")]), done.set()), daemon=True)
    thread.start()
    finished = done.wait(10)
    wanting.close()
    thread.join(5)
    assert finished, "the worker never wrote while a web process wanted a turn"
    assert [j.key for j in store.jobs(kind="dm")] == ["dm:w"]


def test_a_failed_turn_leaves_no_lock_behind(store, monkeypatch):
    """The write lock's flock failing (ENOLCK on a network file system) gives `.web` back: workers
    are not shut out for ever."""
    real = fcntl.flock
    turns = store.db._turns

    def flock(fd, how):
        if fd == turns._fd(".writer") and how & fcntl.LOCK_EX:
            raise OSError(37, "No locks available")
        return real(fd, how)

    monkeypatch.setattr(fcntl, "flock", flock)
    with pytest.raises(OSError, match="No locks"):
        store.add_jobs([Job("dm", "dm:x")])
    monkeypatch.setattr(fcntl, "flock", real)
    worker_wants = other_process_holds(store.db.path + ".web", fcntl.LOCK_EX | fcntl.LOCK_NB)
    worker_wants.close()
