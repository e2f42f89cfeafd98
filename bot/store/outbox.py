"""The outbox: side effects a state change owes (redraw a card, post a reply or a DM, end a call),
written in the same transaction as the change and drained by bot/services/outbox/worker.py.

A job's `key` is unique: a reply keyed by its event is queued once however often the event comes;
a redraw (`rearm`) re-arms its one row, bumping `version`, so pending redraws of a card collapse
into one and a redraw that raced a newer change runs again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.clock import utcnow
from bot.records import _Record
from bot.store.base import StoreBase

PENDING, DONE, PARKED = "pending", "done", "parked"
HELD = "held"  # `result` of a job its queuer holds until it runs it (a starter's card post)


@dataclass(slots=True)
class Job:
    """A side effect to queue: `kind` names its runner, `key` makes it happen once."""

    kind: str
    key: str
    token: str | None = None
    team_id: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    rearm: bool = False  # a redraw: queue it again even when an earlier one is done
    held: float = 0.0  # > 0: leased this long to the process queueing it, which runs it now (`mine`)


@dataclass(slots=True)
class OutboxRecord(_Record):
    id: int
    key: str
    kind: str
    state: str
    due_at: str
    created_at: str
    token: str | None = None
    team_id: str | None = None
    payload: str | None = None
    attempts: int = 0
    version: int = 0
    lease_until: str | None = None
    last_error: str | None = None
    result: str | None = None
    updated_at: str | None = None

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.payload or "{}")


def later(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat(timespec="milliseconds")


def job_row(job: Job, now: str) -> tuple:
    """A new job's outbox columns: key, kind, token, team_id, payload, state, due_at, created_at,
    updated_at, lease_until, result."""
    lease, mark = (later(job.held), HELD) if job.held else (None, None)
    payload = json.dumps(job.payload)
    return (job.key, job.kind, job.token, job.team_id, payload, PENDING, now, now, now, lease, mark)


def enqueue(tx, jobs: list[Job]) -> None:
    """Queue jobs inside the caller's transaction."""
    now = utcnow()
    for job in jobs:
        params = job_row(job, now)
        sql = (
            "insert into outbox (key, kind, token, team_id, payload, state, due_at, created_at, updated_at, "
            "lease_until, result) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (key) do "
        )
        if job.rearm:
            sql += (
                "update set state = 'pending', due_at = excluded.due_at, attempts = 0, "
                "version = outbox.version + 1, created_at = excluded.created_at, "
                "updated_at = excluded.updated_at"
            )
        else:
            sql += "nothing"
        tx.execute(sql, params)
    if jobs:
        tx.notify()


def job_done(tx, job: OutboxRecord, result: str | None) -> bool:
    done = tx.execute(
        "update outbox set state = 'done', result = ?, lease_until = null, last_error = null, "
        "updated_at = ? where id = ? and version = ?",
        (result, utcnow(), job.id, job.version),
    )
    if not done:
        tx.execute("update outbox set lease_until = null where id = ?", (job.id,))
    return done > 0


def lease(
    tx, where: str, params: tuple, limit: int, seconds: float, skip_locked: str = ""
) -> list[OutboxRecord]:
    """Lease the jobs `where` says, inside the caller's transaction."""
    rows = tx.query(
        f"select * from outbox where {where} order by due_at, id limit {int(limit)}" + skip_locked, params
    )
    until = later(seconds)
    for row in rows:
        tx.execute(  # a held job's mark goes with its first claim, by its holder or another
            f"update outbox set lease_until = ?, result = nullif(result, '{HELD}') where id = ?",
            (until, row["id"]),
        )
    return [OutboxRecord.from_row(r) for r in rows]


def lease_held(tx, key: str, seconds: float) -> OutboxRecord | None:
    """The job `key` its queuer holds, leased to it (claim_jobs(…, key, mine=True)) in the caller's
    transaction; None when it is not held (another runner claimed it, or it was queued before)."""
    jobs = lease(tx, f"state = 'pending' and result = '{HELD}' and key = ?", (key,), 1, seconds)
    return jobs[0] if jobs else None


