//! One connection type for both databases, the r2d2 manager that opens it from a URL, SQLite's
//! per-connection settings, and the helpers for code that must know which database it talks to.

use crate::error::ConnectError;
use diesel::connection::{AnsiTransactionManager, Connection, SimpleConnection, TransactionManager};
use diesel::r2d2::R2D2Connection;
use diesel::result::Error as DieselError;
use diesel::{PgConnection, SqliteConnection};
use std::fmt;
use std::time::Duration;

/// A connection to either database. Queries written against it compile once, for Diesel's
/// generated `MultiBackend`, and run on both; that backend only knows the shared types and has
/// no upserts. For anything else, reach the concrete connection with [`crate::match_backend!`]
/// or a plain `match` on the variants.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

impl fmt::Debug for AnyConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AnyConnection::Postgresql(_) => "AnyConnection::Postgresql",
            AnyConnection::Sqlite(_) => "AnyConnection::Sqlite",
        })
    }
}

impl AnyConnection {
    pub fn backend(&self) -> Backend {
        match self {
            AnyConnection::Postgresql(_) => Backend::Postgres,
            AnyConnection::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Runs an expression on the concrete connection inside an [`AnyConnection`].
///
/// `match_backend!(conn, |c| body)` expands `body` twice, once with `c: &mut PgConnection` and
/// once with `c: &mut SqliteConnection`, and runs the arm for `conn`'s variant. `conn` is a
/// `&mut AnyConnection` (write `&mut *pooled` for a pooled connection). The body therefore
/// type-checks against each backend on its own and may use what the shared `MultiBackend`
/// cannot, such as `on_conflict(..).do_update()`, which both PostgreSQL and SQLite support:
///
/// ```
/// use diesel::prelude::*;
/// use latchkey_store::{Database, map_diesel_error, schema::users};
///
/// fn count_users(db: &Database) -> Result<i64, latchkey_domain::StoreError> {
///     let mut conn = db.conn()?;
///     latchkey_store::match_backend!(&mut *conn, |c| users::table.count().get_result::<i64>(c))
///         .map_err(map_diesel_error)
/// }
/// ```
///
/// When the two backends need different code, match on the variants instead:
/// `match &mut *conn { AnyConnection::Postgresql(pg) => …, AnyConnection::Sqlite(lite) => … }`.
#[macro_export]
macro_rules! match_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::AnyConnection::Postgresql($c) => $body,
            $crate::AnyConnection::Sqlite($c) => $body,
        }
    };
}

