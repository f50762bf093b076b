//! DRF's throttles, compared with the Django oracle byte for byte, and their defaults.

use actix_web::http::{Method, StatusCode};
use latchkey_tests::oracle::OracleServer;
use latchkey_tests::{ALICE, Client, TestApp, TestDatabase};
use serde_json::json;

/// The settings both servers run the comparison with.
const RATES: &[(&str, &str)] = &[
    ("LATCHKEY_THROTTLE_ANON", "3/m"),
    ("LATCHKEY_THROTTLE_USER", "4/minute"),
    ("LATCHKEY_THROTTLE_LOGIN", "2/m"),
    ("LATCHKEY_NUM_PROXIES", "1"),
];

/// What a request got: the status, `Retry-After`, and the body when it is not a success
/// (successes carry tokens, which differ between the servers).
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    step: &'static str,
    status: u16,
    retry_after: Option<u64>,
    body: Option<String>,
}

/// The same requests, in the same order, to either server; each part from its own client IP
/// (`X-Forwarded-For`, trusted with one proxy) so that the parts do not share histories.
async fn scenario(anonymous: Client) -> Vec<Seen> {
    let mut seen = Vec::new();
    let from = |ip: &str| anonymous.clone().with_header("x-forwarded-for", ip);
    let alice = json!({"username": ALICE.username, "password": ALICE.password});
    let mut record = |step: &'static str, response: latchkey_tests::TestResponse| {
        let retry_after = response.header("retry-after").map(|v| v.parse().unwrap_or(u64::MAX));
        let body = (!response.status.is_success()).then(|| response.text());
        seen.push(Seen { step, status: response.status.as_u16(), retry_after, body });
        response
    };

    // Anonymous requests (anon 3/m): the fourth is throttled; a protected view answers 401 first
    // (DRF checks permissions before throttles), and the throttle comes before a 405.
    let a = from("198.51.100.1");
    for _ in 0..4 {
        record("GET / x4", a.get("/").await);
    }
    record("GET /api/profile/ anonymous", a.get("/api/profile/").await);
    record("PUT / throttled before 405", a.request(Method::PUT, "/").await);

    // The login scope (2/m) on the credential views; the throttle comes before the body.
    let b = from("198.51.100.2");
    let mut access = None;
    for _ in 0..3 {
        let response = record("POST /api/token/ x3", b.post_json("/api/token/", &alice).await);
        if response.status == StatusCode::OK {
            access = response.json()["access"].as_str().map(str::to_owned);
        }
    }
    record("POST /api/token/ malformed", b.post_raw("/api/token/", Some("application/json"), "{").await);
    let c = from("198.51.100.3");
    for _ in 0..3 {
        record("POST /auth/token/ x3", c.post_json("/auth/token/", &alice).await);
    }

    // Authenticated requests (user 4/m) by user, whatever the IP.
    let access = access.unwrap_or_default();
    for ip in ["198.51.100.4", "198.51.100.5", "198.51.100.6", "198.51.100.7", "198.51.100.8"] {
        record("GET /api/profile/ as alice x5", from(ip).bearer(&access).get("/api/profile/").await);
    }

    // A bad credential is refused before any throttle and not counted.
    let e = from("198.51.100.9");
    for _ in 0..4 {
        record("GET / bad token x4", e.clone().bearer("garbage").get("/").await);
    }
    record("GET / after bad tokens", e.get("/").await);

    // A view without a login scope: anon and user only; 400s count like any answer.
    let f = from("198.51.100.10");
    for _ in 0..4 {
        record("POST /api/token/refresh/ {} x4", f.post_json("/api/token/refresh/", &json!({})).await);
    }
    seen
}

/// Replaces the number of seconds in a 429's detail, which may differ by the time the
/// oracle's PBKDF2 logins take; the numbers are compared separately.
fn without_wait(seen: &Seen) -> Seen {
    let body = seen.body.as_ref().map(|body| match wait_in_body(seen) {
        Some(wait) => body.replacen(&wait.to_string(), "N", 1),
        None => body.clone(),
    });
    Seen { step: seen.step, status: seen.status, retry_after: seen.retry_after.map(|_| 0), body }
}

