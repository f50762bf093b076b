//! A copy of the database is worth nothing to an attacker: after opaque keys and JWTs were
//! issued, refreshed and blacklisted, no key and no token appears anywhere in the database.

use actix_web::http::StatusCode;
use latchkey_tests::{ADMIN, ALICE, BOB, TestApp, TestDatabase, base64url_decode, jwt_claims};
use serde_json::json;

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn hex_decode(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or_else(|_| panic!("not hex: {hex}")))
        .collect()
}

async fn dump_reveals_no_key_and_no_token(db: TestDatabase) {
    let app = TestApp::spawn(
        db,
        &[("LATCHKEY_ROTATE_REFRESH_TOKENS", "true"), ("LATCHKEY_BLACKLIST_AFTER_ROTATION", "true")],
    );
    app.seed_fixture().await;
    app.register("frank", "frank-pass-123").await;

    let mut keys = Vec::new();
    for (username, password) in [
        (ALICE.username, ALICE.password),
        (BOB.username, BOB.password),
        (ADMIN.username, ADMIN.password),
        ("frank", "frank-pass-123"),
    ] {
        keys.push(app.opaque_key(username, password).await);
    }

    let mut tokens = Vec::new();
    let (access, refresh) = app.obtain_pair(ALICE.username, ALICE.password).await;
    tokens.extend([access, refresh.clone()]);
    // A rotation (the old refresh token is blacklisted), then an explicit blacklisting.
    let response = app.anonymous().post_json("/api/token/refresh/", &json!({ "refresh": refresh })).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let rotated = response.json();
    let rotated_refresh = rotated["refresh"].as_str().expect("rotated refresh").to_owned();
    tokens.extend([rotated["access"].as_str().expect("access").to_owned(), rotated_refresh.clone()]);
    let response = app.anonymous().post_json("/api/token/blacklist/", &json!({ "refresh": rotated_refresh })).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let (access, refresh) = app.obtain_pair("frank", "frank-pass-123").await;
    tokens.extend([access, refresh]);

    let dump = app.db.dump();
    // The dump does read the rows: users, and the refresh tokens' ids (jti), are there.
    assert!(contains(&dump, b"alice@example.com"), "the dump holds no users");
    assert!(contains(&dump, b"frank"), "the dump misses the registered user");
    let jti = jwt_claims(&rotated_refresh)["jti"].as_str().expect("jti").to_owned();
    assert!(contains(&dump, jti.as_bytes()), "the dump holds no outstanding tokens");

    for key in &keys {
        assert!(!contains(&dump, key.as_bytes()), "opaque key {key} is in the database");
        assert!(!contains(&dump, key.to_uppercase().as_bytes()), "opaque key {key} is in the database (upper case)");
        assert!(!contains(&dump, &hex_decode(key)), "opaque key {key} is in the database as bytes");
    }
    for token in &tokens {
        assert!(!contains(&dump, token.as_bytes()), "JWT {token} is in the database");
        let mut parts = token.split('.').skip(1);
        let (payload, signature) = (parts.next().expect("payload"), parts.next().expect("signature"));
        for part in [payload, signature] {
            assert!(!contains(&dump, part.as_bytes()), "a part of JWT {token} is in the database");
        }
        let raw_signature = base64url_decode(signature).expect("signature bytes");
        assert!(!contains(&dump, &raw_signature), "the signature of JWT {token} is in the database as bytes");
    }
}

on_both_databases!(dump_reveals_no_key_and_no_token);
