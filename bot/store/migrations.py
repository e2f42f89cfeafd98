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
def m007_invites(db: Database) -> None:
    """Issue 14: candidates (a Slack user or an external person), private invite links (stored
    hashed), per-workspace interview settings, and where each interview's results were posted."""
    for column in ("candidate_name", "candidate_email", "opens_at", "expires_at", "ref"):
        db["conversations"].add_column(column, str)
    db["conversations"].create_index(["ref"])
    invite = "token_hash nonce meeting_token request dm_channel dm_ts busy_at revoked_at"
    columns = {"conv_token": str, "team_id": str, **dict.fromkeys(invite.split(), str)}
    db["invites"].create(
        {**columns, "dm_final": int, "busy_told": int},
        pk="conv_token",
        not_null={"team_id"},
        defaults={"dm_final": 0, "busy_told": 0},
    )
    db["invites"].create_index(["token_hash"], unique=True)
    settings = {
        "team_id": str,
        "open_interviews": int,
        "results_to": str,
        "results_channel": str,
        "consent": str,
    }
    db["workspace_settings"].create(settings, pk="team_id")
    posted = {"id": int, "conv_token": str, "channel": str, "ts": str, "thread_root": int, "at": str}
    db["result_messages"].create(posted, pk="id", not_null={"conv_token", "channel", "ts"})
    db["result_messages"].create_index(["conv_token"])


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
    "m007_invites": """
        alter table conversations add column candidate_name text;
        alter table conversations add column candidate_email text;
        alter table conversations add column opens_at text;
        alter table conversations add column expires_at text;
        alter table conversations add column ref text;
        create index conversations_ref on conversations (ref);
        create table invites (conv_token text primary key, team_id text not null, token_hash text,
            nonce text, meeting_token text, request text, dm_channel text, dm_ts text,
            dm_final integer default 0, busy_at text, busy_told integer default 0, revoked_at text);
        create unique index invites_token_hash on invites (token_hash);
        create table workspace_settings (team_id text primary key, open_interviews integer,
            results_to text, results_channel text, consent text);
        create table result_messages (id bigserial primary key, conv_token text not null,
            channel text not null, ts text not null, thread_root integer, at text);
        create index result_messages_conv on result_messages (conv_token)""",
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
