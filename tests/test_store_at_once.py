"""A worker's store calls on its loop's thread (bot/store/aio.py, `run_at_once`): made there when
SQLite answers at once, else in the pool, waiting for the lock, with nothing written twice."""

import asyncio
import fcntl
import threading

from bot.store import Job, Store
from bot.store.aio import AsyncStore

BOTH_BACKENDS = True


def where() -> int:
    """A unit of store work that says which thread ran it."""
    return threading.get_ident()


def test_named_calls_run_on_the_loop_thread_and_others_in_the_pool(database_url):
    store = Store(database_url)
    db = AsyncStore(store, threads=2)
    db.run_at_once(["where", "add_jobs", "job"])

    async def run() -> tuple[int, int, int]:
        await db.add_jobs([Job("dm", "dm:at-once", None, "T1", {"channel": "U1", "text": "hi"})])
        assert (await db.job("dm:at-once")).state == "pending"
        return threading.get_ident(), await db.run(where), await db.run(lambda: where())

    try:
        loop_thread, named, other = asyncio.run(run())
    finally:
        db.close()
        store.close()
    if store.db.dialect == "postgres":  # every query is a network trip: always the pool
        assert named != loop_thread and not db.at_once
    else:
        assert named == loop_thread
    assert other != loop_thread


def test_a_write_that_would_wait_goes_to_the_pool_and_is_made_once(tmp_path):
    """Another thread of the process holds the write lock: the named write does not block the loop
    (a timer on it still fires), waits in the pool instead, and its job is queued once."""
    store = Store(f"sqlite:///{tmp_path}/at-once.db")
    db = AsyncStore(store, threads=2)
    db.run_at_once(["add_jobs"])
    inside, leave = threading.Event(), threading.Event()

    def hold() -> None:
        with store.db.write():
            inside.set()
            leave.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait(5)

    async def run() -> bool:
        loop = asyncio.get_running_loop()
        ticked = asyncio.Event()
        loop.call_later(0.05, ticked.set)
        threading.Timer(0.2, leave.set).start()  # the lock is given back after a while
        await db.add_jobs([Job("dm", "dm:waited", None, "T1", {"channel": "U1", "text": "hi"})])
        return ticked.is_set()

    try:
        assert asyncio.run(run())  # the loop kept turning while the write waited
        holder.join(5)
        assert [j.key for j in store.jobs()] == ["dm:waited"]
    finally:
        leave.set()
        db.close()
        store.close()


def test_a_worker_write_gives_way_to_a_waiting_web_process_without_blocking(tmp_path):
    """A worker's store (`in_background`) lets a web process that wants a turn go first; on the loop's
    thread it does not wait for that either: the write goes to the pool, and is made after."""
    path = f"{tmp_path}/turns.db"
    store = Store(f"sqlite:///{path}")
    store.db.in_background()
    db = AsyncStore(store, threads=2)
    db.run_at_once(["add_jobs"])
    web = open(path + ".web", "a")  # noqa: SIM115 (the web process's wish for a turn, held below)
    fcntl.flock(web.fileno(), fcntl.LOCK_SH)
    wish_ends = threading.Timer(0.2, lambda: fcntl.flock(web.fileno(), fcntl.LOCK_UN))

    async def run() -> bool:
        loop = asyncio.get_running_loop()
        ticked = asyncio.Event()
        loop.call_later(0.05, ticked.set)
        wish_ends.start()
        await db.add_jobs([Job("dm", "dm:after-web", None, "T1", {"channel": "U1", "text": "hi"})])
        return ticked.is_set()

    try:
        assert asyncio.run(run())
        assert [j.key for j in store.jobs()] == ["dm:after-web"]
    finally:
        wish_ends.join()  # before its file is closed
        web.close()
        db.close()
        store.close()


def test_a_workers_calls_on_its_loop_thread_still_checkpoint(tmp_path):
    """`now` leaves checkpoints (disk syncs) to other threads in the web process, whose acks wait;
    a worker makes nearly all its writes there, so there its commits checkpoint (else the WAL
    grew by hundreds of MB under the bench's ceiling)."""

    def autocheckpoint(store: Store) -> int:
        return store.db.db().execute("PRAGMA wal_autocheckpoint").fetchone()[0]

    web, worker = Store(f"sqlite:///{tmp_path}/web.db"), Store(f"sqlite:///{tmp_path}/worker.db")
    worker.db.in_background()
    try:
        assert web.now(autocheckpoint, web) == 0
        assert worker.now(autocheckpoint, worker) == 1000
        assert autocheckpoint(web) == 1000  # outside `now`, as ever
    finally:
        web.close()
        worker.close()
