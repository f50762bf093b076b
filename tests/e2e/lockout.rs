//! The soft lockout: failed logins per submitted name, in the database, one limit for every
//! instance.

use actix_web::http::StatusCode;
use latchkey_tests::{ALICE, BOB, Client, TestApp, TestDatabase};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const LOCKOUT: &[(&str, &str)] = &[("LATCHKEY_LOCKOUT_THRESHOLD", "3"), ("LATCHKEY_LOCKOUT_COOLOFF", "60")];
const LOCKED: &str = r#"{"detail":"Request was throttled. Expected available in 60 seconds."}"#;

fn credentials(username: &str, password: &str) -> Value {
    json!({"username": username, "password": password})
}

async fn login(client: &Client, username: &str, password: &str) -> latchkey_tests::TestResponse {
    client.post_json("/api/token/", &credentials(username, password)).await
}

fn unlock(app: &TestApp, username: &str) -> bool {
    latchkey_server::startup::unlock_login(&app.settings, username).unwrap_or_else(|e| panic!("unlock: {e}"))
}

/// Three failures lock the name: the right password then gets DRF's 429, on both login views,
/// and so does a name no account has. Others are untouched; an unlock ends the lock.
async fn failures_lock_the_name_whoever_has_it(db: TestDatabase) {
    let app = TestApp::spawn(db, LOCKOUT);
    app.seed_fixture().await;
    let client = app.anonymous();
    for _ in 0..3 {
        assert_eq!(login(&client, ALICE.username, "wrong").await.status, StatusCode::UNAUTHORIZED);
    }
    let locked = login(&client, ALICE.username, ALICE.password).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.text(), LOCKED);
    assert_eq!(locked.header("retry-after"), Some("60"));
    assert_eq!(locked.header("cache-control"), Some("no-store"));
    let opaque = client.post_json("/auth/token/", &credentials(ALICE.username, ALICE.password)).await;
    assert_eq!((opaque.status, opaque.text()), (StatusCode::TOO_MANY_REQUESTS, LOCKED.to_owned()));
    assert_eq!(login(&client, BOB.username, BOB.password).await.status, StatusCode::OK, "per name");

    // A name nobody has locks the same way: a lock tells nothing about existence.
    for _ in 0..3 {
        assert_eq!(login(&client, "nobody-here", "guess").await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(login(&client, "nobody-here", "guess").await.text(), LOCKED);
    // Until someone registers it: a lock placed on a free name does not shut out its owner.
    app.register("nobody-here", "a-fine-password").await;
    assert_eq!(login(&client, "nobody-here", "a-fine-password").await.status, StatusCode::OK);

    assert!(unlock(&app, ALICE.username));
    assert!(!unlock(&app, ALICE.username), "nothing left to unlock");
    assert_eq!(login(&client, ALICE.username, ALICE.password).await.status, StatusCode::OK);
}

/// A success forgets the failures before it; the next lock lasts twice as long.
async fn success_resets_and_locks_double(db: TestDatabase) {
    let app = TestApp::spawn(db, LOCKOUT);
    app.seed_fixture().await;
    let client = app.anonymous();
    for _ in 0..2 {
        login(&client, ALICE.username, "wrong").await;
    }
    assert_eq!(login(&client, ALICE.username, ALICE.password).await.status, StatusCode::OK);
    for _ in 0..2 {
        login(&client, ALICE.username, "wrong").await;
    }
    assert_eq!(login(&client, ALICE.username, ALICE.password).await.status, StatusCode::OK, "reset by the success");

    // The doubling, on an instance with a cool-off of 1 s: the first lock lasts 1 s; once it
    // has ended, three more failures lock for 2 s.
    let short = app.sibling(&[("LATCHKEY_LOCKOUT_THRESHOLD", "3"), ("LATCHKEY_LOCKOUT_COOLOFF", "1")]);
    let short = short.anonymous();
    for _ in 0..3 {
        login(&short, BOB.username, "wrong").await;
    }
    assert_eq!(login(&short, BOB.username, BOB.password).await.header("retry-after"), Some("1"));
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
    for _ in 0..3 {
        assert_eq!(login(&short, BOB.username, "wrong").await.status, StatusCode::UNAUTHORIZED);
    }
    let again = login(&short, BOB.username, BOB.password).await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(again.header("retry-after"), Some("2"), "the second lock is twice the first");
}

/// While locked nothing is hashed: with a deliberately slow hasher, a locked name answers in a
/// fraction of the time a failed check takes.
async fn a_locked_name_costs_no_hashing(db: TestDatabase) {
    let slow = [
        ("LATCHKEY_LOCKOUT_THRESHOLD", "2"),
        ("LATCHKEY_PASSWORD_HASHER", "pbkdf2_sha256"),
        ("LATCHKEY_PBKDF2_ITERATIONS", "150000"),
    ];
    let app = TestApp::spawn(db, &slow);
    let client = app.anonymous();
    // Unknown names pay one dummy check with the preferred (slow) hasher.
    let started = Instant::now();
    for _ in 0..2 {
        assert_eq!(login(&client, "slowpoke", "guess").await.status, StatusCode::UNAUTHORIZED);
    }
    let per_check = started.elapsed() / 2;
    let started = Instant::now();
    assert_eq!(login(&client, "slowpoke", "guess").await.status, StatusCode::TOO_MANY_REQUESTS);
    let locked = started.elapsed();
    assert!(locked * 4 < per_check, "a locked login took {locked:?}, a checked one {per_check:?}");
}

/// Two instances on one database enforce one count: failures through either add up, the
/// lock holds on both, and an unlock through the command ends it on both at once.
async fn two_instances_share_one_count(db: TestDatabase) {
    let app = TestApp::spawn(db, LOCKOUT);
    app.seed_fixture().await;
    let other = app.sibling(LOCKOUT);
    let (a, b) = (app.anonymous(), other.anonymous());
    assert_eq!(login(&a, ALICE.username, "wrong").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(login(&b, ALICE.username, "wrong").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(login(&a, ALICE.username, "wrong").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(login(&b, ALICE.username, ALICE.password).await.text(), LOCKED);
    assert_eq!(login(&a, ALICE.username, ALICE.password).await.text(), LOCKED);
    assert!(unlock(&app, ALICE.username));
    assert_eq!(login(&b, ALICE.username, ALICE.password).await.status, StatusCode::OK);

    // Concurrent guesses through both instances: each is counted before its check, so exactly
    // three are checked (401) and the rest refused unchecked (429), then on both instances.
    let attempts: Vec<_> = (0..12)
        .map(|n| {
            let client = if n % 2 == 0 { a.clone() } else { b.clone() };
            actix_web::rt::spawn(async move { login(&client, BOB.username, "wrong").await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap_or(StatusCode::INTERNAL_SERVER_ERROR).as_u16());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [[401; 3].as_slice(), [429; 9].as_slice()].concat(), "exactly the threshold checked");
    for client in [&a, &b] {
        assert_eq!(login(client, BOB.username, BOB.password).await.status, StatusCode::TOO_MANY_REQUESTS);
    }
}

/// Guessing the current password at `/api/password/change/` counts for the caller's name.
async fn password_change_guesses_count(db: TestDatabase) {
    let app = TestApp::spawn(db, LOCKOUT);
    app.seed_fixture().await;
    let alice = app.as_user(&ALICE).await;
    for _ in 0..3 {
        let body = json!({"old_password": "guess", "new_password": "a-new-password-1"});
        let response = alice.post_json("/api/password/change/", &body).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{}", response.text());
    }
    let body = json!({"old_password": ALICE.password, "new_password": "a-new-password-1"});
    assert_eq!(alice.post_json("/api/password/change/", &body).await.text(), LOCKED);
    assert_eq!(login(&app.anonymous(), ALICE.username, ALICE.password).await.text(), LOCKED);
}

/// Development has no lockout (the contract logs in with wrong passwords many times).
async fn off_in_development(db: TestDatabase) {
    let app = TestApp::spawn(db, &[]);
    app.seed_fixture().await;
    let client = app.anonymous();
    for _ in 0..15 {
        assert_eq!(login(&client, ALICE.username, "wrong").await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(login(&client, ALICE.username, ALICE.password).await.status, StatusCode::OK);
}

on_both_databases!(
    failures_lock_the_name_whoever_has_it,
    success_resets_and_locks_double,
    a_locked_name_costs_no_hashing,
    two_instances_share_one_count,
    password_change_guesses_count,
    off_in_development
);
