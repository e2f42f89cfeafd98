"""A new job wakes a worker at once, whichever process queued it.

PostgreSQL: the transaction that queues jobs sends NOTIFY (bot/store/postgres.py), delivered when
it commits; each worker LISTENs on a connection of its own. SQLite: each worker reads
`PRAGMA data_version` every TICK on a connection of its own; it changes when any other connection
commits to the file. The read touches no table and takes no lock (microseconds), so a prompt
pickup costs next to nothing while idle. The idle poll (OUTBOX_POLL_SECONDS) stays behind both."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable

log = logging.getLogger(__name__)

TICK = 0.01  # seconds between two looks at SQLite's data_version
RECONNECT = 2.0  # after a lost LISTEN connection


async def wake_on_commits(url: str, kick: Callable[[], None]) -> None:
    """Call `kick` whenever jobs may have been queued by another connection; runs until cancelled."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if path != ":memory:":
            await watch_sqlite(path, kick)
    elif url.startswith(("postgresql://", "postgres://")):
        await listen_postgres(url, kick)


async def watch_sqlite(path: str, kick: Callable[[], None]) -> None:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        seen = conn.execute("PRAGMA data_version").fetchone()[0]
        while True:
            await asyncio.sleep(TICK)
            version = conn.execute("PRAGMA data_version").fetchone()[0]
            if version != seen:
                seen = version
                kick()
    finally:
        conn.close()


async def listen_postgres(url: str, kick: Callable[[], None]) -> None:
    import psycopg

    from bot.store.postgres import OUTBOX_CHANNEL

    while True:
        try:
            conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
            async with conn:
                await conn.execute(f"listen {OUTBOX_CHANNEL}")
                kick()  # whatever was queued while nobody listened
                async for _ in conn.notifies():
                    kick()
        except (psycopg.Error, OSError) as exc:
            log.warning(
                "outbox LISTEN connection lost (%s); the idle poll covers until it is back",
                type(exc).__name__,
            )
        await asyncio.sleep(RECONNECT)
