//! The probes: `/healthz` without the database, `/readyz` with it, neither authenticated nor
//! throttled.

use actix_web::http::{Method, StatusCode};
use latchkey_tests::{TestApp, TestDatabase};
use std::process::Command;
use std::time::{Duration, Instant};

async fn probes_answer_without_credentials_or_throttles(db: TestDatabase) {
    let app = TestApp::spawn(db, &[("LATCHKEY_THROTTLE_ANON", "1/h"), ("LATCHKEY_THROTTLE_USER", "1/h")]);
    for _ in 0..3 {
        for path in ["/healthz", "/readyz"] {
            let response = app.with_bearer("not-a-token").get(path).await;
            assert_eq!(response.status, StatusCode::OK, "{path}: {}", response.text());
            assert_eq!(response.text(), r#"{"status":"ok"}"#);
            assert_eq!(response.header("content-type"), Some("application/json"));
        }
    }
    assert_eq!(app.anonymous().request(Method::HEAD, "/readyz").await.status, StatusCode::OK);
    let post = app.anonymous().post_json("/healthz", &serde_json::json!({})).await;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
}

on_both_databases!(probes_answer_without_credentials_or_throttles);

/// `psql` as the test server's superuser, on the maintenance database.
fn psql(db: &TestDatabase, sql: &str) {
    let url = db.url();
    let server = &url[..url.rfind('/').unwrap_or(url.len())];
    let status = Command::new("psql")
        .arg(format!("{server}/postgres"))
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .status()
        .unwrap_or_else(|e| panic!("psql: {e}"));
    assert!(status.success(), "psql {sql}");
}

/// On PostgreSQL, a database that stops taking connections makes `/readyz` answer 503 within
/// about a second while `/healthz` stays 200; readiness comes back with the database.
#[actix_web::test]
async fn readiness_follows_the_database_on_postgres() {
    let db = TestDatabase::postgres();
    let name = db.url().rsplit('/').next().unwrap_or("").split('?').next().unwrap_or("").to_owned();
    let app = TestApp::spawn(db, &[]);
    assert_eq!(app.anonymous().get("/readyz").await.status, StatusCode::OK);
    psql(&app.db, &format!("ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS false"));
    psql(&app.db, &format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"));
    let started = Instant::now();
    let mut down = app.anonymous().get("/readyz").await;
    // A pooled connection killed under it fails once and is dropped; the next checkout is
    // refused by the database.
    while down.status == StatusCode::OK && started.elapsed() < Duration::from_secs(10) {
        down = app.anonymous().get("/readyz").await;
    }
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(down.text(), r#"{"status":"unavailable","detail":"The database is not answering."}"#);
    let probe = Instant::now();
    assert_eq!(app.anonymous().get("/readyz").await.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(probe.elapsed() < Duration::from_secs(3), "a failing probe took {:?}", probe.elapsed());
    assert_eq!(app.anonymous().get("/healthz").await.status, StatusCode::OK, "alive without the database");
    // A key the server would look up in the database: a probe never does.
    let probe = Instant::now();
    let keyed = app.with_token("0123456789abcdef0123456789abcdef01234567").get("/healthz").await;
    assert_eq!(keyed.status, StatusCode::OK);
    assert!(probe.elapsed() < Duration::from_millis(500), "the probe waited {:?}", probe.elapsed());
    psql(&app.db, &format!("ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS true"));
    let mut up = app.anonymous().get("/readyz").await;
    while up.status != StatusCode::OK && started.elapsed() < Duration::from_secs(20) {
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        up = app.anonymous().get("/readyz").await;
    }
    assert_eq!(up.status, StatusCode::OK, "ready again");
}