class OutboxRecords(StoreBase):
    def add_jobs(self, jobs: list[Job]) -> None:
        with self.db.write() as tx:
            enqueue(tx, jobs)

    def claim_jobs(
        self, lease_seconds: float, limit: int = 20, key: str | None = None, *, mine: bool = False
    ) -> list[OutboxRecord]:
        """Lease due pending jobs (or the one with `key`). On PostgreSQL rows another instance
        holds are skipped, so any instance may drain; a lease that runs out is taken over. `mine`:
        the job with `key` queued `held` by the caller, still unclaimed, whatever its lease."""
        now = utcnow()
        where = "state = 'pending' and due_at <= ? and (lease_until is null or lease_until < ?)"
        params: tuple = (now, now)
        if mine:
            where, params = f"state = 'pending' and result = '{HELD}'", ()
        if key is not None:
            where += " and key = ?"
            params += (key,)
        if self.db.dialect == "sqlite" and not self.db.read(
            f"select 1 from outbox where {where} limit 1", params
        ):
            return []  # nothing due: no write lock taken (a worker looks after every commit it sees)
        with self.db.write() as tx:
            return lease(tx, where, params, limit, lease_seconds, self.db.SKIP_LOCKED)

    def job_done(self, job: OutboxRecord, result: str | None = None) -> bool:
        """Done, unless re-armed while it ran (then it stays pending and runs again)."""
        return self.jobs_done([(job, result)])[0]

    def jobs_done(self, finished: list[tuple[OutboxRecord, str | None]]) -> list[bool]:
        """job_done for each (job, result), in one transaction."""
        with self.db.write() as tx:
            return [job_done(tx, job, result) for job, result in finished]

    def job_progress(self, job: OutboxRecord, result: str) -> None:
        """What a job has done so far (the ts of replies posted), so a retry skips it."""
        with self.db.write() as tx:
            tx.execute(
                "update outbox set result = ?, updated_at = ? where id = ?", (result, utcnow(), job.id)
            )

    def job_failed(
        self, job: OutboxRecord, error: str, *, retry_in: float | None, tell: list[Job] | None = None
    ) -> None:
        """Count a failed attempt: retry after `retry_in` seconds, or park it (None) and queue
        `tell` in the same transaction."""
        with self.db.write() as tx:
            if retry_in is None:
                tx.execute(
                    "update outbox set state = 'parked', attempts = attempts + 1, last_error = ?, "
                    "lease_until = null, updated_at = ? where id = ? and version = ?",
                    (error[:500], utcnow(), job.id, job.version),
                )
                enqueue(tx, tell or [])
            else:
                tx.execute(
                    "update outbox set attempts = attempts + 1, last_error = ?, due_at = ?, "
                    "lease_until = null, updated_at = ? where id = ? and version = ?",
                    (error[:500], later(retry_in), utcnow(), job.id, job.version),
                )
            tx.execute("update outbox set lease_until = null where id = ?", (job.id,))

    def job_defer(self, job: OutboxRecord, seconds: float) -> None:
        """Not yet (e.g. a reply whose card is still being posted): later, without an attempt."""
        with self.db.write() as tx:
            tx.execute(
                "update outbox set due_at = ?, lease_until = null where id = ?", (later(seconds), job.id)
            )

    def jobs(self, state: str | None = None, kind: str | None = None) -> list[OutboxRecord]:
        where, params = "1 = 1", ()
        if state:
            where, params = where + " and state = ?", (*params, state)
        if kind:
            where, params = where + " and kind = ?", (*params, kind)
        rows = self.db.read(f"select * from outbox where {where} order by id", params)
        return [OutboxRecord.from_row(r) for r in rows]

    def job(self, key: str) -> OutboxRecord | None:
        return OutboxRecord.from_row(self._one("select * from outbox where key = ?", (key,)))

    def purge_jobs(self, before: str) -> int:
        """Forget done jobs older than `before` (keys of replies stay long enough to catch redeliveries)."""
        with self.db.write() as tx:
            return tx.execute("delete from outbox where state = 'done' and updated_at < ?", (before,))
