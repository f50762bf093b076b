ALTER TABLE users DROP COLUMN tokens_cutoff_reason;
ALTER TABLE users DROP COLUMN tokens_cutoff_at;
DROP TABLE sessions;
