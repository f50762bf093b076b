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