/// Runs `body` in a transaction meant to write.
///
/// On SQLite it starts with `BEGIN IMMEDIATE`, taking the write lock up front: a plain (deferred)
/// transaction that reads and then writes must upgrade its lock, and when another writer holds
/// it SQLite fails at once with `SQLITE_BUSY` instead of waiting out `busy_timeout`. With it,
/// concurrent writers queue. On PostgreSQL it is a plain `BEGIN`.
///
/// The body sees the whole `AnyConnection`, so it is written once for both backends. An `Err`
/// from it rolls everything back; so does a panic, since the pool discards a connection left in
/// a transaction.
pub fn write_transaction<T, E, F>(conn: &mut AnyConnection, body: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<DieselError>,
{
    match conn {
        AnyConnection::Postgresql(_) => conn.transaction(body),
        AnyConnection::Sqlite(sqlite) => {
            // What `SqliteConnection::immediate_transaction` does, except that the body gets the
            // `AnyConnection`: the begin goes to the SQLite transaction manager, which the
            // `AnyConnection` one delegates to for the commit or rollback.
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
            match body(conn) {
                Ok(value) => {
                    <AnyConnection as TransactionManager<AnyConnection>>::commit_transaction(conn)?;
                    Ok(value)
                }
                Err(err) => {
                    match <AnyConnection as TransactionManager<AnyConnection>>::rollback_transaction(conn) {
                        // A broken manager after a failed body says less than the body's own error.
                        Ok(()) | Err(DieselError::BrokenTransactionManager) => Err(err),
                        Err(rollback) => Err(rollback.into()),
                    }
                }
            }
        }
    }
}

/// Which database a URL or connection is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

/// Where a URL points, in the form the driver opens.
#[derive(Clone, PartialEq, Eq)]
enum Target {
    /// The URL as given: libpq parses it.
    Postgres(String),
    /// A file path, or a `file:` URI when the URL carried parameters.
    Sqlite(String),
}

impl Target {
    /// Reads the scheme: `postgres://` and `postgresql://` are PostgreSQL; `sqlite://PATH`,
    /// `sqlite:PATH`, a `file:` URI and a plain path are SQLite; any other `scheme://` is an
    /// error rather than a file named after it.
    fn parse(url: &str) -> Option<Target> {
        let url = url.trim();
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return Some(Target::Postgres(url.to_owned()));
        }
        let path = if lower.starts_with("sqlite://") {
            &url["sqlite://".len()..]
        } else if lower.starts_with("sqlite:") {
            &url["sqlite:".len()..]
        } else if lower.starts_with("file:") {
            // Already an SQLite URI: Diesel opens with SQLITE_OPEN_URI.
            return Some(Target::Sqlite(url.to_owned()));
        } else if url.contains("://") {
            return None;
        } else {
            url
        };
        if path.is_empty() {
            // SQLite would open a private temporary database: never what a deployment meant.
            return None;
        }
        // Parameters (`?mode=ro`) only mean something in URI form; a bare path is taken as a
        // file name, so `%` and `#` in it stay literal.
        Some(Target::Sqlite(if path.contains('?') { format!("file:{path}") } else { path.to_owned() }))
    }

    fn backend(&self) -> Backend {
        match self {
            Target::Postgres(_) => Backend::Postgres,
            Target::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Creates a new SQLite database file readable by its owner only (it holds password hashes
/// and key salts; SQLite would create it by the umask, usually world-readable). SQLite gives its
/// WAL and shared-memory files the database file's permissions. Paths that exist, URIs and
/// in-memory databases are left alone; a failure here is left for SQLite to report.
fn create_private(path: &str) {
    if path.starts_with("file:") || path == ":memory:" || std::path::Path::new(path).exists() {
        return;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let _ = options.open(path);
}

/// Opens [`AnyConnection`]s for r2d2, choosing the driver by the URL's scheme.
///
/// Diesel's derived `AnyConnection::establish` tries each backend in turn and reports only
/// "Invalid connection url for multiconnection", hiding PostgreSQL's real reason (and SQLite
/// accepts nearly any string as a path). Dispatching on the scheme keeps the driver's message.
pub struct ConnectionManager {
    target: Target,
}

impl fmt::Debug for ConnectionManager {
    // The PostgreSQL URL may hold a password: show only the backend.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionManager").field("backend", &self.backend()).finish_non_exhaustive()
    }
}

impl ConnectionManager {
    pub fn new(url: &str) -> Result<Self, ConnectError> {
        match Target::parse(url) {
            Some(target) => Ok(Self { target }),
            None => Err(ConnectError::UnsupportedUrl { url: crate::error::redact_url(url) }),
        }
    }

    pub fn backend(&self) -> Backend {
        self.target.backend()
    }

    /// Whether the SQLite target is a private in-memory database (one per connection).
    pub(crate) fn is_sqlite_memory(&self) -> bool {
        matches!(&self.target, Target::Sqlite(path) if path == ":memory:" || path.contains("mode=memory"))
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = AnyConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, Self::Error> {
        let connection = match &self.target {
            Target::Postgres(url) => PgConnection::establish(url).map(AnyConnection::Postgresql),
            Target::Sqlite(path) => {
                create_private(path);
                SqliteConnection::establish(path).map(AnyConnection::Sqlite)
            }
        };
        connection.map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    /// A connection whose transaction manager is broken goes. On PostgreSQL that includes a
    /// connection the server dropped: libpq then reports an unknown transaction status, which
    /// Diesel records as broken after the first failed query. So with `test_on_check_out` off,
    /// a dead connection costs one failed request instead of a ping on every checkout.
    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// SQLite's per-connection settings, applied to every connection the pool opens (they are not
/// stored in the database file, except `journal_mode`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SqlitePragmas {
    pub(crate) busy_timeout: Duration,
}

impl SqlitePragmas {
    fn apply(&self, conn: &mut SqliteConnection) -> diesel::QueryResult<()> {
        let busy_ms = self.busy_timeout.as_millis().min(i32::MAX as u128);
        // busy_timeout comes first so that switching to WAL, which needs a lock, waits for it.
        // foreign_keys is off by default in SQLite: without it no REFERENCES and no ON DELETE
        // CASCADE would be enforced. WAL lets readers run beside the one writer; NORMAL is the
        // durable-enough setting for WAL (a power cut may lose the last commits, never corrupt).
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {busy_ms}; PRAGMA journal_mode = WAL; \
             PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
        ))
    }
}

impl r2d2::CustomizeConnection<AnyConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut AnyConnection) -> Result<(), diesel::r2d2::Error> {
        match conn {
            AnyConnection::Sqlite(sqlite) => self.apply(sqlite).map_err(diesel::r2d2::Error::QueryError),
            AnyConnection::Postgresql(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Option<Target> {
        Target::parse(url)
    }

    #[test]
    fn postgres_urls_pass_through() {
        for url in ["postgres://u:p@h/db", "postgresql://h/db", "POSTGRES://h/db"] {
            assert!(matches!(parse(url), Some(Target::Postgres(u)) if u == url), "{url}");
        }
    }

    #[test]
    fn sqlite_urls_become_paths() {
        let cases = [
            ("sqlite:///tmp/a.db", "/tmp/a.db"),
            ("sqlite://data/a.db", "data/a.db"),
            ("sqlite:a.db", "a.db"),
            ("sqlite:/abs/a.db", "/abs/a.db"),
            ("/abs/a.db", "/abs/a.db"),
            ("a.sqlite3", "a.sqlite3"),
            ("file:a.db?mode=ro", "file:a.db?mode=ro"),
            ("sqlite://a.db?mode=ro", "file:a.db?mode=ro"),
        ];
        for (url, path) in cases {
            assert!(matches!(parse(url), Some(Target::Sqlite(p)) if p == path), "{url}");
        }
    }

    #[test]
    fn unknown_schemes_and_empty_paths_are_refused() {
        for url in ["mysql://h/db", "http://h/x", "", "  ", "sqlite://", "sqlite:"] {
            assert!(parse(url).is_none(), "{url:?}");
        }
    }
}
