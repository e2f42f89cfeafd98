"""One list of numbered schema steps that SQLite and PostgreSQL both run, each applied once and
recorded in `_migrations`.

A step is portable SQL (text columns, `create table`, `create index`, `alter table … add column`)
or a Python function of the transaction (a backfill, computed the same way on both backends). The
few words the two dialects spell differently are `{placeholders}` filled from DIALECTS.
To change the schema, append `Migration("m005_…", "sql", …)` to MIGRATIONS; never edit a step
that has shipped, as databases already at it will not run it again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Literal

from bot.clock import utcnow
from bot.store.migrations_more import MORE
from bot.store.sql import Tx

Dialect = Literal["sqlite", "postgres"]
Step = str | Callable[[Tx], None]

MIGRATION_LOCK = 7_353_124  # pg_advisory_xact_lock key: instances starting together migrate once

DIALECTS: dict[Dialect, dict[str, str]] = {
    "sqlite": {
        # a rowid alias, as the previous release's sqlite-utils tables had it
        "serial_pk": "integer primary key",
        # BEGIN IMMEDIATE (SqliteBackend.write) already serialises migrating instances
        "lock": "",
        "tables": "select name from sqlite_master where type = 'table'",
    },
    "postgres": {
        "serial_pk": "bigserial primary key",
        "lock": f"select pg_advisory_xact_lock({MIGRATION_LOCK})",
        "tables": "select table_name as name from information_schema.tables "
        "where table_schema = current_schema()",
    },
}


class Migration:
    """A numbered schema change: its steps run in order, in the transaction that records it."""

    def __init__(self, name: str, *steps: Step) -> None:
        self.name, self.steps = name, steps


def token_hash(token: str) -> str:
    """The sha256 hex a callback token is looked up by, so lookup time says nothing of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _hash_tokens(tx: Tx) -> None:
    for row in tx.query("select token from conversations where token_hash is null"):
        tx.execute(
            "update conversations set token_hash = ? where token = ?",
            (token_hash(row["token"]), row["token"]),
        )


