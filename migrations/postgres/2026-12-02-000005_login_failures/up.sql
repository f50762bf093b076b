-- Failed logins per submitted name, shared by every instance (the lockout). PostgreSQL flavour:
-- keep in lockstep with migrations/sqlite/2026-12-02-000005_login_failures.

-- `subject` is HMAC-SHA256 of the name under the server secret, hex: a name typed into the
-- wrong field (a password, often) never lands here in the clear.
CREATE TABLE login_failures (
    subject VARCHAR(64) PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    last_failure_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP NULL
);
CREATE INDEX login_failures_last_failure_at_idx ON login_failures (last_failure_at);
