use crate::common::sqlite;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use latchkey_store::{AnyConnection, Backend, ConnectError, Database, PoolOptions};
use latchkey_test_db::TestDatabase;
use std::time::{Duration, Instant};

#[test]
fn unreachable_postgres_fails_at_once_without_the_password() {
    let started = Instant::now();
    let options = PoolOptions { max_size: 2, connection_timeout: Duration::from_secs(10), ..PoolOptions::default() };
    let err = Database::connect("postgres://u:secret@127.0.0.1:1/x", options).expect_err("port 1 is closed");
    // The driver's reason is the error's source: the chain is what a log line shows.
    let message = latchkey_domain::error_chain(&err);
    assert!(matches!(err, ConnectError::Connect { .. }), "{err:?}");
    assert!(message.contains("postgres://u:***@127.0.0.1:1/x"), "{message}");
    assert!(!message.contains("secret"), "{message}");
    assert!(!format!("{err:?}").contains("secret"), "{err:?}");
    assert!(message.contains("Connection refused"), "{message}");
    assert!(!message.contains('\n'), "{message}");
    // The probe connection reports at once; r2d2 alone would wait out connection_timeout.
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[test]
fn unknown_schemes_are_refused() {
    let err = Database::connect("mysql://root:pw@localhost/db", PoolOptions::default()).expect_err("unsupported");
    assert!(matches!(err, ConnectError::UnsupportedUrl { .. }), "{err:?}");
    assert!(err.to_string().contains("mysql://root:***@localhost/db"), "{err}");
}

#[test]
fn an_unopenable_sqlite_file_fails_at_start() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("no/such/dir/x.sqlite3").display());
    let err = Database::connect(&url, PoolOptions::default()).expect_err("missing directory");
    assert!(matches!(err, ConnectError::Connect { .. }), "{err:?}");
    let message = latchkey_domain::error_chain(&err);
    assert!(message.contains("unable to open database file"), "{message}");
}

#[test]
fn a_pool_without_connections_is_refused() {
    let test_db = TestDatabase::empty(Backend::Sqlite);
    let err = Database::connect(test_db.url(), PoolOptions { max_size: 0, ..PoolOptions::default() })
        .expect_err("empty pool");
    assert!(matches!(err, ConnectError::InvalidOptions { .. }), "{err:?}");
}

#[test]
fn sqlite_url_forms_open_the_same_file() {
    let test_db = TestDatabase::empty(Backend::Sqlite);
    let path = test_db.sqlite_file().expect("a SQLite file");
    let first = Database::connect(&format!("sqlite://{}", path.display()), PoolOptions::new(1, Duration::from_secs(5)))
        .expect("sqlite://");
    first.run_migrations().expect("migrate");
    for url in [format!("sqlite:{}", path.display()), path.display().to_string()] {
        let db = Database::connect(&url, PoolOptions::new(1, Duration::from_secs(5))).expect("open");
        assert!(db.pending_migrations().expect("pending").is_empty(), "{url}");
        assert_eq!(db.redacted_url(), url);
    }
}

#[derive(QueryableByName)]
struct Int {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

#[derive(QueryableByName)]
struct Str {
    #[diesel(sql_type = Text)]
    value: String,
}

/// Every pooled connection, not only the first, carries the settings.
#[test]
fn every_sqlite_connection_has_the_pragmas() {
    let db = sqlite(3);
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(db.conn().expect("conn"));
    }
    for conn in &mut held {
        let AnyConnection::Sqlite(c) = &mut **conn else { panic!("expected SQLite") };
        let int = |c: &mut SqliteConnection, column: &str, pragma: &str| {
            diesel::sql_query(format!("SELECT {column} AS value FROM pragma_{pragma}"))
                .get_result::<Int>(c)
                .expect(pragma)
                .value
        };
        assert_eq!(int(c, "foreign_keys", "foreign_keys"), 1);
        assert_eq!(int(c, "timeout", "busy_timeout"), 5000);
        assert_eq!(int(c, "synchronous", "synchronous"), 1, "NORMAL");
        let mode = diesel::sql_query("SELECT journal_mode AS value FROM pragma_journal_mode")
            .get_result::<Str>(c)
            .expect("journal_mode")
            .value;
        assert_eq!(mode, "wal");
    }
}

#[test]
fn match_backend_reaches_the_concrete_connection() {
    let db = sqlite(1);
    let mut conn = db.conn().expect("conn");
    assert_eq!(conn.backend(), Backend::Sqlite);
    // The body compiles once per backend; the SQL is plain enough for both.
    let answer = latchkey_store::match_backend!(&mut *conn, |c| {
        diesel::sql_query("SELECT CAST(42 AS BIGINT) AS value").get_result::<Int>(c)
    })
    .expect("query");
    assert_eq!(answer.value, 42);
}

/// A new SQLite database holds password hashes and key salts: readable by its owner only.
#[cfg(unix)]
#[test]
fn new_sqlite_databases_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDatabase::empty(Backend::Sqlite);
    let pool = db.connect(PoolOptions::new(1, Duration::from_secs(5)));
    pool.run_migrations().expect("migrate");
    let file = db.sqlite_file().expect("a file");
    let mode = std::fs::metadata(file).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{}", file.display());
    for suffix in ["-wal", "-shm"] {
        let side = file.with_file_name(format!("{}{suffix}", file.file_name().expect("name").to_string_lossy()));
        if let Ok(meta) = std::fs::metadata(&side) {
            assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{}", side.display());
        }
    }
}
