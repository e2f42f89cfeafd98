"""Numbered schema steps, applied once each and recorded in `_migrations`: sqlite-utils calls for
SQLite, plain DDL for PostgreSQL, with the same names so both stores have the same history."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime

from sqlite_utils import Database

MIGRATIONS: list[Callable[[Database], None]] = []


def migration(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_initial(db: Database) -> None:
    db["personas"].create(
        {
            "persona_id": str,
            "team_id": str,
            "enterprise_id": str,
            "owner_id": str,
            "name": str,
            "pipeline_mode": str,
            "replica_id": str,
            "perception_model": str,
            "shared": int,
            "created_at": str,
            "deleted_at": str,
        },
        pk="persona_id",
        not_null={"team_id", "owner_id", "name", "created_at"},
        defaults={"shared": 0},
    )
    db["personas"].create_index(["team_id", "owner_id"])
    db["conversations"].create(
        {
            "token": str,
            "conversation_id": str,
            "team_id": str,
            "enterprise_id": str,
            "owner_id": str,
            "persona_id": str,
            "persona_name": str,
            "channel_id": str,
            "message_ts": str,
            "url": str,
            "name": str,
            "candidate_id": str,
            "status": str,
            "request_key": str,
            "created_at": str,
            "live_at": str,
            "ended_at": str,
            "shutdown_reason": str,
            "ended_by": str,
            "error": str,
            "updated_at": str,
        },
        pk="token",
        not_null={"team_id", "owner_id", "status", "created_at"},
    )
    db["conversations"].create_index(["conversation_id"], unique=True)
    db["conversations"].create_index(["request_key"], unique=True)
    db["conversations"].create_index(["team_id", "owner_id", "status"])
    db["conversations"].create_index(["status"])
    db["events"].create(
        {
            "id": int,
            "token": str,
            "conversation_id": str,
            "event_type": str,
            "timestamp": str,
            "received_at": str,
            "body": str,
        },
        pk="id",
        not_null={"conversation_id", "event_type", "received_at"},
    )
    db["events"].create_index(["conversation_id", "event_type", "timestamp"], unique=True)
    db["audit"].create(
        {"id": int, "at": str, "team_id": str, "user_id": str, "action": str, "target": str, "detail": str},
        pk="id",
        not_null={"at", "action"},
    )
    db["seen_requests"].create({"key": str, "at": str}, pk="key")


@migration
def m002_slack_calls(db: Database) -> None:
    db["conversations"].add_column("call_id", str)


@migration
def m003_callback_token_hash(db: Database) -> None:
    """Callbacks are looked up by a hash of their token, so lookup time says nothing of the token."""
    db["conversations"].add_column("token_hash", str)
    for row in list(db.query("select token from conversations")):
        db.execute(
            "update conversations set token_hash = ? where token = ?",
            (token_hash(row["token"]), row["token"]),
        )
    db["conversations"].create_index(["token_hash"], unique=True)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@migration
def m004_workspaces(db: Database) -> None:
    """Installed workspaces (OAuth) with their bot token and Tavus key, both encrypted, and the
    OAuth flow's one-time states."""
    db["workspaces"].create(
        {
            "team_id": str,
            "enterprise_id": str,
            "app_id": str,
            "bot_token_enc": str,
            "bot_id": str,
            "bot_user_id": str,
            "bot_scopes": str,
            "installer_id": str,
            "installed_at": str,
            "tavus_key_enc": str,
            "tavus_key_set_by": str,
            "tavus_key_set_at": str,
        },
        pk="team_id",
    )
    db["oauth_states"].create({"state": str, "expires_at": str}, pk="state", not_null={"expires_at"})


@migration
def m005_outbox(db: Database) -> None:
    """Side effects owed by a state change, written in its transaction and drained by a worker;
    the card's drawn status, so recovery can find cards that do not show their state; and
    claims on a quick interview's whole intent, so a double command starts one interview."""
    db["outbox"].create(
        {
            "id": int,
            "key": str,
            "kind": str,
            "token": str,
            "team_id": str,
            "payload": str,
            "state": str,
            "attempts": int,
            "version": int,
            "due_at": str,
            "lease_until": str,
            "last_error": str,
            "result": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"key", "kind", "state", "due_at", "created_at"},
        defaults={"attempts": 0, "version": 0},
    )
    db["outbox"].create_index(["key"], unique=True)
    db["outbox"].create_index(["state", "due_at"])
    db["conversations"].add_column("card_status", str)
    db["intent_claims"].create({"key": str, "expires_at": str}, pk="key", not_null={"expires_at"})


