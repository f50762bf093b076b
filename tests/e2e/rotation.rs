//! Refresh-token rotation under contention: the database, not the application, decides which
//! of many simultaneous refreshes of one token wins.

use actix_web::http::StatusCode;
use latchkey_tests::{ALICE, TestApp, TestDatabase, TestResponse};
use serde_json::json;

const CONCURRENT: usize = 20;
const BLACKLISTED: &[u8] = br#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#;

/// Fires `CONCURRENT` refreshes of `refresh` at once and returns the responses.
async fn refresh_all_at_once(app: &TestApp, refresh: &str) -> Vec<TestResponse> {
    let anonymous = app.anonymous();
    let body = json!({ "refresh": refresh });
    // Every request is sent before any response is awaited: the tasks run concurrently on
    // the test's runtime, each over its own connection.
    let tasks: Vec<_> =
        (0..CONCURRENT).map(|_| actix_web::rt::spawn(anonymous.post_json("/api/token/refresh/", &body))).collect();
    let mut responses = Vec::with_capacity(CONCURRENT);
    for task in tasks {
        responses.push(task.await.expect("refresh task"));
    }
    responses
}

/// Exactly one winner, nineteen "Token is blacklisted"; returns the winner's new refresh token.
fn one_winner(responses: &[TestResponse]) -> String {
    let statuses: Vec<u16> = responses.iter().map(|r| r.status.as_u16()).collect();
    let winners: Vec<&TestResponse> = responses.iter().filter(|r| r.status == StatusCode::OK).collect();
    assert_eq!(winners.len(), 1, "expected exactly one 200, got statuses {statuses:?}");
    for loser in responses.iter().filter(|r| r.status != StatusCode::OK) {
        assert_eq!(loser.status, StatusCode::UNAUTHORIZED, "statuses {statuses:?}: {}", loser.text());
        assert_eq!(loser.body, BLACKLISTED, "statuses {statuses:?}");
        assert_eq!(loser.header("www-authenticate"), Some(r#"Bearer realm="api""#));
    }
    let body = winners[0].json();
    assert!(body["access"].is_string(), "{body}");
    body["refresh"].as_str().unwrap_or_else(|| panic!("a rotated refresh token in {body}")).to_owned()
}

async fn concurrent_refreshes_have_one_winner(db: TestDatabase) {
    let app = TestApp::spawn(
        db,
        &[
            ("LATCHKEY_ROTATE_REFRESH_TOKENS", "true"),
            ("LATCHKEY_BLACKLIST_AFTER_ROTATION", "true"),
            ("LATCHKEY_WORKERS", "4"),
            ("LATCHKEY_DB_POOL_SIZE", "8"),
        ],
    );
    app.seed_fixture().await;
    let (_, first) = app.obtain_pair(ALICE.username, ALICE.password).await;

    let second = one_winner(&refresh_all_at_once(&app, &first).await);
    assert_ne!(second, first);
    // The winner's token is the live one, and it races the same way.
    let third = one_winner(&refresh_all_at_once(&app, &second).await);

    // Every superseded token stays refused; the newest one works.
    for old in [&first, &second] {
        let response = app.anonymous().post_json("/api/token/refresh/", &json!({ "refresh": old })).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
        assert_eq!(response.body, BLACKLISTED);
    }
    let response = app.anonymous().post_json("/api/token/refresh/", &json!({ "refresh": third })).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
}

on_both_databases!(concurrent_refreshes_have_one_winner);
