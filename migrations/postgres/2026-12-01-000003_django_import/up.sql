-- What an import from Django brings that Latchkey did not keep before. PostgreSQL flavour: keep
-- in lockstep with migrations/sqlite/2026-12-01-000003_django_import.

-- Django's auth_user has these; nothing reads them yet, but an import must not drop them.
ALTER TABLE users ADD COLUMN first_name VARCHAR(150) NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN last_name VARCHAR(150) NOT NULL DEFAULT '';

-- DRF keys Django issued (authtoken_token), by digest only: they derive from no salt, so they
-- cannot live in opaque_keys. At most one per user, as in DRF, beside the user's derived key.
CREATE TABLE imported_keys (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    digest VARCHAR(64) NOT NULL UNIQUE,
    created TIMESTAMP NOT NULL
);
