//! Reading a Django project's database for an import into Latchkey: `auth_user`, DRF's
//! `authtoken_token` and simplejwt's `token_blacklist_outstandingtoken` and
//! `token_blacklist_blacklistedtoken`, as Django's own migrations made them, on SQLite or
//! PostgreSQL. What is read becomes a [`latchkey_store::import::ImportSet`], which
//! [`Database::import`](latchkey_store::Database::import) writes.
//!
//! ```no_run
//! use latchkey_django::DjangoDatabase;
//! use latchkey_store::import::{ImportMode, NoProgress};
//! use latchkey_store::{Database, PoolOptions};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let django = DjangoDatabase::open("sqlite:///srv/django/db.sqlite3")?.read()?;
//! let latchkey = Database::connect("postgres://latchkey@db/latchkey", PoolOptions::default())?;
//! latchkey.run_migrations()?;
//! let report = latchkey.import(&django.set, ImportMode::Apply, &NoProgress)?;
//! println!("{} users imported", report.users.imported);
//! # Ok(()) }
//! ```
//!
//! The source is never written: SQLite files are opened read-only, and on PostgreSQL the rows
//! are read in one `REPEATABLE READ, READ ONLY` transaction, so tables read later agree with
//! tables read earlier even while Django keeps serving.
//!
//! DRF keys are turned into their digest ([`latchkey_opaque::key_digest`]) as they are read;
//! no key is kept, logged or shown. A custom `AUTH_USER_MODEL` (a table other than
//! `auth_user`) is not read.

mod rows;

use diesel::connection::SimpleConnection;
use diesel::r2d2::ManageConnection;
use diesel::result::Error as DieselError;
use latchkey_store::import::ImportSet;
use latchkey_store::{AnyConnection, ConnectError, ConnectionManager, redact_url};
use std::path::PathBuf;
use thiserror::Error;

pub use rows::{AUTH_TABLES, LEFT_BEHIND_TABLES};

/// Why a Django database could not be read.
#[derive(Debug, Error)]
pub enum DjangoError {
    #[error("{0}")]
    Url(#[from] ConnectError),
    #[error(
        "`{url}` is not a Django database URL: give postgres://…, sqlite:///abs/path.sqlite3, sqlite://relative/path or a path"
    )]
    NotAPath { url: String },
    #[error("no Django database at {path}: the file does not exist")]
    NoSuchFile { path: PathBuf },
    #[error("cannot open the Django database {url}")]
    Open {
        url: String,
        #[source]
        source: diesel::r2d2::Error,
    },
    #[error(
        "{url} has no auth_user table: is it a Django database, migrated? (a custom AUTH_USER_MODEL is not supported)"
    )]
    NotDjango { url: String },
    #[error("reading {table} from {url} failed")]
    Read {
        table: &'static str,
        url: String,
        #[source]
        source: DieselError,
    },
}

/// A table of Django's and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableState {
    pub name: &'static str,
    /// `None`: the table does not exist (its app is not installed).
    pub rows: Option<u64>,
}

/// What [`DjangoDatabase::read`] found.
#[derive(Debug, Clone)]
pub struct DjangoData {
    /// The rows to import.
    pub set: ImportSet,
    /// The four tables read, with their row counts.
    pub read: Vec<TableState>,
    /// Tables of Django's auth that are not imported (groups, permissions, sessions), with
    /// their row counts, so a summary can say what stays behind.
    pub left_behind: Vec<TableState>,
}

/// An open connection to a Django project's database.
pub struct DjangoDatabase {
    conn: AnyConnection,
    redacted_url: String,
}

impl std::fmt::Debug for DjangoDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DjangoDatabase").field("url", &self.redacted_url).finish_non_exhaustive()
    }
}

impl DjangoDatabase {
    /// Opens `url`: `sqlite:///abs/path.sqlite3`, `sqlite://relative/path` (or a plain path),
    /// or `postgres://…`. An SQLite file must exist and is opened read-only.
    pub fn open(url: &str) -> Result<DjangoDatabase, DjangoError> {
        let redacted_url = redact_url(url);
        let manager = ConnectionManager::new(&read_only_url(url)?)?;
        let conn = manager.connect().map_err(|source| DjangoError::Open { url: redacted_url.clone(), source })?;
        Ok(DjangoDatabase { conn, redacted_url })
    }

    /// Reads every row to import, in one read transaction.
    pub fn read(mut self) -> Result<DjangoData, DjangoError> {
        let url = self.redacted_url.clone();
        let failed = |table| move |source| DjangoError::Read { table, url: url.clone(), source };
        let conn = &mut self.conn;
        if let AnyConnection::Postgresql(_) = conn {
            conn.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").map_err(failed("(begin)"))?;
        } else {
            conn.batch_execute("BEGIN").map_err(failed("(begin)"))?;
        }
        let data = rows::read_all(conn, &self.redacted_url);
        // Only reads happened; ending the transaction either way changes nothing.
        let _ = conn.batch_execute("ROLLBACK");
        data
    }
}

