//! Users whose passwords Django hashed, in every format it writes, log in; after the first
//! login their hash is in the preferred format (`bcrypt_sha256` here); wrong passwords and
//! unusable hashes are refused.

use actix_web::http::StatusCode;
use latchkey_domain::{NewUser, UserStore};
use latchkey_store::PoolOptions;
use latchkey_tests::{TestApp, TestDatabase};
use serde::Deserialize;
use std::time::Duration;

/// The vectors Django's `make_password` made (crates/latchkey-password/testdata).
#[derive(Deserialize)]
struct Vector {
    hasher: String,
    password: String,
    wrong: String,
    encoded: String,
    usable: bool,
}

fn vectors() -> Vec<Vector> {
    serde_json::from_str(include_str!("../../crates/latchkey-password/testdata/django_vectors.json")).expect("vectors")
}

async fn every_django_format_logs_in_and_is_upgraded(db: TestDatabase) {
    let app = TestApp::spawn(db, &[]);
    let store = app.db.connect(PoolOptions::new(1, Duration::from_secs(10)));
    // One user a format, with a password DRF's serializers accept as sent (not blank, no
    // surrounding spaces, which simplejwt would strip).
    let mut users = Vec::new();
    for (n, v) in vectors().into_iter().enumerate() {
        let takes_it = !v.password.trim().is_empty() && v.password.trim() == v.password;
        if !takes_it || users.iter().any(|(_, u): &(String, Vector)| u.hasher == v.hasher) {
            continue;
        }
        let username = format!("django{n}");
        store.create_user(NewUser::new(username.clone(), "", v.encoded.clone())).expect("user");
        users.push((username, v));
    }
    assert!(users.iter().filter(|(_, v)| v.usable).count() >= 7, "a usable user per format");

    for (username, v) in &users {
        if !v.wrong.trim().is_empty() {
            let wrong =
                app.anonymous().post_form("/api/token/", &[("username", username), ("password", &v.wrong)]).await;
            assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}: wrong password", v.hasher);
        }
        let login =
            app.anonymous().post_form("/auth/token/", &[("username", username), ("password", &v.password)]).await;
        let stored = store.find_user_by_username(username).expect("lookup").expect("user").password_hash;
        if !v.usable {
            assert_eq!(login.status, StatusCode::BAD_REQUEST, "{}: unusable", v.hasher);
            assert_eq!(stored, v.encoded, "an unusable hash is left alone");
            continue;
        }
        assert_eq!(login.status, StatusCode::OK, "{} {}: {}", v.hasher, v.encoded, login.text());
        // The tests' servers hash with bcrypt_sha256 at cost 4.
        if v.hasher == "bcrypt_sha256" && v.encoded.starts_with("bcrypt_sha256$$2b$04$") {
            assert_eq!(stored, v.encoded, "already in the preferred format at the configured cost");
        } else {
            assert!(stored.starts_with("bcrypt_sha256$$2b$04$"), "{}: re-hashed to {stored}", v.hasher);
        }
        // The new hash works, and the JWT login with it too.
        let again =
            app.anonymous().post_form("/api/token/", &[("username", username), ("password", &v.password)]).await;
        assert_eq!(again.status, StatusCode::OK, "{}: after the upgrade", v.hasher);
    }
}

on_both_databases!(every_django_format_logs_in_and_is_upgraded);
