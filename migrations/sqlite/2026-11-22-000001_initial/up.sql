-- Accounts, opaque keys and refresh-token bookkeeping (Django's auth_user, the opaque scheme's
-- key table, simplejwt's token_blacklist tables). SQLite flavour: keep in lockstep with
-- migrations/postgres/2026-11-22-000001_initial.
--
-- Times are naive UTC stored by Diesel as 'YYYY-MM-DD HH:MM:SS[.f]' text, which sorts in time
-- order, so `expires_at <= ?` compares correctly.

-- `INTEGER PRIMARY KEY` (exactly) makes the column the rowid: 64-bit, read as BigInt.
-- AUTOINCREMENT keeps ids of deleted users from being handed out again, as PostgreSQL does.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    username VARCHAR(150) NOT NULL UNIQUE,
    email VARCHAR(254) NOT NULL DEFAULT '',
    password VARCHAR(255) NOT NULL,
    is_active BOOLEAN NOT NULL,
    is_staff BOOLEAN NOT NULL,
    is_superuser BOOLEAN NOT NULL,
    date_joined TIMESTAMP NOT NULL,
    last_login TIMESTAMP NULL
);

-- One key per user: the user id is the primary key. Only the salt and the key's digest are
-- stored, never the key.
CREATE TABLE opaque_keys (
    user_id INTEGER PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    salt VARCHAR(64) NOT NULL,
    digest VARCHAR(64) NOT NULL UNIQUE,
    created TIMESTAMP NOT NULL
);

-- Issued refresh tokens, by jti only: the token itself is never stored. user_id is NULL for
-- tokens that name no existing user (crafted tokens can still be blacklisted).
CREATE TABLE outstanding_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NULL REFERENCES users (id) ON DELETE CASCADE,
    jti VARCHAR(255) NOT NULL UNIQUE,
    created_at TIMESTAMP NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX outstanding_tokens_user_id_idx ON outstanding_tokens (user_id);
CREATE INDEX outstanding_tokens_expires_at_idx ON outstanding_tokens (expires_at);

-- The UNIQUE on token_id is what decides a race between two blacklisting requests.
CREATE TABLE blacklisted_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    token_id BIGINT NOT NULL UNIQUE REFERENCES outstanding_tokens (id) ON DELETE CASCADE,
    blacklisted_at TIMESTAMP NOT NULL
);
