use crate::common::database;
use crate::suite;
use latchkey_store::Backend;

fn opaque_key_store(backend: Backend) {
    suite::keys(&database(backend, 2), "");
}

on_both_backends!(opaque_key_store);

mod imported {
    use crate::common::database;
    use chrono::{NaiveDateTime, Utc};
    use latchkey_domain::{NewUser, OpaqueKeyStore, UserId, UserStore};
    use latchkey_store::Backend;
    use latchkey_store::import::{ImportKey, ImportMode, ImportSet, ImportUser, NoProgress};

    fn now() -> NaiveDateTime {
        Utc::now().naive_utc()
    }

    fn user(id: i64, username: &str) -> ImportUser {
        ImportUser {
            id,
            username: username.into(),
            email: String::new(),
            password: "!unusable".into(),
            is_active: true,
            is_staff: false,
            is_superuser: false,
            date_joined: now(),
            last_login: None,
            first_name: "First".into(),
            last_name: "Last".into(),
        }
    }

    /// Imported keys are found by digest with their user, deleted one user at a time, and the
    /// ids an import brings are never handed out again.
    fn imported_keys_and_ids(backend: Backend) {
        let db = database(backend, 2);
        let set = ImportSet {
            users: vec![user(40, "imported40"), user(50, "imported50")],
            keys: vec![
                ImportKey { user_id: 40, digest: "d40".into(), created: now() },
                ImportKey { user_id: 50, digest: "d50".into(), created: now() },
            ],
            ..ImportSet::default()
        };
        let report = db.import(&set, ImportMode::Apply, &NoProgress).expect("import");
        assert_eq!((report.users.imported, report.keys.imported), (2, 2));

        let (record, holder) = db.find_imported_key_by_digest("d40").expect("find").expect("key");
        assert_eq!((record.user_id, holder.username.as_str()), (UserId(40), "imported40"));
        assert_eq!(db.find_imported_key_by_digest("d41").expect("find"), None);
        assert!(db.delete_imported_key(UserId(40)).expect("delete"));
        assert!(!db.delete_imported_key(UserId(40)).expect("delete again"));
        assert_eq!(db.find_imported_key_by_digest("d40").expect("find"), None);
        assert!(db.find_imported_key_by_digest("d50").expect("find").is_some());

        // PostgreSQL's identity sequence was moved; SQLite's AUTOINCREMENT moves itself.
        let next = db.create_user(NewUser::new("after", "", "!x")).expect("create");
        assert_eq!(next.id, UserId(51));
        assert_eq!(db.imported_key_records().expect("records").len(), 1);
    }

    on_both_backends!(imported_keys_and_ids);
}

mod sessions {
    use crate::common::{create_user, database};
    use chrono::Utc;
    use latchkey_domain::{CutoffReason, Session, SessionStore, StoreError, UserStore, VerifiedLogin};
    use latchkey_store::Backend;

    fn session(tag: &str, user_id: latchkey_domain::UserId) -> Session {
        let now = Utc::now().naive_utc();
        Session {
            tag: tag.into(),
            user_id,
            created_at: now,
            last_used_at: now,
            expires_at: now + chrono::Duration::days(1),
            user_agent: None,
            ip: None,
            revoked_at: None,
        }
    }

    /// A session starts only while the user has the hash the login verified, and is timed
    /// after any cutoff that took the row first; a password change cuts off and re-hashes in
    /// one transaction.
    fn sessions_follow_the_password_and_the_cutoff(backend: Backend) {
        let db = database(backend, 2);
        let user = create_user(&db, "sessions");
        let verified = VerifiedLogin { password_hash: &user.password_hash };
        let started = db.start_session(&session("aaaaaaaaaaaaaaaa", user.id), Some(verified)).expect("start");
        let stale = VerifiedLogin { password_hash: "bcrypt_sha256$old" };
        let refused = db.start_session(&session("bbbbbbbbbbbbbbbb", user.id), Some(stale));
        assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
        assert!(db.find_session("bbbbbbbbbbbbbbbb").expect("find").is_none());

        let cutoff = db.change_password(user.id, "bcrypt_sha256$new").expect("change");
        assert_eq!(cutoff.reason, CutoffReason::PasswordChanged);
        assert!(cutoff.at >= started.created_at);
        let after = db.find_user_by_id(user.id).expect("find").expect("user");
        assert_eq!(after.password_hash, "bcrypt_sha256$new");
        assert_eq!(after.tokens_cutoff, Some(cutoff));
        assert!(db.find_session("aaaaaaaaaaaaaaaa").expect("find").expect("session").revoked_at.is_some());
        // The login that verified the old hash cannot start a session any more.
        let late = db.start_session(&session("cccccccccccccccc", user.id), Some(verified));
        assert!(matches!(late, Err(StoreError::Conflict(_))), "{late:?}");
        let fresh = VerifiedLogin { password_hash: "bcrypt_sha256$new" };
        let next = db.start_session(&session("dddddddddddddddd", user.id), Some(fresh)).expect("start");
        assert!(next.created_at > cutoff.at);
        assert!(!cutoff.ends(next.created_at.and_utc().timestamp(), Some(next.created_at)));
        let missing = db.cut_off(latchkey_domain::UserId(i64::MAX), CutoffReason::LogoutAll);
        assert!(matches!(missing, Err(StoreError::NotFound)));
    }

    on_both_backends!(sessions_follow_the_password_and_the_cutoff);
}
