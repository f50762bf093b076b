//! A database Django made (the oracle project's migrations, users in every password format,
//! DRF keys, simplejwt's outstanding and blacklisted tokens) imported into Latchkey: every
//! credential Django handed out keeps working, or stays refused, against the Latchkey server.

use actix_web::http::StatusCode;
use latchkey_django::DjangoDatabase;
use latchkey_domain::UserStore;
use latchkey_store::PoolOptions;
use latchkey_store::import::{
    ImportBlacklisted, ImportError, ImportMode, ImportOutstanding, ImportReport, ImportSet, NoProgress,
};
use latchkey_tests::django::{DJANGO_SECRET_KEY, DjangoProject};
use latchkey_tests::{TestApp, TestDatabase, jwt_claims};
use serde_json::json;
use std::time::Duration;

fn read(django: &DjangoProject) -> ImportSet {
    match DjangoDatabase::open(django.url()).and_then(DjangoDatabase::read) {
        Ok(data) => data.set,
        Err(err) => panic!("cannot read the Django database: {err}"),
    }
}

fn import(db: &TestDatabase, set: &ImportSet, mode: ImportMode) -> Result<ImportReport, ImportError> {
    db.connect(PoolOptions::new(1, Duration::from_secs(30))).import(set, mode, &NoProgress)
}

async fn every_django_credential_works_after_the_import(db: TestDatabase) {
    let django = DjangoProject::create(db.backend(), 0);
    let report = import(&db, &read(&django), ImportMode::Apply).expect("import");
    let m = &django.manifest;
    assert_eq!(report.users.imported, m.users.len() as u64);
    assert_eq!(report.keys.imported, m.users.len() as u64);
    assert_eq!((report.outstanding.imported, report.blacklisted.imported), (2, 1));

    let app = TestApp::spawn(db, &[("LATCHKEY_SIGNING_KEY", DJANGO_SECRET_KEY)]);

    // The access token simplejwt signed reads alice's profile: her id survived the import.
    let profile = app.with_bearer(&m.access).get("/api/profile/").await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.text());
    assert_eq!(profile.json(), json!({"message": "Hello, alice"}));
    assert_eq!(jwt_claims(&m.access)["user_id"], json!(m.alice_id.to_string()));

    // The refresh token Django blacklisted stays refused; the outstanding one refreshes.
    let refused = app.anonymous().post_json("/api/token/refresh/", &json!({"refresh": m.refresh_blacklisted})).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.json(), json!({"detail": "Token is blacklisted", "code": "token_not_valid"}));
    let refreshed = app.anonymous().post_json("/api/token/refresh/", &json!({"refresh": m.refresh_outstanding})).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text());
    let access = refreshed.json()["access"].as_str().expect("access").to_owned();
    assert_eq!(jwt_claims(&access)["user_id"], jwt_claims(&m.access)["user_id"]);

    let store = app.db.connect(PoolOptions::new(1, Duration::from_secs(10)));
    for user in &m.users {
        // Every DRF key Django issued authenticates as its user (inactive ones as DRF says).
        let by_key = app.with_token(&user.key).get("/api/profile/").await;
        if user.is_active {
            assert_eq!(by_key.status, StatusCode::OK, "{}: {}", user.username, by_key.text());
            assert_eq!(by_key.json(), json!({"message": format!("Hello, {}", user.username)}));
        } else {
            assert_eq!(by_key.json(), json!({"detail": "User inactive or deleted."}), "{}", user.username);
        }

        let wrong = json!({"username": user.username, "password": "not-the-password"});
        let refused = app.anonymous().post_json("/api/token/", &wrong).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", user.username);

        let Some(password) = &user.password else { continue };
        let stored_before = store.find_user_by_username(&user.username).expect("find").expect("user").password_hash;
        let login =
            app.anonymous().post_json("/api/token/", &json!({"username": user.username, "password": password})).await;
        if !user.is_active {
            assert_eq!(login.status, StatusCode::UNAUTHORIZED, "{}", user.username);
            continue;
        }
        assert_eq!(login.status, StatusCode::OK, "{} ({}): {}", user.username, user.format, login.text());
        let stored = store.find_user_by_username(&user.username).expect("find").expect("user").password_hash;
        // Django's `must_update`: another format, or bcrypt at another cost (Django's 12 here,
        // the test server's 4), is re-hashed with the preferred hasher's parameters.
        assert!(
            stored.starts_with("bcrypt_sha256$$2b$04$"),
            "{} ({}) not upgraded: {stored}",
            user.username,
            user.format
        );
        assert_ne!(stored, stored_before, "{}", user.username);
    }

    // A DRF login now hands out a Latchkey key; the key Django issued keeps working beside it.
    let alice = m.user("alice");
    let key = app.opaque_key("alice", alice.password.as_deref().expect("password")).await;
    assert_ne!(key, alice.key);
    for presented in [&key, &alice.key] {
        assert_eq!(app.with_token(presented).get("/api/profile/").await.status, StatusCode::OK);
    }

    // New users get ids after the imported ones (PostgreSQL's sequence was moved).
    let registered = app.register("newcomer", "newcomer-pass-1").await;
    let highest = m.users.iter().map(|u| u.id).max().expect("users");
    assert_eq!(registered["id"], json!(highest + 1), "{registered}");

    // The dump holds digests only: no DRF key Django issued is readable in it.
    drop(store);
    let dump = app.db.dump();
    for user in &m.users {
        assert!(!dump.windows(user.key.len()).any(|w| w == user.key.as_bytes()), "{}'s key stored", user.username);
    }
}