PG_MIGRATIONS = {
    "m001_initial": """
        create table personas (persona_id text primary key, team_id text not null, enterprise_id text,
            owner_id text not null, name text not null, pipeline_mode text, replica_id text,
            perception_model text, shared integer default 0, created_at text not null, deleted_at text);
        create index personas_team_owner on personas (team_id, owner_id);
        create table conversations (token text primary key, conversation_id text, team_id text not null,
            enterprise_id text, owner_id text not null, persona_id text, persona_name text,
            channel_id text, message_ts text, url text, name text, candidate_id text,
            status text not null, request_key text, created_at text not null, live_at text,
            ended_at text, shutdown_reason text, ended_by text, error text, updated_at text);
        create unique index conversations_conversation_id on conversations (conversation_id);
        create unique index conversations_request_key on conversations (request_key);
        create index conversations_team_owner_status on conversations (team_id, owner_id, status);
        create index conversations_status on conversations (status);
        create table events (id bigserial primary key, token text, conversation_id text not null,
            event_type text not null, timestamp text, received_at text not null, body text);
        create unique index events_once on events (conversation_id, event_type, timestamp);
        create table audit (id bigserial primary key, at text not null, team_id text, user_id text,
            action text not null, target text, detail text);
        create table seen_requests (key text primary key, at text)""",
    "m002_slack_calls": "alter table conversations add column call_id text",
    "m003_callback_token_hash": """
        alter table conversations add column token_hash text;
        create unique index conversations_token_hash on conversations (token_hash)""",
    "m004_workspaces": """
        create table workspaces (team_id text primary key, enterprise_id text, app_id text,
            bot_token_enc text, bot_id text, bot_user_id text, bot_scopes text, installer_id text,
            installed_at text, tavus_key_enc text, tavus_key_set_by text, tavus_key_set_at text);
        create table oauth_states (state text primary key, expires_at text not null)""",
    "m005_outbox": """
        create table outbox (id bigserial primary key, key text not null, kind text not null, token text,
            team_id text, payload text, state text not null, attempts integer default 0,
            version integer default 0, due_at text not null, lease_until text, last_error text,
            result text, created_at text not null, updated_at text);
        create unique index outbox_key on outbox (key);
        create index outbox_state_due_at on outbox (state, due_at);
        alter table conversations add column card_status text;
        create table intent_claims (key text primary key, expires_at text not null)""",
}
PG_MIGRATION_LOCK = 7_353_124  # pg_advisory_xact_lock key: instances starting together migrate once


def migrate_postgres(tx) -> list[str]:
    """Apply PostgreSQL migrations not yet recorded, under an advisory lock."""
    tx.execute(f"select pg_advisory_xact_lock({PG_MIGRATION_LOCK})")
    tx.execute("create table if not exists _migrations (name text primary key, applied_at text)")
    done = {row["name"] for row in tx.query("select name from _migrations")}
    applied = []
    for name, ddl in PG_MIGRATIONS.items():
        if name in done:
            continue
        for statement in filter(str.strip, ddl.split(";")):
            tx.execute(statement)
        tx.execute(
            "insert into _migrations (name, applied_at) values (?, ?)", (name, datetime.now(UTC).isoformat())
        )
        applied.append(name)
    return applied


def migrate_sqlite(db: Database) -> list[str]:
    """Apply every migration not yet recorded; return the names applied now."""
    db["_migrations"].create({"name": str, "applied_at": str}, pk="name", if_not_exists=True)
    done = {row["name"] for row in db["_migrations"].rows}
    applied = []
    for step in MIGRATIONS:
        if step.__name__ in done:
            continue
        with db.atomic():
            step(db)
            db["_migrations"].insert({"name": step.__name__, "applied_at": datetime.now(UTC).isoformat()})
        applied.append(step.__name__)
    return applied
