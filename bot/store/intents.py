"""Intent claims: one per command's intent across every instance, taken before its ack with the
jobs it starts (bot/services/starting/claims.py). On SQLite they live in a file of their own
beside the database (SqliteBackend.claims); on PostgreSQL in the database itself."""

from __future__ import annotations

import sqlite3

from bot.clock import utcnow
from bot.store.base import StoreBase
from bot.store.outbox import Job, enqueue, job_row, later
from bot.store.sql import WouldWait


def claim(tx, key: str, seconds: float) -> bool:
    """One atomic claim on an intent for `seconds`: True for the first caller, on any instance."""
    tx.execute("delete from intent_claims where key = ? and expires_at <= ?", (key, utcnow()))
    inserted = tx.execute(
        "insert into intent_claims (key, expires_at) values (?, ?) on conflict do nothing",
        (key, later(seconds)),
    )
    return inserted > 0


class IntentRecords(StoreBase):
    def claim_intent(self, key: str, seconds: float) -> bool:
        """One atomic claim on an intent for `seconds`: True for the first caller, on any instance."""
        with self.db.claims().write() as tx:
            return claim(tx, key, seconds)

    def release_intent(self, key: str) -> None:
        """The intent failed: the same command may be sent again at once."""
        with self.db.claims().write() as tx:
            tx.execute("delete from intent_claims where key = ?", (key,))

    def purge_claims(self) -> int:
        with self.db.claims().write() as tx:
            return tx.execute("delete from intent_claims where expires_at <= ?", (utcnow(),))

    def claim_with_jobs(self, key: str, seconds: float, jobs: list[Job]) -> tuple[bool, bool]:
        """An intent's claim (see `claim_intent`) and the jobs it starts, before a command's ack:
        (claimed, queued). Where claims live in the database itself (PostgreSQL) both are one
        transaction. On SQLite the claims have their own file: the jobs follow in the database when
        its write lock is free; (True, False) when it is not (under `Store.now`), and the caller
        queues them from a thread before its ack."""
        if self.db.dialect == "postgres" and jobs and not any(job.rearm for job in jobs):
            from bot.store.pg_claims import claim_and_queue  # one round trip (PostgreSQL only)

            now = utcnow()
            rows = [job_row(job, now) for job in jobs]
            claimed = claim_and_queue(self.db, key, later(seconds), now, rows)  # type: ignore[arg-type]
            return claimed, claimed
        if self.db.claims() is self.db:
            with self.db.write() as tx:
                if not claim(tx, key, seconds):
                    return False, False
                enqueue(tx, jobs)
                return True, True
        if not self.claim_intent(key, seconds):
            return False, False
        return True, self.try_add_jobs(jobs)

    def try_add_jobs(self, jobs: list[Job]) -> bool:
        """add_jobs, or False with nothing written when it would wait for a lock (under `Store.now`)."""
        try:
            self.add_jobs(jobs)  # type: ignore[attr-defined]
        except WouldWait:
            return False
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return False
            raise
        return True