# Index names: SQLite databases made by the previous release keep sqlite-utils' `idx_<table>_<columns>`
# names for m001–m004's indexes; a later step that drops one says `drop index if exists` for both.
MIGRATIONS: list[Migration] = [
    Migration(
        "m001_initial",
        """create table personas (persona_id text primary key, team_id text not null, enterprise_id text,
            owner_id text not null, name text not null, pipeline_mode text, replica_id text,
            perception_model text, shared integer default 0, created_at text not null, deleted_at text)""",
        "create index personas_team_owner on personas (team_id, owner_id)",
        """create table conversations (token text primary key, conversation_id text, team_id text not null,
            enterprise_id text, owner_id text not null, persona_id text, persona_name text,
            channel_id text, message_ts text, url text, name text, candidate_id text,
            status text not null, request_key text, created_at text not null, live_at text,
            ended_at text, shutdown_reason text, ended_by text, error text, updated_at text)""",
        "create unique index conversations_conversation_id on conversations (conversation_id)",
        "create unique index conversations_request_key on conversations (request_key)",
        "create index conversations_team_owner_status on conversations (team_id, owner_id, status)",
        "create index conversations_status on conversations (status)",
        """create table events (id {serial_pk}, token text, conversation_id text not null,
            event_type text not null, timestamp text, received_at text not null, body text)""",
        "create unique index events_once on events (conversation_id, event_type, timestamp)",
        """create table audit (id {serial_pk}, at text not null, team_id text, user_id text,
            action text not null, target text, detail text)""",
        "create table seen_requests (key text primary key, at text)",
    ),
    Migration("m002_slack_calls", "alter table conversations add column call_id text"),
    Migration(
        "m003_callback_token_hash",
        "alter table conversations add column token_hash text",
        _hash_tokens,
        "create unique index conversations_token_hash on conversations (token_hash)",
    ),
    Migration(
        "m004_workspaces",  # installed workspaces (OAuth), their secrets encrypted; OAuth's one-time states
        """create table workspaces (team_id text primary key, enterprise_id text, app_id text,
            bot_token_enc text, bot_id text, bot_user_id text, bot_scopes text, installer_id text,
            installed_at text, tavus_key_enc text, tavus_key_set_by text, tavus_key_set_at text)""",
        "create table oauth_states (state text primary key, expires_at text not null)",
    ),
    Migration(
        "m005_outbox",  # side effects owed by state changes; the card's drawn status; quick-start claims
        """create table outbox (id {serial_pk}, key text not null, kind text not null, token text,
            team_id text, payload text, state text not null, attempts integer default 0,
            version integer default 0, due_at text not null, lease_until text, last_error text,
            result text, created_at text not null, updated_at text)""",
        "create unique index outbox_key on outbox (key)",
        "create index outbox_state_due_at on outbox (state, due_at)",
        "alter table conversations add column card_status text",
        "create table intent_claims (key text primary key, expires_at text not null)",
    ),
    Migration(
        "m006_invites",  # candidates, private invite links (hashed), workspace settings, results posted
        "alter table conversations add column candidate_name text",
        "alter table conversations add column candidate_email text",
        "alter table conversations add column opens_at text",
        "alter table conversations add column expires_at text",
        "alter table conversations add column ref text",
        "create index conversations_ref on conversations (ref)",
        """create table invites (conv_token text primary key, team_id text not null, token_hash text,
            nonce text, meeting_token text, request text, dm_channel text, dm_ts text,
            dm_final integer default 0, busy_at text, busy_told integer default 0, revoked_at text)""",
        "create unique index invites_token_hash on invites (token_hash)",
        """create table workspace_settings (team_id text primary key, open_interviews integer,
            results_to text, results_channel text, consent text)""",
        """create table result_messages (id {serial_pk}, conv_token text not null,
            channel text not null, ts text not null, thread_root integer, at text)""",
        "create index result_messages_conv on result_messages (conv_token)",
    ),
    Migration(
        "m007_persona_plan",  # issue 15: the Tavus objectives, guardrails and document a persona uses
        "alter table personas add column objectives_id text",
        "alter table personas add column guardrails_id text",
        "alter table personas add column document_id text",
    ),
    Migration(
        "m008_report",  # issue 15: one report per interview, its transcript file or canvas; canvas setting
        """create table reports (conv_token text primary key, team_id text, channel text, ts text,
            thread_ts text, canvas_id text, file_id text, file_pending text, transcript_as text,
            updated_at text)""",
        "alter table workspace_settings add column report_canvas integer",
        "alter table workspace_settings add column canvas_refused text",
    ),
    Migration(
        "m009_documents",  # issue 15: a job description's processing status, and its callback's hash
        "alter table personas add column document_status text",
        "alter table personas add column document_error text",
        "alter table personas add column document_hook text",
        "alter table personas add column document_checked_at text",
        "create unique index personas_document_hook on personas (document_hook)",
    ),
    Migration(
        "m010_events_token",  # a report reads its events by callback token too (before the id is known)
        "create index events_token on events (token)",
    ),
]
MIGRATIONS += [Migration(*steps) for steps in MORE]  # m011 on: bot/store/migrations_more.py


def migrate(tx: Tx, dialect: Dialect) -> list[str]:
    """Apply, in one transaction, every migration not yet recorded; return the names applied now."""
    words = DIALECTS[dialect]
    if words["lock"]:
        tx.execute(words["lock"])
    tx.execute("create table if not exists _migrations (name text primary key, applied_at text)")
    done = {row["name"] for row in tx.query("select name from _migrations")}
    applied = []
    for migration in MIGRATIONS:
        if migration.name in done:
            continue
        for step in migration.steps:
            if callable(step):
                step(tx)
            else:
                tx.execute(step.format_map(words))
        tx.execute("insert into _migrations (name, applied_at) values (?, ?)", (migration.name, utcnow()))
        applied.append(migration.name)
    return applied


def pending(read: Callable[[str], list[dict]], dialect: Dialect) -> list[str]:
    """Names of the migrations a database has not had yet, without changing it (for `doctor`)."""
    tables = {row["name"] for row in read(DIALECTS[dialect]["tables"])}
    done = {row["name"] for row in read("select name from _migrations")} if "_migrations" in tables else set()
    return [m.name for m in MIGRATIONS if m.name not in done]
