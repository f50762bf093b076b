//! Scratch databases for Latchkey's tests, made one way for every crate: a fresh database per
//! test, removed when the [`TestDatabase`] is dropped, on SQLite or PostgreSQL.
//!
//! - [`TestDatabase::new`] (or [`TestDatabase::sqlite`], [`TestDatabase::postgres`]): migrated
//!   with [`Database::run_migrations`], the server's own path. On PostgreSQL it is a copy
//!   (`CREATE DATABASE … TEMPLATE`) of a template database migrated once per server and set of
//!   migrations, which spares each database the migrations (measured on a 2-CPU machine: 20 ms
//!   of 80 on a private cluster, 70 of 280 on Debian's, which syncs to disk).
//! - [`TestDatabase::empty`]: nothing in it, for tests of the migrations themselves.
//!
//! SQLite databases are a file in a temporary directory of their own. PostgreSQL databases
//! get a unique name on the test server, and are dropped `WITH (FORCE)`, so connections a test
//! left open do not keep them. The server is found or started once per process (see
//! [`TestDatabase::postgres`]); where there is none, the PostgreSQL tests fail saying how to get
//! one: they never pass by skipping.
//!
//! Everything here panics, with a message saying what failed, instead of returning errors: it is
//! for tests.

mod server;
mod template;

pub use latchkey_store::Backend;

use diesel::sql_types::Text;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};
use latchkey_store::{Database, PoolOptions};
use server::PgServer;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A fresh database for one test, removed when dropped.
pub struct TestDatabase {
    url: String,
    place: Place,
}

enum Place {
    /// The directory is removed with the database when dropped.
    Sqlite {
        _dir: tempfile::TempDir,
        file: PathBuf,
    },
    Postgres {
        server: &'static PgServer,
        name: String,
    },
}

