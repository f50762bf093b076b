//! The server's own upkeep: the expired-token flush, once per interval across instances.

use chrono::{TimeDelta, Utc};
use latchkey_domain::{OutstandingToken, RefreshTokenStore};
use latchkey_server::maintenance::FLUSH_TASK;
use latchkey_store::PoolOptions;
use latchkey_tests::{TestApp, TestDatabase};
use std::time::{Duration, Instant};

fn blacklisted(jti: &str, expires_in: TimeDelta) -> OutstandingToken {
    let now = Utc::now().naive_utc();
    OutstandingToken {
        jti: jti.into(),
        user_id: None,
        created_at: Some(now - TimeDelta::days(2)),
        expires_at: now + expires_in,
        parent_jti: None,
    }
}

/// Two instances flushing every 2 s: the expired token goes, the live one stays, and the runs
/// are one per interval for the pair (uncoordinated, they would be twice as many).
async fn two_instances_flush_once_per_interval(db: TestDatabase) {
    let store = db.connect(PoolOptions::new(1, Duration::from_secs(10)));
    store.blacklist(&blacklisted("e2e-expired-jti", TimeDelta::hours(-1))).expect("blacklist");
    store.blacklist(&blacklisted("e2e-live-jti", TimeDelta::hours(1))).expect("blacklist");
    let started = Instant::now();
    let env = [("LATCHKEY_FLUSH_INTERVAL", "2")];
    let app = TestApp::spawn(db, &env);
    let _other = app.sibling(&env);
    while store.blacklisted_at("e2e-expired-jti").expect("read").is_some() {
        assert!(started.elapsed() < Duration::from_secs(20), "not flushed within 20 s");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    // The first run (at a start) has happened; measured from here.
    let first = Instant::now();
    assert!(store.blacklisted_at("e2e-live-jti").expect("read").is_some(), "a live token stays");
    actix_web::rt::time::sleep(Duration::from_millis(6_500)).await;
    let (runs, _) = store.scheduled_runs(FLUSH_TASK).expect("runs");
    let elapsed = first.elapsed().as_secs_f64();
    // Runs at least 2 s apart and at most 2.5 s late (instances ask every 0.5 s): the first,
    // then two or three more in 6.5 s. Uncoordinated, two instances would run about 7 times.
    assert!((3..=4).contains(&runs), "{runs} runs in {elapsed:.1} s after the first");
    // Before the servers and their database go.
    drop(store);
}

/// `LATCHKEY_FLUSH_INTERVAL=0`: the server never flushes.
async fn zero_turns_it_off(db: TestDatabase) {
    let store = db.connect(PoolOptions::new(1, Duration::from_secs(10)));
    store.blacklist(&blacklisted("e2e-expired-jti", TimeDelta::hours(-1))).expect("blacklist");
    let app = TestApp::spawn(db, &[("LATCHKEY_FLUSH_INTERVAL", "0")]);
    assert_eq!(app.anonymous().get("/healthz").await.status.as_u16(), 200);
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    assert!(store.blacklisted_at("e2e-expired-jti").expect("read").is_some());
    assert_eq!(store.scheduled_runs(FLUSH_TASK).expect("runs").0, 0);
    drop(store);
}

on_both_databases!(two_instances_flush_once_per_interval, zero_turns_it_off);
