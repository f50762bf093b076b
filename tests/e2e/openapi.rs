//! The API's description: the OpenAPI document at `/api/schema/`, the Swagger UI page at
//! `/api/docs/` from files inside the binary, both switchable; and the document's operations
//! are the ones the server routes (schemathesis, in `.ci/run`, checks their answers).

use actix_web::http::{Method, StatusCode};
use latchkey_tests::{TestApp, TestDatabase};
use serde_json::Value;

async fn the_document_and_the_page(db: TestDatabase) {
    let app = TestApp::spawn(db, &[]);
    let anonymous = app.anonymous();
    let response = anonymous.get("/api/schema/").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(response.header("content-type"), Some("application/vnd.oai.openapi+json"));
    let doc = response.json();
    assert_eq!(doc["openapi"], "3.1.0");
    // A bad credential is refused here as on every open DRF view.
    assert_eq!(app.with_bearer("nonsense").get("/api/schema/").await.status, StatusCode::UNAUTHORIZED);

    // Every documented operation is routed: anonymously, it answers anything but the 404 of an
    // unknown path or a 405.
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 20, "{} paths", paths.len());
    let mut unrouted = Vec::new();
    for (template, item) in paths {
        let path = template.replace("{id}", "1");
        for method in item.as_object().expect("path item").keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let status = anonymous.request(method.clone(), &path).await.status;
            if status == StatusCode::METHOD_NOT_ALLOWED
                || (status == StatusCode::NOT_FOUND && !template.contains("{id}"))
            {
                unrouted.push(format!("{method} {template}: {status}"));
            }
        }
    }
    assert!(unrouted.is_empty(), "documented but not served: {unrouted:?}");

    let page = anonymous.get("/api/docs/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header("content-type").is_some_and(|t| t.starts_with("text/html")));
    let html = page.text();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(!html.contains("https://"), "the page loads nothing from elsewhere: {html}");
    for asset in ["/api/docs/swagger-ui-bundle.js", "/api/docs/swagger-ui.css", "/api/docs/swagger-initializer.js"] {
        let response = anonymous.get(asset).await;
        assert_eq!(response.status, StatusCode::OK, "{asset}");
        assert!(!response.body.is_empty(), "{asset}");
    }
    let initializer = anonymous.get("/api/docs/swagger-initializer.js").await.text();
    assert!(initializer.contains("/api/schema/"), "{initializer}");
}

async fn only_the_configured_schemes_are_offered(db: TestDatabase) {
    let app = TestApp::spawn(db, &[("LATCHKEY_AUTH_SCHEMES", "token")]);
    let doc: Value = app.anonymous().get("/api/schema/").await.json();
    let schemes = doc["components"]["securitySchemes"].as_object().expect("schemes");
    assert_eq!(schemes.keys().collect::<Vec<_>>(), ["Token"]);
    assert_eq!(doc["paths"]["/api/profile/"]["get"]["security"], serde_json::json!([{"Token": []}]));
}

async fn both_can_be_turned_off(db: TestDatabase) {
    let app = TestApp::spawn(db, &[("LATCHKEY_API_DOCS", "false")]);
    assert_eq!(app.anonymous().get("/api/schema/").await.status, StatusCode::OK);
    assert_eq!(app.anonymous().get("/api/docs/").await.status, StatusCode::NOT_FOUND);
    let off = app.sibling(&[("LATCHKEY_API_SCHEMA", "false")]);
    for path in ["/api/schema/", "/api/docs/"] {
        let response = off.anonymous().get(path).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(response.json()["detail"], "Not found.");
    }
}

on_both_databases!(the_document_and_the_page, only_the_configured_schemes_are_offered, both_can_be_turned_off);
