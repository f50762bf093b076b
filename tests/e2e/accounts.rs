//! Sign-up, both ways of logging in, and both schemes on a protected route.

use actix_web::http::StatusCode;
use latchkey_tests::{ALICE, BOB, CAROL, TestApp, TestDatabase, jwt_claims};
use serde_json::json;

async fn register_login_and_profile_with_bearer(db: TestDatabase) {
    let app = TestApp::spawn(db, &[]);
    let created = app.register("dora", "dora-pass-123").await;
    assert_eq!(created["username"], "dora");
    assert_eq!(created["email"], "dora@example.com");
    assert!(created["id"].is_i64(), "{created}");

    let (access, refresh) = app.obtain_pair("dora", "dora-pass-123").await;
    assert_eq!(jwt_claims(&access)["token_type"], "access");
    assert_eq!(jwt_claims(&refresh)["token_type"], "refresh");
    assert_eq!(jwt_claims(&access)["user_id"], created["id"].to_string());

    let response = app.with_bearer(&access).get("/api/profile/").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(response.body, br#"{"message":"Hello, dora"}"#);

    // The same route without credentials, and with a refresh token where an access one belongs.
    let response = app.anonymous().get("/api/profile/").await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(response.header("www-authenticate"), Some(r#"Bearer realm="api""#));
    assert_eq!(response.body, br#"{"detail":"Authentication credentials were not provided."}"#);
    let response = app.with_bearer(&refresh).get("/api/profile/").await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(response.json()["code"], "token_not_valid");

    // Registering the same name again is refused.
    let response =
        app.anonymous().post_json("/api/register/", &json!({"username": "dora", "password": "another-pass-1"})).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.body, br#"{"username":["A user with that username already exists."]}"#);
}

async fn opaque_key_is_stable_and_authenticates(db: TestDatabase) {
    let app = TestApp::spawn(db, &[]);
    app.seed_fixture().await;

    let first = app.opaque_key(ALICE.username, ALICE.password).await;
    assert_eq!(first.len(), 40, "{first}");
    assert!(first.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "{first}");
    // Form-encoded this time: the same key.
    let response =
        app.anonymous().post_form("/auth/token/", &[("username", ALICE.username), ("password", ALICE.password)]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(response.json()["token"], first);
    assert_ne!(app.opaque_key(BOB.username, BOB.password).await, first);

    for keyword in ["Token", "token"] {
        let response = app.with_header("authorization", format!("{keyword} {first}")).get("/api/profile/").await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        assert_eq!(response.body, br#"{"message":"Hello, alice"}"#);
    }
    // The other scheme, for the same user.
    let response = app.as_user(&ALICE).await.get("/api/profile/").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(response.body, br#"{"message":"Hello, alice"}"#);
    let response = app.with_token(&"0".repeat(40)).get("/api/profile/").await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(response.body, br#"{"detail":"Invalid token."}"#);

    // A seeded user that is inactive cannot log in either way.
    let carol = json!({"username": CAROL.username, "password": CAROL.password});
    let response = app.anonymous().post_json("/auth/token/", &carol).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.body, br#"{"non_field_errors":["Unable to log in with provided credentials."]}"#);
    let response = app.anonymous().post_json("/api/token/", &carol).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(response.body, br#"{"detail":"No active account found with the given credentials"}"#);

    // A user who signs up has a key at once.
    app.register("erin", "erin-pass-123").await;
    let key = app.opaque_key("erin", "erin-pass-123").await;
    let response = app.with_token(&key).get("/api/profile/").await;
    assert_eq!(response.body, br#"{"message":"Hello, erin"}"#);
}

/// Usernames are NFKC-normalised, as Django's `normalize_username`: a fullwidth look-alike of a
/// taken name is taken (Django answers it with a 500), and a new one is stored normalised.
async fn look_alike_usernames_are_one_username(db: TestDatabase) {
    let app = TestApp::spawn(db, &[]);
    app.seed_fixture().await;
    let taken = app
        .anonymous()
        .post_json("/api/register/", &json!({"username": "ａｌｉｃｅ", "password": "pw-123456789"}))
        .await;
    assert_eq!(taken.status, StatusCode::BAD_REQUEST, "{}", taken.text());
    assert_eq!(taken.json(), json!({"username": ["A user with that username already exists."]}));
    let created =
        app.anonymous().post_json("/api/register/", &json!({"username": "ｄｏｒａ", "password": "pw-123456789"})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(created.json()["username"], "dora");
    app.obtain_pair("dora", "pw-123456789").await;
}

on_both_databases!(
    register_login_and_profile_with_bearer,
    opaque_key_is_stable_and_authenticates,
    look_alike_usernames_are_one_username
);
