//! A smoke run of the whole suite on PostgreSQL when `LATCHKEY_TEST_PG_URL` names a scratch
//! database (the migrations are applied to it and it keeps the rows: every name is unique per
//! run). Without the variable the test says so and passes: the end-to-end crate owns the real
//! PostgreSQL runs.

use crate::suite;
use latchkey_store::{Backend, Database, PoolOptions};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[test]
fn postgres_smoke() {
    let Ok(url) = std::env::var("LATCHKEY_TEST_PG_URL") else {
        println!(
            "skipped: set LATCHKEY_TEST_PG_URL=postgres://… to run the store suite on PostgreSQL"
        );
        return;
    };
    let db = Database::connect(
        &url,
        PoolOptions {
            max_size: 4,
            connection_timeout: Duration::from_secs(10),
            ..PoolOptions::default()
        },
    )
    .expect("connect");
    assert_eq!(db.backend(), Backend::Postgres);
    let applied = db.run_migrations().expect("migrate");
    println!("applied: {applied:?}");
    assert!(db.run_migrations().expect("again").is_empty());
    assert!(db.pending_migrations().expect("pending").is_empty());

    let run = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_nanos();
    let p = format!("r{run}-");
    suite::users(&db, &p);
    suite::outstanding_and_blacklist(&db, &p);
    suite::rotation(&db, &p);
    suite::flush(&db, &p);
    suite::keys(&db, &p);
    suite::concurrent_rotation(&db, &p, 20, true);
    suite::concurrent_rotation(&db, &p, 20, false);
}
