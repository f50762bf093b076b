use crate::common::{database, unmigrated};
use latchkey_store::Backend;
use latchkey_store::migrations::migration_names;
use std::path::Path;

fn folder_names(backend: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations").join(backend);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry"))
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.'))
        .collect();
    names.sort();
    names
}

/// Each version must exist for both databases, or one of them would silently lack a table.
#[test]
fn both_backends_have_the_same_migrations() {
    let sqlite = folder_names("sqlite");
    let postgres = folder_names("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
    for name in &sqlite {
        for file in ["up.sql", "down.sql"] {
            for backend in ["sqlite", "postgres"] {
                let path =
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations").join(backend).join(name).join(file);
                assert!(path.is_file(), "{} is missing", path.display());
            }
        }
    }
    // And what is compiled in is what is on disk (build.rs makes a new folder rebuild).
    assert_eq!(migration_names(Backend::Sqlite), sqlite);
    assert_eq!(migration_names(Backend::Postgres), postgres);
}

fn migrations_run_once(backend: Backend) {
    let db = unmigrated(backend, 2);
    let all = migration_names(backend);
    assert_eq!(db.pending_migrations().expect("pending"), all);
    assert_eq!(db.run_migrations().expect("first run"), all);
    assert_eq!(db.pending_migrations().expect("pending"), Vec::<String>::new());
    assert_eq!(db.run_migrations().expect("second run"), Vec::<String>::new());
}

fn migrated_database_reports_nothing_pending(backend: Backend) {
    let db = database(backend, 1);
    assert!(db.pending_migrations().expect("pending").is_empty());
    assert!(db.run_migrations().expect("again").is_empty());
    assert_eq!(db.backend(), backend);
}

/// Refresh tokens issued before sessions existed become one session each, tagged with the
/// first half of their jti, so their tokens are ended by logout-all like any other.
fn outstanding_tokens_become_sessions(backend: Backend) {
    use diesel_migrations::MigrationHarness;
    use latchkey_domain::SessionStore;
    use latchkey_store::AnyConnection;
    use latchkey_store::migrations::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};

    let db = unmigrated(backend, 1);
    {
        let mut conn = db.conn().expect("conn");
        let conn: &mut AnyConnection = &mut conn;
        // Every migration before the one that adds sessions.
        let before =
            migration_names(backend).iter().position(|n| n.ends_with("_sessions")).expect("sessions migration");
        for _ in 0..before {
            match backend {
                Backend::Sqlite => conn.run_next_migration(SQLITE_MIGRATIONS).map(drop),
                Backend::Postgres => conn.run_next_migration(POSTGRES_MIGRATIONS).map(drop),
            }
            .expect("migration");
        }
        // The tables of that version, written by hand: the store writes the newer ones.
        for sql in [
            "INSERT INTO users (id, username, email, password, is_active, is_staff, is_superuser, date_joined) \
             VALUES (1, 'legacy', '', '!', TRUE, FALSE, FALSE, CURRENT_TIMESTAMP)",
            "INSERT INTO outstanding_tokens (user_id, jti, created_at, expires_at) \
             VALUES (1, '0123456789abcdef0123456789abcdef', CURRENT_TIMESTAMP, '2999-01-01 00:00:00')",
            "INSERT INTO outstanding_tokens (user_id, jti, created_at, expires_at) \
             VALUES (1, 'crafted-not-hex', CURRENT_TIMESTAMP, '2999-01-01 00:00:00')",
        ] {
            diesel::RunQueryDsl::execute(diesel::sql_query(sql), conn).expect("legacy rows");
        }
    }
    let alice = latchkey_domain::UserId(1);
    db.run_migrations().expect("the rest");
    let session = db.find_session("0123456789abcdef").expect("find").expect("a session");
    assert_eq!(session.user_id, alice);
    assert!(session.revoked_at.is_none());
    assert_eq!(db.live_sessions(alice, chrono::Utc::now().naive_utc()).expect("live").len(), 1);
}

on_both_backends!(migrations_run_once, migrated_database_reports_nothing_pending, outstanding_tokens_become_sessions);
