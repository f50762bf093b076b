//! `GET /`, unknown paths and 405s: the answers that need no user.

use actix_web::http::{Method, StatusCode};
use latchkey_tests::{TestApp, TestDatabase};

async fn hello_world_is_exact_compact_json(db: TestDatabase) {
    let app = TestApp::spawn(db, &[]);
    let response = app.anonymous().get("/").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body, br#"{"message":"Hello, world!"}"#);
    assert_eq!(response.header("content-type"), Some("application/json"));
}

async fn unknown_path_is_json_404(db: TestDatabase) {
    let app = TestApp::spawn(db, &[]);
    for path in ["/nope/", "/api/", "/api/token/extra/"] {
        let response = app.anonymous().get(path).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(response.body, br#"{"detail":"Not found."}"#, "{path}");
        assert_eq!(response.header("content-type"), Some("application/json"), "{path}");
    }
}

async fn other_methods_on_root_are_405(db: TestDatabase) {
    let app = TestApp::spawn(db, &[]);
    for method in [Method::POST, Method::PUT, Method::DELETE] {
        let response = app.anonymous().request(method.clone(), "/").await;
        assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(response.header("allow"), Some("GET, OPTIONS"), "{method}");
        assert_eq!(response.text(), format!(r#"{{"detail":"Method \"{method}\" not allowed."}}"#));
    }
}

async fn responses_carry_allow_and_security_headers(db: TestDatabase) {
    let app = TestApp::spawn(db, &[]);
    for (path, allow) in
        [("/", "GET, OPTIONS"), ("/api/token/", "POST, OPTIONS"), ("/api/profile/", "GET, HEAD, OPTIONS")]
    {
        let response = app.anonymous().get(path).await;
        // DRF's Allow on every answer of the view, whatever the status.
        assert_eq!(response.header("allow"), Some(allow), "{path}: {}", response.status);
        assert_eq!(response.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(response.header("referrer-policy"), Some("same-origin"), "{path}");
        assert_eq!(response.header("cross-origin-opener-policy"), Some("same-origin"), "{path}");
        assert_eq!(response.header("vary"), Some("Accept"), "{path}");
    }
}

on_both_databases!(
    hello_world_is_exact_compact_json,
    unknown_path_is_json_404,
    other_methods_on_root_are_405,
    responses_carry_allow_and_security_headers
);
