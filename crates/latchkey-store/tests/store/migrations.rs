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

on_both_backends!(migrations_run_once, migrated_database_reports_nothing_pending);
