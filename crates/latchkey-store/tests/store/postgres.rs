//! The whole suite on PostgreSQL when `LATCHKEY_TEST_PG_URL` names a server, in a scratch
//! database created and dropped here. Without the variable the test says so and passes: the
//! end-to-end crate owns the PostgreSQL runs that start a server themselves.

use crate::suite;
use latchkey_store::scratch::ScratchDatabase;
use latchkey_store::{Backend, PoolOptions};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[test]
fn postgres_smoke() {
    let Ok(url) = std::env::var("LATCHKEY_TEST_PG_URL") else {
        println!("skipped: set LATCHKEY_TEST_PG_URL=postgres://… to run the store suite on PostgreSQL");
        return;
    };
    let scratch = ScratchDatabase::create(
        &url,
        "latchkey_store",
        PoolOptions { max_size: 4, connection_timeout: Duration::from_secs(10), ..PoolOptions::default() },
    )
    .expect("scratch database");
    let db = &scratch.database;
    assert_eq!(db.backend(), Backend::Postgres);
    assert!(db.run_migrations().expect("again").is_empty());
    assert!(db.pending_migrations().expect("pending").is_empty());

    let run = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_nanos();
    let p = format!("r{run}-");
    suite::users(db, &p);
    suite::outstanding_and_blacklist(db, &p);
    suite::rotation(db, &p);
    suite::flush(db, &p);
    suite::keys(db, &p);
    suite::concurrent_rotation(db, &p, 20, true);
    suite::concurrent_rotation(db, &p, 20, false);
}

/// Instances that start together against one database: each runs the migrations, each
/// migration is applied exactly once, and none fails.
#[test]
fn concurrent_migrations_apply_once() {
    let Ok(url) = std::env::var("LATCHKEY_TEST_PG_URL") else {
        println!("skipped: set LATCHKEY_TEST_PG_URL=postgres://… to run the store suite on PostgreSQL");
        return;
    };
    let options = || PoolOptions { max_size: 1, connection_timeout: Duration::from_secs(10), ..PoolOptions::default() };
    let scratch = ScratchDatabase::create_unmigrated(&url, "latchkey_migrate", options()).expect("scratch database");
    let instances: Vec<_> = (0..4)
        .map(|_| {
            let url = scratch.url();
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
