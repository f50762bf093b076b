//! The store against real databases, each test on a fresh one from `latchkey_test_db`: a
//! SQLite file in a temporary directory, and a database on the test PostgreSQL server
//! (`LATCHKEY_TEST_PG_URL`, else one the harness finds or starts). Most checks run on both.
//!
//! One test binary with modules: each binary links libpq and SQLite, which is the slow part.
//! `cargo test -p latchkey-store --test store -- postgres` runs the PostgreSQL half only.

/// Declares, for each `fn check(backend: Backend)` of the calling module, a test
/// `sqlite::check` and a test `postgres::check`.
macro_rules! on_both_backends {
    ($($check:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $check() {
                    super::$check(latchkey_store::Backend::Sqlite)
                }
            )+
        }
        mod postgres {
            $(
                #[test]
                fn $check() {
                    super::$check(latchkey_store::Backend::Postgres)
                }
            )+
        }
    };
}

mod common;
mod concurrency;
mod connect;
mod keys;
mod lockout;
mod migrations;
mod postgres;
mod schedule;
mod suite;
mod tokens;
mod users;
