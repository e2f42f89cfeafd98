"""The claim before a start's ack on PostgreSQL, in one statement: the intent claimed (or taken
over once expired), the start's jobs queued only if it was, and a worker woken, in one round trip
and one implicit transaction. As a transaction of four statements it took six round trips to a
server that shares the machine's cores with the worker's queries: the ack waited on each."""

from __future__ import annotations

from bot.store.postgres import OUTBOX_CHANNEL, PostgresBackend

COLUMNS = "key, kind, token, team_id, payload, state, due_at, created_at, updated_at, lease_until, result"


def claim_and_queue(backend: PostgresBackend, key: str, expires_at: str, now: str, rows: list[tuple]) -> bool:
    """True when this caller claimed the intent (its outbox `rows`, in COLUMNS' order, then queued
    once by key); False for a claim that holds until after `now`, nothing queued."""
    values = ", ".join([f"({', '.join('?' * len(COLUMNS.split(',')))})"] * len(rows))
    sql = f"""
        with claimed as (
            insert into intent_claims (key, expires_at) values (?, ?)
            on conflict (key) do update set expires_at = excluded.expires_at
            where intent_claims.expires_at <= ?
            returning key
        ), queued as (
            insert into outbox ({COLUMNS})
            select * from (values {values}) as job ({COLUMNS}) where exists (select 1 from claimed)
            on conflict (key) do nothing
            returning key
        )
        select (select count(*) from claimed) as claimed,
               (select count(*) from (select pg_notify('{OUTBOX_CHANNEL}', '')
                                      from (select 1 from queued limit 1) as one) as told) as told"""
    params = (key, expires_at, now, *(value for row in rows for value in row))
    return backend.at_once(sql, params)[0]["claimed"] > 0
