"""The schema steps of 2026's issues (22-27), in order after bot/store/migrations.py's list, kept here
so that module stays within the size rule. Each is (name, *steps), made a Migration there; the same
rules hold: append, never edit a step that has shipped."""

MORE: list[tuple] = [
    (
        "m011_workspace_name",  # issue 23: the invite page names the workspace without asking Slack
        "alter table workspaces add column team_name text",
    ),
    (
        "m012_workflow_steps",  # issue 27: Workflow Builder steps and whether Slack was told their end
        """create table workflow_steps (execution_id text primary key, team_id text, kind text not null,
            conv_token text, error text, state text not null, outcome text, created_at text, done_at text,
            workflow_run text)""",
        "create index workflow_steps_conv on workflow_steps (conv_token)",
    ),
    (
        "m013_tavus_accounts",  # issue 23: which Tavus account (a key's fingerprint) made each object;
        # null on older rows: they belong to the workspace's key of the day, fixed when it changes
        "alter table personas add column tavus_account text",
        "alter table conversations add column tavus_account text",
        # a workspace's replaced keys, still sealed while objects made with them live
        """create table tavus_keys (team_id text not null, account text not null, key_enc text not null,
            retired_at text, primary key (team_id, account))""",
    ),
    (
        "m014_events_per_conversation",  # issue 23: an event is new or repeated within its own
        # conversation (its callback token), never across them: an event naming another
        # conversation's id must not make that conversation's real one a "duplicate"
        "drop index if exists events_once",
        "drop index if exists idx_events_conversation_id_event_type_timestamp",
        "delete from events where token is not null and id not in (select min(id) from events "
        "where token is not null group by token, event_type, timestamp)",
        "create unique index events_once_per_conversation on events (token, event_type, timestamp)",
    ),
    (
        "m015_report_words",  # issue 22: the report in plain words and where it is
        # the recruiter's words for each guardrail (JSON name -> words); older rows have none and
        # show a readable form of the name
        "alter table personas add column guardrail_words text",
        # whether the call was asked to be recorded (1/0); null for older rows: not known
        "alter table conversations add column recording integer",
        # the report message's permalink, fetched once when it is posted (Home links it)
        "alter table reports add column permalink text",
    ),
    (
        "m016_erasure_requests",  # issue 24: erasures to finish within 30 days, where results went,
        # and audit facts without content (the settings an interview ran with) kept for the export
        """create table erasure_requests (id {serial_pk}, conv_token text not null, team_id text,
            link_hash text, requested_by text, requested_at text not null, completed_at text,
            left_items text, deleted text, alerted_at text, attempts integer default 0)""",
        "create unique index erasure_requests_conv on erasure_requests (conv_token)",
        "create index erasure_requests_link on erasure_requests (link_hash)",
        """create table recipients (id {serial_pk}, conv_token text not null, team_id text,
            what text, place text not null, channel text, members integer, at text not null,
            deleted_at text)""",
        "create index recipients_conv on recipients (conv_token)",
        "alter table audit add column facts text",
    ),
    (
        "m017_usage",  # issue 25: Tavus seconds per conversation, a monthly cap and its 80 % warning
        "alter table conversations add column seconds_used integer",
        "alter table workspace_settings add column minutes_cap integer",
        "alter table workspace_settings add column cap_set_by text",
        "alter table workspace_settings add column cap_warned_month text",
    ),
    (
        "m018_openings_decisions",  # issue 25: openings group interviews; a person's decisions, with history
        """create table openings (id text primary key, team_id text not null, name text not null,
            name_key text not null, persona_id text not null, owner_id text not null,
            job_description text, created_at text not null, compare_canvas_id text)""",
        "create unique index openings_team_name on openings (team_id, name_key)",
        "alter table conversations add column opening_id text",
        "create index conversations_opening on conversations (opening_id)",
        """create table decisions (id {serial_pk}, conv_token text not null, team_id text,
            version integer not null, verdict text not null, reason text, watched integer,
            feedback text, tell integer, by_user text not null, at text not null,
            objectives_done integer, objectives_total integer, state text)""",
        "create unique index decisions_version on decisions (conv_token, version)",
    ),
    (
        "m019_policy",  # issue 24: the workspace's legal policy, and the one each interview ran under
        "alter table workspace_settings add column policy text",
        "alter table workspace_settings add column notice_in_posting integer",
        "alter table conversations add column policy text",
    ),
    (
        "m020_consent_receipts",  # issue 24: what the candidate was told and agreed to, before Start
        """create table consent_receipts (conv_token text primary key, team_id text not null,
            given_at text not null, policy text not null, notice_version text not null,
            notice_sha256 text not null, choices text not null)""",
    ),
    (
        "m021_invite_requests",  # issue 24: a candidate asks for a person or an accommodation
        "alter table invites add column request_kind text",
        "alter table invites add column request_text text",
        "alter table invites add column requested_at text",
        "alter table invites add column handled_by text",
        "alter table invites add column handled_at text",
    ),
]
