//! What only PostgreSQL has to show (the rest of the suite runs on both backends).

use latchkey_store::{Backend, PoolOptions};
use latchkey_test_db::TestDatabase;
use std::time::Duration;

/// Instances that start together against one database: each runs the migrations, each
/// migration is applied exactly once, and none fails.
#[test]
fn concurrent_migrations_apply_once() {
    let options = || PoolOptions { max_size: 1, connection_timeout: Duration::from_secs(10), ..PoolOptions::default() };
    let scratch = TestDatabase::empty(Backend::Postgres);
    let instances: Vec<_> = (0..4)
        .map(|_| {
            let url = scratch.url().to_owned();
            let options = options();
            std::thread::spawn(move || {
                latchkey_store::Database::connect(&url, options).expect("connect").run_migrations().expect("migrate")
            })
        })
        .collect();
    let mut applied: Vec<String> = instances.into_iter().flat_map(|t| t.join().expect("no panic")).collect();
    applied.sort();
    assert_eq!(applied, latchkey_store::migrations::migration_names(Backend::Postgres));
}
