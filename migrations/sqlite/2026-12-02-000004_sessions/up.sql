-- Sessions (token families) and the per-user token cutoff. SQLite flavour: keep in lockstep
-- with migrations/postgres/2026-12-02-000004_sessions.

-- One row per login. `tag` leads the jti of every token of the session (16 of its 32 hex
-- digits); it is also the session's id in GET /api/sessions/.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    tag VARCHAR(16) NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    user_agent VARCHAR(512) NULL,
    ip VARCHAR(64) NULL,
    revoked_at TIMESTAMP NULL
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

-- The refresh token each one was rotated from: the lineage of a session, for forensics.
ALTER TABLE outstanding_tokens ADD COLUMN parent_jti VARCHAR(255) NULL;

-- Tokens issued before tokens_cutoff_at are refused; the reason picks the 401 body.
ALTER TABLE users ADD COLUMN tokens_cutoff_at TIMESTAMP NULL;
ALTER TABLE users ADD COLUMN tokens_cutoff_reason VARCHAR(32) NULL;

-- Each refresh token issued before this migration becomes a session of its own, tagged with its
-- jti's first 16 digits (what the tag of a token is read from).
INSERT INTO sessions (tag, user_id, created_at, last_used_at, expires_at)
SELECT substr(jti, 1, 16), MIN(user_id), MIN(COALESCE(created_at, CURRENT_TIMESTAMP)), MAX(COALESCE(created_at, CURRENT_TIMESTAMP)), MAX(expires_at)
FROM outstanding_tokens
WHERE user_id IS NOT NULL AND length(jti) = 32 AND jti NOT GLOB '*[^0-9a-f]*'
GROUP BY substr(jti, 1, 16);

-- A family whose every refresh token is blacklisted is over already.
UPDATE sessions SET revoked_at = CURRENT_TIMESTAMP
WHERE NOT EXISTS (
    SELECT 1 FROM outstanding_tokens o
    WHERE substr(o.jti, 1, 16) = sessions.tag
      AND NOT EXISTS (SELECT 1 FROM blacklisted_tokens b WHERE b.token_id = o.id)
);
