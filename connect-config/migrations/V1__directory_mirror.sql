-- dsync PostgreSQL mirror, version 1.
--
-- These tables are written only by the Debezium JDBC sink connectors (connect-config/connectors/*.json), which
-- upsert by the record key and delete on tombstones; the sink runs with schema.evolution=none, so the columns below
-- are the contract (docs/change-log-format.md). There are deliberately no foreign keys and no triggers: the four
-- topics are consumed independently, so a membership can arrive before its user, and a directory's cascade delete
-- arrives as tombstones for every row on every topic.
-- Primary keys are the WorkOS ids. Every time is timestamptz (written from ISO-8601 UTC strings).
-- IF NOT EXISTS: databases created before Flyway (by the earlier migrator or compose's initdb hook) already have
-- these tables; Flyway adopts them at version 1 (MirrorSchema) and this file stays harmless if it runs anyway.

CREATE TABLE IF NOT EXISTS directories (
    id              text        PRIMARY KEY,
    organization_id text,
    type            text,
    state           text,
    name            text,
    domains         jsonb,
    created_at      timestamptz,
    updated_at      timestamptz,
    last_event_id   text,
    last_event_at   timestamptz
);
CREATE INDEX IF NOT EXISTS directories_organization_id_idx ON directories (organization_id);

CREATE TABLE IF NOT EXISTS directory_users (
    id                text        PRIMARY KEY,
    directory_id      text,
    organization_id   text,
    idp_id            text,
    email             text,
    first_name        text,
    last_name         text,
    name              text,
    state             text,
    role              text,
    roles             jsonb,
    custom_attributes jsonb,
    created_at        timestamptz,
    updated_at        timestamptz,
    last_event_id     text,
    last_event_at     timestamptz
);
CREATE INDEX IF NOT EXISTS directory_users_directory_id_idx ON directory_users (directory_id);
CREATE INDEX IF NOT EXISTS directory_users_lower_email_idx ON directory_users (lower(email));

CREATE TABLE IF NOT EXISTS directory_groups (
    id              text        PRIMARY KEY,
    directory_id    text,
    organization_id text,
    idp_id          text,
    name            text,
    created_at      timestamptz,
    updated_at      timestamptz,
    last_event_id   text,
    last_event_at   timestamptz
);
CREATE INDEX IF NOT EXISTS directory_groups_directory_id_idx ON directory_groups (directory_id);

CREATE TABLE IF NOT EXISTS directory_group_memberships (
    group_id        text        NOT NULL,
    user_id         text        NOT NULL,
    directory_id    text,
    organization_id text,
    last_event_id   text,
    last_event_at   timestamptz,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX IF NOT EXISTS directory_group_memberships_user_id_idx ON directory_group_memberships (user_id);
CREATE INDEX IF NOT EXISTS directory_group_memberships_directory_id_idx ON directory_group_memberships (directory_id);

COMMENT ON TABLE directories IS 'dsync mirror of dsync.directories (Debezium JDBC sink, upsert by id, tombstone = delete)';
COMMENT ON TABLE directory_users IS 'dsync mirror of dsync.users (Debezium JDBC sink, upsert by id, tombstone = delete)';
COMMENT ON TABLE directory_groups IS 'dsync mirror of dsync.groups (Debezium JDBC sink, upsert by id, tombstone = delete)';
COMMENT ON TABLE directory_group_memberships IS 'dsync mirror of dsync.group_memberships (Debezium JDBC sink, upsert by (group_id, user_id), tombstone = delete)';
