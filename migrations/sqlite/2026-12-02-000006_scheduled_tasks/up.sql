-- Periodic work the instances share (the expired-token flush): who ran it last, so that one
-- instance runs it per interval. SQLite flavour: keep in lockstep with
-- migrations/postgres/2026-12-02-000006_scheduled_tasks.
CREATE TABLE scheduled_tasks (
    name VARCHAR(64) PRIMARY KEY NOT NULL,
    last_started_at TIMESTAMP NOT NULL,
    runs BIGINT NOT NULL
);
