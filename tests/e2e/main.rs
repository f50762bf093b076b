//! End-to-end tests: the real server on a random port, driven over HTTP, each scenario once on
//! a fresh SQLite file and once on a fresh PostgreSQL database. One test binary (each file under
//! `tests/` would be linked separately); scenarios live in the modules below.
//!
//! `cargo test -p latchkey-tests -- postgres` runs the PostgreSQL half only.

/// Declares, for each `async fn scenario(db: TestDatabase)` of the calling module, a test
/// `sqlite::scenario` and a test `postgres::scenario`, each on a fresh migrated database.
macro_rules! on_both_databases {
    ($($scenario:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $scenario() {
                    super::$scenario(latchkey_tests::TestDatabase::sqlite()).await
                }
            )+
        }
        mod postgres {
            $(
                #[actix_web::test]
                async fn $scenario() {
                    super::$scenario(latchkey_tests::TestDatabase::postgres()).await
                }
            )+
        }
    };
}

mod accounts;
mod django_import;
mod django_passwords;
mod dump;
mod health;
mod lockout;
mod maintenance;
mod metrics;
mod openapi;
mod robustness;
mod root;
mod rotation;
mod sessions;
mod startup;
mod throttling;