async fn dry_runs_reruns_and_conflicts_change_nothing(db: TestDatabase) {
    let django = DjangoProject::create(db.backend(), 0);
    let set = read(&django);
    let store = db.connect(PoolOptions::new(1, Duration::from_secs(10)));

    let dry = import(&db, &set, ImportMode::DryRun).expect("dry run");
    assert_eq!(dry.users.imported, set.users.len() as u64);
    assert!(dry.changes_anything());
    assert_eq!(store.count_users().expect("count"), 0, "a dry run wrote users");

    let applied = import(&db, &set, ImportMode::Apply).expect("import");
    assert_eq!(ImportReport { mode: ImportMode::DryRun, ..applied }, dry, "the dry run said something else");
    let again = import(&db, &set, ImportMode::Apply).expect("re-run");
    assert!(!again.changes_anything(), "{again:?}");
    assert_eq!(again.users.present, set.users.len() as u64);
    assert_eq!(again.keys.present, set.keys.len() as u64);

    // A user Latchkey changed since (a login re-hashed the password) is kept, not overwritten.
    let alice = store.find_user_by_username("alice").expect("find").expect("alice");
    store.set_password_hash(alice.id, "bcrypt_sha256$changed").expect("set hash");
    let kept = import(&db, &set, ImportMode::Apply).expect("re-run");
    assert_eq!(kept.users_changed_since, 1);
    assert!(!kept.changes_anything());
    let hash = store.find_user_by_username("alice").expect("find").expect("alice").password_hash;
    assert_eq!(hash, "bcrypt_sha256$changed");

    // A reset key is not brought back by a re-run.
    use latchkey_domain::OpaqueKeyStore;
    assert!(store.delete_imported_key(alice.id).expect("delete"));
    let after_reset = import(&db, &set, ImportMode::Apply).expect("re-run");
    assert_eq!((after_reset.keys.imported, after_reset.keys.skipped), (0, 1));
    let digest = latchkey_opaque::key_digest(&django.manifest.user("alice").key);
    assert!(store.find_imported_key_by_digest(&digest).expect("lookup").is_none());

    // What Django revoked since is carried over: a deleted DRF key, a deactivation. A token
    // whose user Django deleted (simplejwt then sets its user to NULL) is still the same token.
    let mut revoked = set.clone();
    let admin = revoked.users.iter().position(|u| u.username == "admin").expect("admin");
    let admin_id = revoked.users[admin].id;
    revoked.users[admin].is_active = false;
    revoked.keys.retain(|k| k.user_id != admin_id);
    revoked.outstanding[0].user_id = None;
    // An expired token, blacklisted or not, is left out (it may have been flushed here).
    let expired = chrono::Utc::now().naive_utc() - chrono::Duration::hours(1);
    revoked.outstanding.push(ImportOutstanding {
        jti: "expired-jti".into(),
        user_id: Some(admin_id),
        created_at: None,
        expires_at: expired,
    });
    revoked.blacklisted.push(ImportBlacklisted { jti: "expired-jti".into(), blacklisted_at: expired });
    let carried = import(&db, &revoked, ImportMode::Apply).expect("re-run");
    assert_eq!((carried.users_deactivated, carried.keys_revoked), (1, 1), "{carried:?}");
    assert_eq!((carried.outstanding.skipped, carried.blacklisted.skipped), (1, 1), "{carried:?}");
    assert_eq!(carried.outstanding.imported + carried.blacklisted.imported, 0, "{carried:?}");
    let admin_user = store.find_user_by_username("admin").expect("find").expect("admin");
    assert!(!admin_user.is_active);
    let admin_digest = latchkey_opaque::key_digest(&django.manifest.user("admin").key);
    assert!(store.find_imported_key_by_digest(&admin_digest).expect("lookup").is_none());
    let settled = import(&db, &revoked, ImportMode::Apply).expect("re-run");
    assert!(!settled.changes_anything(), "{settled:?}");

    // An id that names another user here: the row is named, nothing is written.
    let mut other = set.clone();
    other.users[0].username = "someone-else".into();
    let before = db.dump();
    let err = import(&db, &other, ImportMode::Apply).expect_err("conflict");
    let message = err.to_string();
    assert!(message.starts_with("auth_user row id=1 (username \"someone-else\")"), "{message}");
    assert!(message.contains("Latchkey's user 1 is \"alice\""), "{message}");

    // A username that another id has; the new users before it in the batch are rolled back.
    let mut moved = set.clone();
    for user in &mut moved.users {
        user.id += 1000;
    }
    moved.users[1].username = "alice".into();
    let err = import(&db, &moved, ImportMode::Apply).expect_err("conflict");
    assert!(err.to_string().contains("Latchkey has this username as user 1"), "{err}");
    assert_eq!(store.count_users().expect("count"), set.users.len() as i64);
    drop(store);
    if db.backend() == latchkey_tests::Backend::Postgres {
        // On SQLite the file's free pages may differ after a rollback; on PostgreSQL the dump
        // is rows only, and they are the same.
        assert_eq!(db.dump(), before, "a failed import changed the database");
    }
}

on_both_databases!(every_django_credential_works_after_the_import, dry_runs_reruns_and_conflicts_change_nothing);
