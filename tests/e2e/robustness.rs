//! Garbage in, a 4xx JSON answer out: no panic, no 500, no dropped connection, and the server
//! keeps serving.

use actix_web::http::StatusCode;
use latchkey_tests::{TestApp, TestDatabase};
use serde_json::json;

const ENDPOINTS: &[&str] = &[
    "/api/token/",
    "/api/token/refresh/",
    "/api/token/verify/",
    "/api/token/blacklist/",
    "/auth/token/",
    "/api/register/",
];

fn garbage_bodies() -> Vec<(Option<&'static str>, Vec<u8>)> {
    let json = Some("application/json");
    let form = Some("application/x-www-form-urlencoded");
    vec![
        (json, b"{\"username\": ".to_vec()),
        (json, vec![0xff, 0xfe, 0x00, 0x80]),
        (json, b"[1, 2, 3]".to_vec()),
        (json, b"null".to_vec()),
        (json, b"\"just a string\"".to_vec()),
        (json, b"{\"username\": {\"a\": 1}, \"password\": [1, 2], \"refresh\": 7, \"token\": null}".to_vec()),
        (json, b"{\"username\": NaN}".to_vec()),
        // PostgreSQL refuses NUL in text: no NUL may reach a query (schemathesis found one).
        (json, b"{\"username\": \"a\\u0000b\", \"password\": \"p\\u0000assword1\", \"refresh\": \"\\u0000\", \"token\": \"\\u0000\"}".to_vec()),
        (form, b"username=a%00b&password=password%001&email=a%00@example.com".to_vec()),
        (Some("application/json; charset=latin-1"), vec![b'{', 0xe9, b'}']),
        (form, b"%zz&&==&username=%ff%fe&password".to_vec()),
        (form, vec![0xff, 0x00, b'=', 0xc3]),
        (Some("multipart/form-data"), b"no boundary".to_vec()),
        (Some("multipart/form-data; boundary=xyz"), b"--xyz\r\nContent-Disposition: garbage\r\n\r\n".to_vec()),
        (Some("multipart/form-data; boundary=xyz"), vec![0xff; 64]),
        (Some("text/plain"), b"hello".to_vec()),
        (Some("application/xml"), b"<a/>".to_vec()),
        (None, b"\x00\x01\x02".to_vec()),
    ]
}

async fn garbage_gets_a_json_4xx(db: TestDatabase) {
    let app = TestApp::spawn(db, &[("LATCHKEY_BODY_LIMIT", "65536")]);
    let anonymous = app.anonymous();
    // Every case is tried before failing, so one run lists every bad answer.
    let mut bad = Vec::new();
    for path in ENDPOINTS {
        for (content_type, body) in garbage_bodies() {
            let response = anonymous.post_raw(path, content_type, body.clone()).await;
            let is_json_object =
                serde_json::from_slice::<serde_json::Value>(&response.body).is_ok_and(|v| v.is_object());
            if !response.status.is_client_error() || !is_json_object {
                let mut text = response.text();
                text.truncate(200);
                bad.push(format!(
                    "POST {path} ({content_type:?}, {} bytes starting {:?}): {} {text}",
                    body.len(),
                    String::from_utf8_lossy(&body[..body.len().min(24)]),
                    response.status,
                ));
            }
        }
    }
    assert!(bad.is_empty(), "answers that are not a 4xx JSON object:\n{}", bad.join("\n"));

    // Nesting deeper than Python's recursion limit: DRF lets the RecursionError escape as an
    // HTML 500; Latchkey answers a 400 parse error.
    for path in ENDPOINTS {
        let response = anonymous.post_raw(path, Some("application/json"), "[".repeat(60_000)).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "POST {path} (deep nesting): {}", response.text());
        assert!(response.json()["detail"].is_string(), "POST {path} (deep nesting): {}", response.text());
    }

    // Over the body limit: 413 JSON, not a reset connection.
    let huge = format!(r#"{{"username":"{}","password":"x"}}"#, "a".repeat(200_000));
    let response = anonymous.post_raw("/api/token/", Some("application/json"), huge).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", response.text());
    assert!(response.json()["detail"].is_string());

    // Credentials that are not even text.
    for raw in [&b"Token \xff\xfe"[..], b"Bearer \xff.\xfe.\x80", b"Bearer a.b.c", b"Token", b"Bearer x y z"] {
        let response = app.with_header("authorization", raw).get("/api/profile/").await;
        let body = &response.body;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{raw:?}: {body:?}");
        assert!(serde_json::from_slice::<serde_json::Value>(body).is_ok(), "{raw:?}: {body:?}");
    }

    let response = anonymous.get("/").await;
    assert_eq!(response.status, StatusCode::OK, "the server stopped answering");
}

/// Answers that carry or refuse credentials are never cached (RFC 6749 §5.1); others are not
/// marked.
async fn credentials_are_not_cached(db: TestDatabase) {
    let app = TestApp::spawn(db, &[]);
    app.seed_fixture().await;
    let login = json!({"username": latchkey_tests::ALICE.username, "password": latchkey_tests::ALICE.password});
    let pair = app.anonymous().post_json("/api/token/", &login).await;
    assert_eq!(pair.header("cache-control"), Some("no-store"));
    let access = pair.json()["access"].as_str().expect("access").to_owned();
    for (path, body) in [("/auth/token/", &login), ("/api/token/verify/", &json!({"token": access}))] {
        assert_eq!(app.anonymous().post_json(path, body).await.header("cache-control"), Some("no-store"), "{path}");
    }
    let refused = app.anonymous().get("/api/profile/").await;
    assert_eq!((refused.status, refused.header("cache-control")), (StatusCode::UNAUTHORIZED, Some("no-store")));
    assert_eq!(app.with_bearer(&access).get("/api/sessions/").await.header("cache-control"), Some("no-store"));
    assert_eq!(app.anonymous().get("/").await.header("cache-control"), None);
    assert_eq!(app.with_bearer(&access).get("/api/profile/").await.header("cache-control"), None);
}

/// A client that sends the head and then withholds the body gets a JSON 408 once
/// `LATCHKEY_BODY_TIMEOUT` has passed, instead of holding its connection forever.
async fn a_withheld_body_times_out_with_a_json_408(db: TestDatabase) {
    use std::io::{Read, Write};
    let app = TestApp::spawn(db, &[("LATCHKEY_BODY_TIMEOUT", "1")]);
    let port = app.port;
    let started = std::time::Instant::now();
    let answer = actix_web::rt::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_read_timeout(Some(std::time::Duration::from_secs(8))).expect("timeout");
        let head = "POST /api/token/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{";
        stream.write_all(head.as_bytes()).expect("write");
        let mut answer = Vec::new();
        let mut buffer = [0u8; 4096];
        while let Ok(read) = stream.read(&mut buffer) {
            if read == 0 {
                break;
            }
            answer.extend_from_slice(&buffer[..read]);
            if answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.ends_with(b"}") {
                break;
            }
        }
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .expect("client");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#"{"detail":"The request body did not arrive within 1 second."}"#), "{answer}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "took {:?}", started.elapsed());
    assert_eq!(app.anonymous().get("/").await.status, StatusCode::OK);
}

on_both_databases!(garbage_gets_a_json_4xx, credentials_are_not_cached, a_withheld_body_times_out_with_a_json_408);
