//! The store against real SQLite files (one per test, in a temporary directory), and, when
//! `LATCHKEY_TEST_PG_URL` names a scratch PostgreSQL database, the same checks there.
//!
//! One test binary with modules: each binary links libpq and SQLite, which is the slow part.

mod common;
mod concurrency;
mod connect;
mod keys;
mod migrations;
mod postgres;
mod suite;
mod tokens;
mod users;
