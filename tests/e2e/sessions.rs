//! Sessions and revocation: logout ends one session and nothing else, logout-all and a password
//! change end every earlier credential, sessions can be listed and ended, and a rotated-out
//! refresh token used again past the reuse interval ends its session.

use actix_web::http::{Method, StatusCode};
use latchkey_tests::{ALICE, BOB, TestApp, TestDatabase, TestResponse, jwt_claims};
use serde_json::{Value, json};

fn blacklisted_access() -> Value {
    json!({
        "detail": "Given token not valid for any token type",
        "code": "token_not_valid",
        "messages": [{"token_class": "AccessToken", "token_type": "access", "message": "Token is blacklisted"}],
    })
}

fn blacklisted_refresh() -> Value {
    json!({"detail": "Token is blacklisted", "code": "token_not_valid"})
}

async fn refresh(app: &TestApp, token: &str) -> TestResponse {
    app.anonymous().post_json("/api/token/refresh/", &json!({"refresh": token})).await
}

fn assert_status(response: &TestResponse, status: StatusCode) {
    assert_eq!(response.status, status, "{}", response.text());
}

async fn logout_ends_one_session_and_nothing_else(db: TestDatabase) {
    let app = TestApp::spawn(db, &[]);
    app.seed_fixture().await;
    let (access_a, refresh_a) = app.obtain_pair(ALICE.username, ALICE.password).await;
    let (access_b, refresh_b) = app.obtain_pair(ALICE.username, ALICE.password).await;
    let (bobs_access, _) = app.obtain_pair(BOB.username, BOB.password).await;
    // Every token of a session shares its tag: the jti's first 16 of 32 hex digits.
    let (jti_a, jti_refresh_a) = (jwt_claims(&access_a)["jti"].clone(), jwt_claims(&refresh_a)["jti"].clone());
    assert_eq!(jti_a.as_str().map(str::len), Some(32));
    assert_eq!(jti_a.as_str().map(|j| &j[..16]), jti_refresh_a.as_str().map(|j| &j[..16]));

    let out = app.with_bearer(&access_a).post_json("/api/token/logout/", &json!({})).await;
    assert_status(&out, StatusCode::NO_CONTENT);
    assert!(out.body.is_empty());

    let refused = app.with_bearer(&access_a).get("/api/profile/").await;
    assert_status(&refused, StatusCode::UNAUTHORIZED);
    // Verify says what the protected views say.
    for token in [&access_a, &refresh_a] {
        let verified = app.anonymous().post_json("/api/token/verify/", &json!({"token": token})).await;
        assert_eq!(verified.json(), blacklisted_refresh(), "verify of an ended session's token");
    }
    assert_status(&app.anonymous().post_json("/api/token/verify/", &json!({"token": access_b})).await, StatusCode::OK);
    assert_eq!(refused.json(), blacklisted_access());
    assert_eq!(refused.header("www-authenticate"), Some(r#"Bearer realm="api""#));
    assert_eq!(refresh(&app, &refresh_a).await.json(), blacklisted_refresh());

    // The other session of the same user, and other users, are untouched.
    assert_status(&app.with_bearer(&access_b).get("/api/profile/").await, StatusCode::OK);
    assert_status(&refresh(&app, &refresh_b).await, StatusCode::OK);
    assert_status(&app.with_bearer(&bobs_access).get("/api/profile/").await, StatusCode::OK);

    // A refresh token in the body ends its session too, if it is the caller's.
    let (bobs_access, bobs_refresh) = app.obtain_pair(BOB.username, BOB.password).await;
    let not_hers = app.with_bearer(&access_b).post_json("/api/token/logout/", &json!({"refresh": bobs_refresh})).await;
    assert_status(&not_hers, StatusCode::BAD_REQUEST);
    assert_status(&app.with_bearer(&bobs_access).get("/api/profile/").await, StatusCode::OK);

    // A refresh token in the body is ended with its session, and blacklisted.
    let (access_c, refresh_c) = app.obtain_pair(ALICE.username, ALICE.password).await;
    let (access_d, _) = app.obtain_pair(ALICE.username, ALICE.password).await;
    let out = app.with_bearer(&access_d).post_json("/api/token/logout/", &json!({"refresh": refresh_c})).await;
    assert_status(&out, StatusCode::NO_CONTENT);
    assert_eq!(refresh(&app, &refresh_c).await.json(), blacklisted_refresh());
    assert_eq!(app.with_bearer(&access_c).get("/api/profile/").await.json(), blacklisted_access());

    // Logging out with a DRF key resets the key.
    let key = app.opaque_key(ALICE.username, ALICE.password).await;
    assert_status(&app.with_token(&key).post_json("/api/token/logout/", &json!({})).await, StatusCode::NO_CONTENT);
    assert_eq!(app.with_token(&key).get("/api/profile/").await.json(), json!({"detail": "Invalid token."}));
    assert_status(&app.with_bearer(&access_b).get("/api/profile/").await, StatusCode::OK);

    // Anonymous callers are refused as on every protected view.
    assert_status(&app.anonymous().post_json("/api/token/logout/", &json!({})).await, StatusCode::UNAUTHORIZED);
}

async fn logout_all_ends_every_credential(db: TestDatabase) {
    let app = TestApp::spawn(db, &[]);
    app.seed_fixture().await;
    let (access_a, refresh_a) = app.obtain_pair(ALICE.username, ALICE.password).await;
    let (access_b, _) = app.obtain_pair(ALICE.username, ALICE.password).await;
    let key = app.opaque_key(ALICE.username, ALICE.password).await;
    let (bobs_access, _) = app.obtain_pair(BOB.username, BOB.password).await;

    assert_status(
        &app.with_bearer(&access_a).post_json("/api/token/logout-all/", &json!({})).await,
        StatusCode::NO_CONTENT,
    );
    for access in [&access_a, &access_b] {
        assert_eq!(app.with_bearer(access).get("/api/profile/").await.json(), blacklisted_access());
    }
    assert_eq!(refresh(&app, &refresh_a).await.json(), blacklisted_refresh());
    assert_eq!(app.with_token(&key).get("/api/profile/").await.json(), json!({"detail": "Invalid token."}));
    assert_status(&app.with_bearer(&bobs_access).get("/api/profile/").await, StatusCode::OK);

    // A login right after, even within the same second, works.
    let (fresh, fresh_refresh) = app.obtain_pair(ALICE.username, ALICE.password).await;
    assert_status(&app.with_bearer(&fresh).get("/api/profile/").await, StatusCode::OK);
    assert_status(&refresh(&app, &fresh_refresh).await, StatusCode::OK);
}

async fn password_change_ends_earlier_credentials(db: TestDatabase) {
    let app = TestApp::spawn(db, &[]);
    app.seed_fixture().await;
    let (old_access, old_refresh) = app.obtain_pair(ALICE.username, ALICE.password).await;
    let key = app.opaque_key(ALICE.username, ALICE.password).await;
    let alice = app.with_bearer(&old_access);

    let wrong = alice
        .post_json("/api/password/change/", &json!({"old_password": "nope", "new_password": "a-new-password-1"}))
        .await;
    assert_status(&wrong, StatusCode::BAD_REQUEST);
    assert_eq!(
        wrong.json(),
        json!({"old_password": ["Your old password was entered incorrectly. Please enter it again."]})
    );
    let short = alice
        .post_json("/api/password/change/", &json!({"old_password": ALICE.password, "new_password": "short"}))
        .await;
    assert_eq!(short.json(), json!({"new_password": ["Ensure this field has at least 8 characters."]}));
    assert_status(&alice.get("/api/profile/").await, StatusCode::OK);

    let changed = alice
        .post_json(
            "/api/password/change/",
            &json!({"old_password": ALICE.password, "new_password": "a-new-password-1"}),
        )
        .await;
    assert_status(&changed, StatusCode::OK);
    let pair = changed.json();
    let new_access = pair["access"].as_str().expect("access").to_owned();
    // The new session's tokens work at once, in the same second as the change.
    assert_status(&app.with_bearer(&new_access).get("/api/profile/").await, StatusCode::OK);
    assert_status(&refresh(&app, pair["refresh"].as_str().expect("refresh")).await, StatusCode::OK);

    let before = app.with_bearer(&old_access).get("/api/profile/").await;
    assert_status(&before, StatusCode::UNAUTHORIZED);
    assert_eq!(before.json(), json!({"detail": "The user's password has been changed.", "code": "password_changed"}));
    assert_eq!(refresh(&app, &old_refresh).await.json(), blacklisted_refresh());
    assert_eq!(app.with_token(&key).get("/api/profile/").await.json(), json!({"detail": "Invalid token."}));

    let old_login = app
        .anonymous()
        .post_json("/api/token/", &json!({"username": ALICE.username, "password": ALICE.password}))
        .await;
    assert_status(&old_login, StatusCode::UNAUTHORIZED);
    app.obtain_pair(ALICE.username, "a-new-password-1").await;
}

async fn sessions_are_listed_and_ended(db: TestDatabase) {
    let app = TestApp::spawn(db, &[]);
    app.seed_fixture().await;
    let first = login_from(&app, "phone/1.0").await.json();
    let second = login_from(&app, "laptop/2.0").await.json();
    let (first_access, second_access) =
        (first["access"].as_str().expect("access").to_owned(), second["access"].as_str().expect("access").to_owned());

    let listed = app.with_bearer(&second_access).get("/api/sessions/").await;
    assert_status(&listed, StatusCode::OK);
    let sessions = listed.json();
    let sessions = sessions.as_array().expect("a list");
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    assert_eq!(sessions[0]["user_agent"], "laptop/2.0");
    assert_eq!((sessions[0]["current"].clone(), sessions[1]["current"].clone()), (json!(true), json!(false)));
    assert_eq!(sessions[1]["ip"], "127.0.0.1");
    for session in sessions {
        let id = session["id"].as_str().expect("id");
        assert!(id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        for field in ["created", "last_used", "expires"] {
            assert!(session[field].as_str().is_some_and(|t| t.ends_with('Z') && t.contains('T')), "{session}");
        }
    }
    let phone = sessions[1]["id"].as_str().expect("id").to_owned();

    // Bob cannot end it, nor see it; an unknown id is 404 as well.
    let (bobs_access, _) = app.obtain_pair(BOB.username, BOB.password).await;
    let bob = app.with_bearer(&bobs_access);
    assert_eq!(
        bob.request(Method::DELETE, &format!("/api/sessions/{phone}/")).await.json(),
        json!({"detail": "Not found."})
    );
    assert_eq!(bob.get("/api/sessions/").await.json().as_array().map(Vec::len), Some(1));
    let alice = app.with_bearer(&second_access);
    assert_status(&alice.request(Method::DELETE, "/api/sessions/0000000000000000/").await, StatusCode::NOT_FOUND);

    assert_status(&alice.request(Method::DELETE, &format!("/api/sessions/{phone}/")).await, StatusCode::NO_CONTENT);
    assert_eq!(app.with_bearer(&first_access).get("/api/profile/").await.json(), blacklisted_access());
    assert_status(&alice.get("/api/profile/").await, StatusCode::OK);
    assert_eq!(alice.get("/api/sessions/").await.json().as_array().map(Vec::len), Some(1));
    assert_status(&alice.request(Method::DELETE, &format!("/api/sessions/{phone}/")).await, StatusCode::NOT_FOUND);
    assert_status(&alice.get("/api/sessions/x").await, StatusCode::NOT_FOUND);
    for odd in ["%00", "0000000000000000%00", "ABCDEF0123456789", "x"] {
        let response = alice.request(Method::DELETE, &format!("/api/sessions/{odd}/")).await;
        assert_eq!(response.json(), json!({"detail": "Not found."}), "{odd}");
    }
}

async fn login_from(app: &TestApp, agent: &str) -> TestResponse {
    let client = app.with_header("user-agent", agent);
    client.post_json("/api/token/", &json!({"username": ALICE.username, "password": ALICE.password})).await
}

const ROTATION: [(&str, &str); 2] =
    [("LATCHKEY_ROTATE_REFRESH_TOKENS", "true"), ("LATCHKEY_BLACKLIST_AFTER_ROTATION", "true")];

async fn reuse_after_the_interval_ends_the_session(db: TestDatabase) {
    let app = TestApp::spawn(db, &[ROTATION[0], ROTATION[1], ("LATCHKEY_REFRESH_REUSE_INTERVAL", "0")]);
    app.seed_fixture().await;
    let (_, stolen) = app.obtain_pair(ALICE.username, ALICE.password).await;
    let (other_session, _) = app.obtain_pair(ALICE.username, ALICE.password).await;
    let rotated = refresh(&app, &stolen).await.json();
    let (child_refresh, child_access) = (
        rotated["refresh"].as_str().expect("refresh").to_owned(),
        rotated["access"].as_str().expect("access").to_owned(),
    );
    assert_status(&app.with_bearer(&child_access).get("/api/profile/").await, StatusCode::OK);

    std::thread::sleep(std::time::Duration::from_millis(1100));
    // The copy comes back: answered as simplejwt answers, and its whole session ends.
    assert_eq!(refresh(&app, &stolen).await.json(), blacklisted_refresh());
    assert_eq!(refresh(&app, &child_refresh).await.json(), blacklisted_refresh());
    assert_eq!(app.with_bearer(&child_access).get("/api/profile/").await.json(), blacklisted_access());
    assert_status(&app.with_bearer(&other_session).get("/api/profile/").await, StatusCode::OK);
}

async fn reuse_within_the_interval_keeps_the_session(db: TestDatabase) {
    let app = TestApp::spawn(db, &ROTATION);
    app.seed_fixture().await;
    let (_, original) = app.obtain_pair(ALICE.username, ALICE.password).await;
    let rotated = refresh(&app, &original).await.json();
    // A racing tab sends the old token a moment later: refused, and nothing else happens.
    assert_eq!(refresh(&app, &original).await.json(), blacklisted_refresh());
    let child = rotated["refresh"].as_str().expect("refresh");
    assert_status(&refresh(&app, child).await, StatusCode::OK);
    let access = rotated["access"].as_str().expect("access");
    assert_status(&app.with_bearer(access).get("/api/profile/").await, StatusCode::OK);
}

/// The tokens of a session, rotated, are still simplejwt's: its own `AccessToken` and
/// `RefreshToken` classes accept them.
async fn tokens_still_verify_with_simplejwt(db: TestDatabase) {
    let app = TestApp::spawn(db, &ROTATION);
    app.seed_fixture().await;
    let (access, refresh_token) = app.obtain_pair(ALICE.username, ALICE.password).await;
    let rotated = refresh(&app, &refresh_token).await.json();
    let output = std::process::Command::new(latchkey_tests::django::oracle_python())
        .arg(latchkey_tests::django::repo_path("tests/django/verify_with_simplejwt.py"))
        .arg(latchkey_tests::SIGNING_KEY)
        .arg(format!("access={access}"))
        .arg(format!("access={}", rotated["access"].as_str().expect("access")))
        .arg(format!("refresh={}", rotated["refresh"].as_str().expect("refresh")))
        .output()
        .expect("run simplejwt");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let payloads: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a payload"))
        .collect();
    assert_eq!(payloads.len(), 3);
    for payload in &payloads {
        assert_eq!(payload["user_id"], jwt_claims(&access)["user_id"]);
    }
}

/// Twenty refreshes of one session racing its logout: whatever won, the session is over, and
/// every token the refreshes handed out is refused.
async fn a_logout_racing_refreshes_ends_everything_they_made(db: TestDatabase) {
    let app = TestApp::spawn(db, &[]);
    app.seed_fixture().await;
    let (access, refresh_token) = app.obtain_pair(ALICE.username, ALICE.password).await;
    let refreshes: Vec<_> = (0..20)
        .map(|_| {
            actix_web::rt::spawn(app.anonymous().post_json("/api/token/refresh/", &json!({"refresh": refresh_token})))
        })
        .collect();
    let logout = actix_web::rt::spawn(app.with_bearer(&access).post_json("/api/token/logout/", &json!({})));
    assert_status(&logout.await.expect("logout"), StatusCode::NO_CONTENT);
    let mut made = Vec::new();
    for refresh in refreshes {
        let response = refresh.await.expect("refresh");
        if response.status == StatusCode::OK {
            made.push(response.json()["access"].as_str().expect("access").to_owned());
        } else {
            assert_eq!(response.json(), blacklisted_refresh());
        }
    }
    for access in made.iter().chain([&access]) {
        assert_eq!(app.with_bearer(access).get("/api/profile/").await.json(), blacklisted_access());
    }
    assert_eq!(refresh(&app, &refresh_token).await.json(), blacklisted_refresh());
}

/// Two instances on one database: a logout-all through A is refused by A at once and by B
/// within a second on PostgreSQL (LISTEN/NOTIFY, whatever B's cache TTL), within B's TTL on
/// SQLite. So is a change made by another process entirely (a command), such as deactivating
/// the user.
async fn a_revocation_on_one_instance_reaches_the_other(db: TestDatabase) {
    let postgres = db.backend() == latchkey_tests::Backend::Postgres;
    // On PostgreSQL a TTL far beyond the bound: only the notification can explain meeting it.
    let (ttl, bound) = if postgres { ("60000", 1000) } else { ("1000", 1500) };
    let env = [("LATCHKEY_AUTH_CACHE_TTL_MS", ttl)];
    let a = TestApp::spawn(db, &env);
    a.seed_fixture().await;
    let b = a.sibling(&env);
    let seen_by_b_within = |access: String| {
        let client = b.with_bearer(&access);
        async move {
            let started = std::time::Instant::now();
            loop {
                let seen = client.get("/api/profile/").await;
                if seen.status == StatusCode::UNAUTHORIZED {
                    return (started.elapsed(), seen.json());
                }
                assert!(started.elapsed() < std::time::Duration::from_millis(bound), "B still accepts the token");
                actix_web::rt::time::sleep(std::time::Duration::from_millis(25)).await;
            }
        }
    };

    let (access, _) = a.obtain_pair(ALICE.username, ALICE.password).await;
    // B has seen the session and the user: both are in B's caches now.
    assert_status(&b.with_bearer(&access).get("/api/profile/").await, StatusCode::OK);
    assert_status(
        &a.with_bearer(&access).post_json("/api/token/logout-all/", &json!({})).await,
        StatusCode::NO_CONTENT,
    );
    assert_eq!(a.with_bearer(&access).get("/api/profile/").await.json(), blacklisted_access());
    let (_, body) = seen_by_b_within(access).await;
    assert_eq!(body, blacklisted_access());

    // A deactivation written by another process (as `cargo xtask` would).
    let (bobs_access, _) = a.obtain_pair(BOB.username, BOB.password).await;
    assert_status(&b.with_bearer(&bobs_access).get("/api/profile/").await, StatusCode::OK);
    let store = a.db.connect(latchkey_store::PoolOptions::new(1, std::time::Duration::from_secs(10)));
    let bob = latchkey_domain::UserStore::find_user_by_username(&store, BOB.username).expect("find").expect("bob");
    latchkey_domain::UserStore::set_active(&store, bob.id, false).expect("deactivate");
    let (_, body) = seen_by_b_within(bobs_access).await;
    assert_eq!(body, json!({"detail": "User is inactive", "code": "user_inactive"}));
}

/// Twenty refreshes of one token under rotation, split across two instances: exactly one
/// wins and its session lives (they all land within the reuse interval). Then twenty replays
/// of the rotated-out token past the interval, across both: the session ends, once, and every
/// token of it is refused on both instances.
async fn racing_refreshes_and_replays_across_two_instances(db: TestDatabase) {
    let postgres = db.backend() == latchkey_tests::Backend::Postgres;
    let (ttl, bound) = if postgres { ("60000", 1000) } else { ("1000", 1500) };
    let racing = [ROTATION[0], ROTATION[1], ("LATCHKEY_AUTH_CACHE_TTL_MS", ttl)];
    let a = TestApp::spawn(db, &racing);
    a.seed_fixture().await;
    let b = a.sibling(&racing);
    let (_, original) = a.obtain_pair(ALICE.username, ALICE.password).await;
    let body = json!({"refresh": original});
    let refreshes: Vec<_> = (0..20)
        .map(|n| {
            let client = if n % 2 == 0 { a.anonymous() } else { b.anonymous() };
            actix_web::rt::spawn(client.post_json("/api/token/refresh/", &body))
        })
        .collect();
    let mut winners = Vec::new();
    for refresh in refreshes {
        let response = refresh.await.expect("refresh");
        if response.status == StatusCode::OK {
            winners.push(response.json());
        } else {
            assert_eq!(response.json(), blacklisted_refresh());
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let child = winners[0]["refresh"].as_str().expect("refresh").to_owned();
    let child_access = winners[0]["access"].as_str().expect("access").to_owned();
    assert_status(&b.with_bearer(&child_access).get("/api/profile/").await, StatusCode::OK);

    // The same, on instances whose reuse interval is zero: every replay is a reuse.
    let strict =
        [ROTATION[0], ROTATION[1], ("LATCHKEY_REFRESH_REUSE_INTERVAL", "0"), ("LATCHKEY_AUTH_CACHE_TTL_MS", ttl)];
    let (c, d) = (a.sibling(&strict), a.sibling(&strict));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let replays: Vec<_> = (0..20)
        .map(|n| {
            let client = if n % 2 == 0 { c.anonymous() } else { d.anonymous() };
            actix_web::rt::spawn(client.post_json("/api/token/refresh/", &body))
        })
        .collect();
    for replay in replays {
        assert_eq!(replay.await.expect("replay").json(), blacklisted_refresh());
    }
    assert_eq!(refresh(&a, &child).await.json(), blacklisted_refresh());
    // A and B had the session cached: told by notification on PostgreSQL, by the TTL on SQLite.
    let started = std::time::Instant::now();
    for instance in [a.with_bearer(&child_access), b.with_bearer(&child_access)] {
        loop {
            let seen = instance.get("/api/profile/").await;
            if seen.status == StatusCode::UNAUTHORIZED {
                assert_eq!(seen.json(), blacklisted_access());
                break;
            }
            assert!(started.elapsed() < std::time::Duration::from_millis(bound), "the session still works");
            actix_web::rt::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }
}

/// `LATCHKEY_SESSION_CLAIM=sid`: every token of a session says which, in a claim of its own,
/// through rotation too; the default claim set is simplejwt's exactly.
async fn a_session_claim_when_asked_for(db: TestDatabase) {
    let app = TestApp::spawn(db, &[ROTATION[0], ROTATION[1], ("LATCHKEY_SESSION_CLAIM", "sid")]);
    app.seed_fixture().await;
    let (access, refresh_token) = app.obtain_pair(ALICE.username, ALICE.password).await;
    let tag = jwt_claims(&refresh_token)["jti"].as_str().map(|jti| jti[..16].to_owned()).expect("jti");
    let rotated = refresh(&app, &refresh_token).await.json();
    for token in
        [&access, &refresh_token, rotated["access"].as_str().expect("a"), rotated["refresh"].as_str().expect("r")]
    {
        assert_eq!(jwt_claims(token)["sid"], json!(tag));
    }
    let listed = app.with_bearer(&access).get("/api/sessions/").await.json();
    assert_eq!(listed[0]["id"], json!(tag));
}

on_both_databases!(
    a_session_claim_when_asked_for,
    racing_refreshes_and_replays_across_two_instances,
    a_logout_racing_refreshes_ends_everything_they_made,
    a_revocation_on_one_instance_reaches_the_other,
    tokens_still_verify_with_simplejwt,
    logout_ends_one_session_and_nothing_else,
    logout_all_ends_every_credential,
    password_change_ends_earlier_credentials,
    sessions_are_listed_and_ended,
    reuse_after_the_interval_ends_the_session,
    reuse_within_the_interval_keeps_the_session,
);
