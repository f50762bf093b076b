//! Prometheus metrics on their own listener, never on the API's port.

use actix_web::http::StatusCode;
use latchkey_tests::{ALICE, Client, TestApp, TestDatabase};
use serde_json::json;

/// The sample lines of `name` carrying every label of `labels`.
fn samples<'a>(text: &'a str, name: &str, labels: &[&str]) -> Vec<&'a str> {
    text.lines()
        .filter(|line| line.starts_with(&format!("{name}{{")) || line.starts_with(&format!("{name} ")))
        .filter(|line| labels.iter().all(|label| line.contains(label)))
        .collect()
}

async fn metrics_count_what_happens(db: TestDatabase) {
    let app = TestApp::spawn(db, &[("LATCHKEY_METRICS_BIND", "127.0.0.1:0")]);
    app.seed_fixture().await;
    let alice = app.as_user(&ALICE).await;
    assert_eq!(alice.get("/api/profile/").await.status, StatusCode::OK);
    assert_eq!(alice.get("/products/1/").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.with_bearer("garbage").get("/api/profile/").await.status, StatusCode::UNAUTHORIZED);
    let wrong = json!({"username": ALICE.username, "password": "wrong"});
    assert_eq!(app.anonymous().post_json("/api/token/", &wrong).await.status, StatusCode::UNAUTHORIZED);
    let (_, refresh) = app.obtain_pair(ALICE.username, ALICE.password).await;
    assert_eq!(
        app.anonymous().post_json("/api/token/refresh/", &json!({"refresh": refresh})).await.status,
        StatusCode::OK
    );

    let port = app.metrics_port.expect("a metrics listener");
    let scrape = Client::to_address(&format!("http://127.0.0.1:{port}")).get("/metrics").await;
    assert_eq!(scrape.status, StatusCode::OK);
    assert_eq!(scrape.header("content-type"), Some("text/plain; version=0.0.4"));
    let text = scrape.text();
    for (name, labels) in [
        ("latchkey_http_requests_total", &["route=\"/api/profile/\"", "method=\"GET\"", "status=\"200\""][..]),
        ("latchkey_http_requests_total", &["route=\"/products/{id:[0-9]+}/\"", "status=\"404\""]),
        ("latchkey_http_request_duration_seconds_bucket", &["route=\"/api/profile/\"", "le=\"0.001\""]),
        ("latchkey_authentications_total", &["scheme=\"jwt\"", "outcome=\"ok\""]),
        ("latchkey_authentications_total", &["scheme=\"jwt\"", "outcome=\"invalid\""]),
        ("latchkey_logins_total", &["outcome=\"ok\""]),
        ("latchkey_logins_total", &["outcome=\"failed\""]),
        ("latchkey_refreshes_total", &["outcome=\"ok\""]),
        ("latchkey_auth_cache_lookups_total", &["cache=\"user\"", "result=\"hit\""]),
        ("latchkey_db_pool_connections", &["state=\"idle\""]),
        ("latchkey_hashing_queue_depth", &[]),
        ("latchkey_hashing_wait_seconds_count", &[]),
    ] {
        assert!(!samples(&text, name, labels).is_empty(), "no {name} with {labels:?} in:\n{text}");
    }
    assert!(!text.contains("garbage") && !text.contains(&refresh), "no credential in the metrics");
    // The API's port does not serve them.
    assert_eq!(app.anonymous().get("/metrics").await.status, StatusCode::NOT_FOUND);
}

on_both_databases!(metrics_count_what_happens);