fn wait_in_body(seen: &Seen) -> Option<u64> {
    let body = seen.body.as_ref()?;
    body.contains("throttled").then(|| body.chars().filter(char::is_ascii_digit).collect::<String>().parse().ok())?
}

async fn throttles_answer_as_the_oracle_does(db: TestDatabase) {
    let oracle = OracleServer::start(RATES);
    let app = TestApp::spawn(db, RATES);
    app.seed_fixture().await;
    let expected = scenario(oracle.anonymous()).await;
    let got = scenario(app.anonymous()).await;
    assert_eq!(got.len(), expected.len());
    for (ours, theirs) in got.iter().zip(&expected) {
        assert_eq!(without_wait(ours), without_wait(theirs), "\n ours: {ours:?}\n DRF:  {theirs:?}");
        if ours.status == 429 {
            // The wait is the same arithmetic; the oracle's slower logins may take a second off.
            let (mine, drf) = (ours.retry_after.unwrap_or(0), theirs.retry_after.unwrap_or(0));
            assert!(mine.abs_diff(drf) <= 2, "{}: Retry-After {mine} here, {drf} at DRF", ours.step);
            assert_eq!(wait_in_body(ours), ours.retry_after, "{ours:?}");
        }
    }
    // Ours, exactly: every 429 here is 60 s from the first request of its minute.
    let waits: Vec<_> = got.iter().filter(|s| s.status == 429).map(|s| (s.step, s.retry_after)).collect();
    assert_eq!(waits.len(), 7, "{waits:?}");
    for (step, wait) in waits {
        assert!(matches!(wait, Some(59 | 60)), "{step}: {wait:?}");
    }
}

/// "1 second", singular, as DRF's `ngettext`; the 429 is JSON and carries the view's `Allow`.
async fn one_second_is_singular(db: TestDatabase) {
    let app = TestApp::spawn(db, &[("LATCHKEY_THROTTLE_ANON", "1/s")]);
    let anonymous = app.anonymous();
    assert_eq!(anonymous.get("/").await.status, StatusCode::OK);
    let throttled = anonymous.get("/").await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.text(), r#"{"detail":"Request was throttled. Expected available in 1 second."}"#);
    assert_eq!(throttled.header("retry-after"), Some("1"));
    assert_eq!(throttled.header("content-type"), Some("application/json"));
    assert_eq!(throttled.header("allow"), Some("GET, OPTIONS"));
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(anonymous.get("/").await.status, StatusCode::OK, "a second later");
}

/// Development throttles nothing; production puts the credential views in a login scope of
/// 30 a minute per client IP, and leaves the rest alone.
async fn defaults_per_environment(db: TestDatabase) {
    let dev = TestApp::spawn(db, &[]);
    dev.seed_fixture().await;
    let body = json!({"username": ALICE.username, "password": ALICE.password});
    for _ in 0..40 {
        assert_eq!(dev.anonymous().post_json("/api/token/", &body).await.status, StatusCode::OK);
    }
    let production = dev.sibling(&[("LATCHKEY_ENV", "production")]);
    let client = production.anonymous();
    for n in 0..30 {
        let response = client.post_json("/auth/token/", &body).await;
        assert_eq!(response.status, StatusCode::OK, "login {n}: {}", response.text());
    }
    let throttled = client.post_json("/api/token/", &body).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS, "{}", throttled.text());
    assert_eq!(throttled.header("retry-after"), Some("60"));
    for _ in 0..50 {
        assert_eq!(client.get("/").await.status, StatusCode::OK, "no anon throttle by default");
    }
}

on_both_databases!(throttles_answer_as_the_oracle_does, one_second_is_singular, defaults_per_environment);