impl TestDatabase {
    /// A migrated database on `backend`.
    pub fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let db = Self::empty(Backend::Sqlite);
                db.connect(PoolOptions::new(1, Duration::from_secs(30)))
                    .run_migrations()
                    .unwrap_or_else(|e| panic!("cannot migrate the test database {}: {e}", db.url));
                db
            }
            Backend::Postgres => {
                let server = PgServer::get();
                let template = template::get(server).unwrap_or_else(|e| panic!("{e}"));
                Self::create_postgres(server, &format!("TEMPLATE {template}"))
            }
        }
    }

    /// A database on `backend` without any table, not even Diesel's record of migrations.
    pub fn empty(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::Builder::new()
                    .prefix("latchkey-test-")
                    .tempdir()
                    .unwrap_or_else(|e| panic!("cannot create a temporary directory for a test database: {e}"));
                let file = dir.path().join("latchkey.sqlite3");
                Self { url: format!("sqlite://{}", file.display()), place: Place::Sqlite { _dir: dir, file } }
            }
            Backend::Postgres => Self::create_postgres(PgServer::get(), ""),
        }
    }

    /// A migrated SQLite file.
    pub fn sqlite() -> Self {
        Self::new(Backend::Sqlite)
    }

    /// A migrated database on the test PostgreSQL server, which is found or started once per
    /// process:
    ///
    /// 1. `LATCHKEY_TEST_PG_URL` when set (a server URL on which the tests may create and drop
    ///    databases; a database name in it is ignored, a query string such as `?sslmode=…` is
    ///    kept);
    /// 2. as root with Debian's cluster tools (`pg_lsclusters`): the first cluster, started if
    ///    down, with the `postgres` role's password set to `postgres`;
    /// 3. else a private cluster made with `initdb` in a temporary directory (as the `postgres`
    ///    user when running as root), on a free port, stopped and removed after the tests;
    /// 4. else a panic saying how to install PostgreSQL.
    pub fn postgres() -> Self {
        Self::new(Backend::Postgres)
    }

    fn create_postgres(server: &'static PgServer, options: &str) -> Self {
        let name = unique_name();
        template::with_retry(|| server.execute(&format!("CREATE DATABASE {name} {options}")))
            .unwrap_or_else(|e| panic!("cannot create test database {name} on {}: {e}", server.redacted()));
        Self { url: server.url_of(&name), place: Place::Postgres { server, name } }
    }

    pub fn backend(&self) -> Backend {
        match self.place {
            Place::Sqlite { .. } => Backend::Sqlite,
            Place::Postgres { .. } => Backend::Postgres,
        }
    }

    /// The URL to open it with (`DATABASE_URL`), password included.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The SQLite file (`None` on PostgreSQL).
    pub fn sqlite_file(&self) -> Option<&Path> {
        match &self.place {
            Place::Sqlite { file, .. } => Some(file),
            Place::Postgres { .. } => None,
        }
    }

    /// A pool on this database. Drop it before the `TestDatabase` on SQLite, whose directory
    /// goes with the latter (PostgreSQL forces its sessions out).
    pub fn connect(&self, options: PoolOptions) -> Database {
        Database::connect(&self.url, options).unwrap_or_else(|e| panic!("cannot open the test database: {e}"))
    }

    /// Everything the database holds, as bytes to search: on SQLite the database file and its
    /// WAL as they are on disk (every row, and free pages too); on PostgreSQL every row of every
    /// table of the public schema, as JSON text (`bytea` shows as hex).
    pub fn dump(&self) -> Vec<u8> {
        match &self.place {
            Place::Sqlite { file, .. } => {
                let mut bytes = Vec::new();
                for suffix in ["", "-wal", "-journal"] {
                    let mut path = file.clone().into_os_string();
                    path.push(suffix);
                    if let Ok(content) = std::fs::read(&path) {
                        bytes.extend_from_slice(&content);
                    }
                }
                assert!(!bytes.is_empty(), "the SQLite database {} is missing", file.display());
                bytes
            }
            Place::Postgres { name, .. } => {
                let mut conn = PgConnection::establish(&self.url)
                    .unwrap_or_else(|e| panic!("cannot connect to test database {name}: {e}"));
                let mut lines = |sql: &str| -> Vec<String> {
                    diesel::sql_query(sql)
                        .load::<Line>(&mut conn)
                        .unwrap_or_else(|e| panic!("{sql} on test database {name}: {e}"))
                        .into_iter()
                        .map(|l| l.line)
                        .collect()
                };
                let mut bytes = Vec::new();
                for table in
                    lines("SELECT tablename::text AS line FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
                {
                    bytes.extend_from_slice(format!("-- {table}\n").as_bytes());
                    for row in lines(&format!(r#"SELECT row_to_json(t)::text AS line FROM "{table}" t"#)) {
                        bytes.extend_from_slice(row.as_bytes());
                        bytes.push(b'\n');
                    }
                }
                bytes
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Place::Postgres { server, name } = &self.place {
            // FORCE: a server under test may still hold connections while it shuts down.
            if let Err(err) = server.execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")) {
                eprintln!("latchkey-test-db: could not drop test database {name}: {err}");
            }
        }
    }
}

impl std::fmt::Debug for TestDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDatabase").field("url", &latchkey_store::redact_url(&self.url)).finish()
    }
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// A database name no other test (in this process or another) uses.
fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("latchkey_test_{}_{}_{nanos:09}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        assert_ne!(unique_name(), unique_name());
    }

    #[test]
    fn template_names_fit_postgres_identifiers() {
        let name = template::name();
        assert!(name.len() + "_building".len() <= 63, "{name}");
        assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'), "{name}");
    }

    fn exists_on_server(name: &str) -> bool {
        let mut conn = PgServer::get().connect_admin().expect("an admin connection");
        template::exists(&mut conn, name).expect("pg_database")
    }

    fn migrated(db: &TestDatabase) -> bool {
        db.connect(PoolOptions::new(1, Duration::from_secs(10))).pending_migrations().expect("pending").is_empty()
    }

    #[test]
    fn databases_are_fresh_migrated_and_dropped() {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let (first, second) = (TestDatabase::new(backend), TestDatabase::new(backend));
            assert_eq!(first.backend(), backend);
            assert_ne!(first.url(), second.url());
            assert!(migrated(&first) && migrated(&second), "{backend}");
            let empty = TestDatabase::empty(backend);
            assert!(!migrated(&empty), "{backend}: an empty database has pending migrations");

            // Gone once dropped, even with a session still open.
            let pool = second.connect(PoolOptions::new(1, Duration::from_secs(10)));
            match second.sqlite_file() {
                Some(file) => {
                    let file = file.to_owned();
                    drop(second);
                    assert!(!file.exists(), "{}", file.display());
                }
                None => {
                    let Place::Postgres { name, .. } = &second.place else { unreachable!() };
                    let name = name.clone();
                    assert!(exists_on_server(&name));
                    drop(second);
                    assert!(!exists_on_server(&name), "{name}");
                }
            }
            drop(pool);
        }
    }

    #[test]
    fn the_template_is_complete() {
        let server = PgServer::get();
        let name = template::get(server).expect("template");
        assert!(exists_on_server(name));
        assert!(!exists_on_server(&format!("{name}_building")));
    }
}
