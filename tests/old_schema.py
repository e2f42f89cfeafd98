"""The schema of the previous release (9751fb7), step by step, as each backend created it.

SQLite: the SQL that release's sqlite-utils migration functions produced (read back from
sqlite_master); PostgreSQL: its PG_MIGRATIONS DDL, copied verbatim. Frozen: never edit.
"""

RELEASE = "9751fb7"
NAMES = ["m001_initial", "m002_slack_calls", "m003_callback_token_hash", "m004_workspaces"]

SQLITE_MIGRATIONS_TABLE = 'CREATE TABLE "_migrations" ("name" TEXT PRIMARY KEY, "applied_at" TEXT)'
SQLITE = {
    "m001_initial": """
        CREATE TABLE "personas" ("persona_id" TEXT PRIMARY KEY, "team_id" TEXT NOT NULL, "enterprise_id" TEXT,
           "owner_id" TEXT NOT NULL, "name" TEXT NOT NULL, "pipeline_mode" TEXT, "replica_id" TEXT,
           "perception_model" TEXT, "shared" INTEGER DEFAULT 0, "created_at" TEXT NOT NULL,
           "deleted_at" TEXT);
        CREATE INDEX "idx_personas_team_id_owner_id" ON "personas" ("team_id", "owner_id");
        CREATE TABLE "conversations" ("token" TEXT PRIMARY KEY, "conversation_id" TEXT,
           "team_id" TEXT NOT NULL,
           "enterprise_id" TEXT, "owner_id" TEXT NOT NULL, "persona_id" TEXT, "persona_name" TEXT,
           "channel_id" TEXT, "message_ts" TEXT, "url" TEXT, "name" TEXT, "candidate_id" TEXT,
           "status" TEXT NOT NULL, "request_key" TEXT, "created_at" TEXT NOT NULL, "live_at" TEXT,
           "ended_at" TEXT, "shutdown_reason" TEXT, "ended_by" TEXT, "error" TEXT, "updated_at" TEXT);
        CREATE UNIQUE INDEX "idx_conversations_conversation_id" ON "conversations" ("conversation_id");
        CREATE UNIQUE INDEX "idx_conversations_request_key" ON "conversations" ("request_key");
        CREATE INDEX "idx_conversations_team_id_owner_id_status"
           ON "conversations" ("team_id", "owner_id", "status");
        CREATE INDEX "idx_conversations_status" ON "conversations" ("status");
        CREATE TABLE "events" ("id" INTEGER PRIMARY KEY, "token" TEXT, "conversation_id" TEXT NOT NULL,
           "event_type" TEXT NOT NULL, "timestamp" TEXT, "received_at" TEXT NOT NULL, "body" TEXT);
        CREATE UNIQUE INDEX "idx_events_conversation_id_event_type_timestamp"
           ON "events" ("conversation_id", "event_type", "timestamp");
        CREATE TABLE "audit" ("id" INTEGER PRIMARY KEY, "at" TEXT NOT NULL, "team_id" TEXT, "user_id" TEXT,
           "action" TEXT NOT NULL, "target" TEXT, "detail" TEXT);
        CREATE TABLE "seen_requests" ("key" TEXT PRIMARY KEY, "at" TEXT)""",
    "m002_slack_calls": 'ALTER TABLE "conversations" ADD COLUMN "call_id" TEXT',
    # that release also filled token_hash for the rows already there: a database at m002 with rows
    # is what the new m003's backfill is tested on
    "m003_callback_token_hash": """
        ALTER TABLE "conversations" ADD COLUMN "token_hash" TEXT;
        CREATE UNIQUE INDEX "idx_conversations_token_hash" ON "conversations" ("token_hash")""",
    "m004_workspaces": """
        CREATE TABLE "workspaces" ("team_id" TEXT PRIMARY KEY, "enterprise_id" TEXT, "app_id" TEXT,
           "bot_token_enc" TEXT, "bot_id" TEXT, "bot_user_id" TEXT, "bot_scopes" TEXT, "installer_id" TEXT,
           "installed_at" TEXT, "tavus_key_enc" TEXT, "tavus_key_set_by" TEXT, "tavus_key_set_at" TEXT);
        CREATE TABLE "oauth_states" ("state" TEXT PRIMARY KEY, "expires_at" TEXT NOT NULL)""",
}

POSTGRES_MIGRATIONS_TABLE = "create table if not exists _migrations (name text primary key, applied_at text)"
POSTGRES = {
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
}


def statements(ddl: str) -> list[str]:
    return [s.strip() for s in ddl.split(";") if s.strip()]
