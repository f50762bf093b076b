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