/// The URL to open: PostgreSQL's as given; for SQLite, a `file:` URI of the path in read-only
/// mode, after checking the file exists (SQLite would otherwise create an empty database and
/// report "no auth_user table"). The characters a URI gives a meaning to (`%`, `?`, `#`) are
/// escaped, so any path opens that very file, read-only.
fn read_only_url(url: &str) -> Result<String, DjangoError> {
    let trimmed = url.trim();
    let lower = trimmed.to_ascii_lowercase();
    if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        return Ok(trimmed.to_owned());
    }
    let path = ["sqlite://", "sqlite:"]
        .iter()
        .find_map(|scheme| lower.starts_with(scheme).then(|| &trimmed[scheme.len()..]))
        .unwrap_or(trimmed);
    if path.contains("://") || lower.starts_with("file:") || path.is_empty() {
        return Err(DjangoError::NotAPath { url: redact_url(url) });
    }
    let file = PathBuf::from(path);
    if !file.is_file() {
        return Err(DjangoError::NoSuchFile { path: file });
    }
    let mut escaped = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '%' => escaped.push_str("%25"),
            '?' => escaped.push_str("%3F"),
            '#' => escaped.push_str("%23"),
            c => escaped.push(c),
        }
    }
    Ok(format!("file:{escaped}?mode=ro"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_become_read_only_and_must_exist() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("db.sqlite3");
        std::fs::write(&file, b"").expect("file");
        let shown = file.display().to_string();
        assert_eq!(read_only_url(&format!("sqlite://{shown}")).expect("url"), format!("file:{shown}?mode=ro"));
        assert_eq!(read_only_url(&shown).expect("url"), format!("file:{shown}?mode=ro"));
        let missing = dir.path().join("nope.sqlite3").display().to_string();
        let err = read_only_url(&format!("sqlite://{missing}")).expect_err("missing");
        assert!(err.to_string().contains("does not exist"), "{err}");
        assert!(!dir.path().join("nope.sqlite3").exists());
        assert_eq!(read_only_url("postgres://u:p@h/db").expect("url"), "postgres://u:p@h/db");
        for not_a_path in ["mysql://h/db", "file:db.sqlite3?mode=rw", "sqlite://"] {
            assert!(matches!(read_only_url(not_a_path), Err(DjangoError::NotAPath { .. })), "{not_a_path}");
        }
    }

    /// A path with the characters a URI gives a meaning to opens that very file, and read-only.
    #[test]
    fn odd_paths_open_the_file_they_name_read_only() {
        use diesel::{Connection, SqliteConnection};
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("odd %41 #1 ?x.sqlite3");
        let mut conn = SqliteConnection::establish(&file.display().to_string()).expect("create");
        conn.batch_execute("CREATE TABLE auth_user (id integer)").expect("table");
        drop(conn);
        let mut django = DjangoDatabase::open(&format!("sqlite://{}", file.display())).expect("open");
        assert!(django.conn.batch_execute("CREATE TABLE written (id integer)").is_err(), "opened writable");
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1, "another file was created");
    }

    #[test]
    fn a_database_without_auth_user_is_not_django() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("empty.sqlite3");
        std::fs::write(&file, b"").expect("file");
        let err = DjangoDatabase::open(&file.display().to_string()).expect("open").read().expect_err("not django");
        assert!(matches!(err, DjangoError::NotDjango { .. }), "{err:?}");
    }

    /// Only `auth_user`, as Django's migration writes it on SQLite: the other apps read as not
    /// installed, and the rows come through with Django's text times.
    #[test]
    fn apps_that_are_not_installed_read_as_such() {
        use diesel::{Connection, SqliteConnection};
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("auth-only.sqlite3");
        let mut conn = SqliteConnection::establish(&file.display().to_string()).expect("create");
        conn.batch_execute(
            r#"CREATE TABLE "auth_user" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "password" varchar(128) NOT NULL, "last_login" datetime NULL, "is_superuser" bool NOT NULL, "username" varchar(150) NOT NULL UNIQUE, "last_name" varchar(150) NOT NULL, "email" varchar(254) NOT NULL, "is_staff" bool NOT NULL, "is_active" bool NOT NULL, "date_joined" datetime NOT NULL, "first_name" varchar(150) NOT NULL);
            INSERT INTO auth_user VALUES (7, '!x', NULL, 0, 'dora', '', 'd@example.com', 0, 1, '2026-12-01 10:11:12.123456', 'Dora');"#,
        )
        .expect("schema");
        drop(conn);
        let data = DjangoDatabase::open(&format!("sqlite://{}", file.display())).expect("open").read().expect("read");
        let user = &data.set.users[0];
        assert_eq!((user.id, user.username.as_str(), user.first_name.as_str()), (7, "dora", "Dora"));
        assert_eq!(user.date_joined.to_string(), "2026-12-01 10:11:12.123456");
        assert!(user.is_active && !user.is_staff && user.last_login.is_none());
        let installed: Vec<(&str, Option<u64>)> = data.read.iter().map(|t| (t.name, t.rows)).collect();
        assert_eq!(
            installed,
            [
                ("auth_user", Some(1)),
                ("authtoken_token", None),
                ("token_blacklist_outstandingtoken", None),
                ("token_blacklist_blacklistedtoken", None)
            ]
        );
        assert!(data.set.keys.is_empty() && data.set.outstanding.is_empty());
        assert!(data.left_behind.iter().all(|t| t.rows.is_none()));
    }

    #[test]
    fn passwords_in_urls_are_not_shown() {
        let err = DjangoDatabase::open("postgres://django:hunter2@127.0.0.1:1/db").expect_err("refused");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
