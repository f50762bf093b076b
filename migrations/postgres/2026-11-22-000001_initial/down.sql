DROP TABLE blacklisted_tokens;
DROP TABLE outstanding_tokens;
DROP TABLE opaque_keys;
DROP TABLE users;
