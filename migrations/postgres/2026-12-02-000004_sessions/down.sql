ALTER TABLE outstanding_tokens DROP COLUMN parent_jti;
ALTER TABLE users DROP COLUMN tokens_cutoff_reason;
ALTER TABLE users DROP COLUMN tokens_cutoff_at;
DROP TABLE sessions;
