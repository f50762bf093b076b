//! [`Database`]: the pool, how it is opened, and the migrations run through it.

use crate::connection::{AnyConnection, Backend, ConnectionManager, SqlitePragmas};
use crate::error::{ConnectError, MigrationError, is_locked, map_diesel_error, map_pool_error, redact_url};
use crate::migrations::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, name_for_version};
use diesel::RunQueryDsl;
use diesel::result::Error as DieselError;
use diesel_migrations::MigrationHarness;
use latchkey_domain::{BoxError, StoreError};
use r2d2::{CustomizeConnection, ManageConnection, Pool};
use std::fmt;
use std::time::Duration;

/// The PostgreSQL advisory-lock key migrations run under ("latchkey" in ASCII, as a number).
const MIGRATION_LOCK_KEY: i64 = 0x6c61_7463_686b_6579;

/// A connection checked out of the pool. It derefs to [`AnyConnection`], and Diesel queries
/// accept `&mut` of it directly.
pub type DbConn = r2d2::PooledConnection<ConnectionManager>;

/// How the pool is sized and how long callers wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolOptions {
    /// Connections kept open; all are opened at start-up, so an unreachable database fails then.
    pub max_size: u32,
    /// How long a request waits for a free connection (and start-up for the first ones).
    pub connection_timeout: Duration,
    /// SQLite only: how long a writer waits for the write lock before "database is locked".
    pub sqlite_busy_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 10,
            // r2d2's 30 s default would hold a web request that long; a saturated pool should
            // answer "unavailable" sooner.
            connection_timeout: Duration::from_secs(5),
            sqlite_busy_timeout: Duration::from_secs(5),
        }
    }
}

impl PoolOptions {
    pub fn new(max_size: u32, connection_timeout: Duration) -> Self {
        Self { max_size, connection_timeout, ..Self::default() }
    }
}

/// The store on PostgreSQL or SQLite: a connection pool plus what it was opened for. Cloning
/// shares the pool. It implements the domain's `UserStore`, `RefreshTokenStore` and
/// `OpaqueKeyStore`; every method blocks, so async callers run it on a blocking pool.
#[derive(Clone)]
pub struct Database {
    pool: Pool<ConnectionManager>,
    backend: Backend,
    redacted_url: String,
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database")
            .field("url", &self.redacted_url)
            .field("backend", &self.backend)
            .field("pool", &self.pool.state())
            .finish()
    }
}

/// How often a write transaction is tried when SQLite reports a lock or a race is lost in a
/// way a fresh attempt resolves.
pub(crate) const WRITE_ATTEMPTS: u32 = 3;

impl Database {
    /// Opens a pool for `url` (`postgres://…`, `postgresql://…`, `sqlite://PATH`, `sqlite:PATH`
    /// or a plain path) and waits until all `max_size` connections are open, so a wrong URL, a
    /// database that is down or an unwritable SQLite file fails here rather than at the first
    /// request. Migrations are not run: see [`Database::run_migrations`].
    pub fn connect(url: &str, options: PoolOptions) -> Result<Database, ConnectError> {
        let redacted_url = redact_url(url);
        let invalid =
            |reason: &str| ConnectError::InvalidOptions { url: redacted_url.clone(), reason: reason.to_owned() };
        // r2d2 panics on either.
        if options.max_size == 0 {
            return Err(invalid("max_size must be at least 1"));
        }
        if options.connection_timeout.is_zero() {
            return Err(invalid("connection_timeout must be positive"));
        }
        let manager = ConnectionManager::new(url)?;
        let backend = manager.backend();
        if manager.is_sqlite_memory() && options.max_size > 1 {
            log::warn!("{redacted_url}: every pooled SQLite connection gets its own in-memory database");
        }
        let pragmas = SqlitePragmas { busy_timeout: options.sqlite_busy_timeout };
        let failed = |source: BoxError| ConnectError::Connect { url: redacted_url.clone(), source };

        // One connection first, outside the pool: r2d2's `build` retries a failing connect until
        // `connection_timeout` and keeps only the last message, so a refused connection would
        // take that long to report. This fails at once, in the driver's words.
        let mut probe = manager.connect().map_err(|e| failed(e.into()))?;
        pragmas.on_acquire(&mut probe).map_err(|e| failed(e.into()))?;
        drop(probe);

        let pool = Pool::builder()
            .max_size(options.max_size)
            .connection_timeout(options.connection_timeout)
            // The check-out ping is a round trip per request (measured: 128 µs vs 74 µs per
            // PG lookup); `has_broken` drops dead connections after their first failure instead.
            .test_on_check_out(false)
            .connection_customizer(Box::new(pragmas))
            .build(manager)
            .map_err(|e| failed(e.into()))?;
        log::debug!("connected to {redacted_url} ({backend}, pool of {})", options.max_size);
        Ok(Database { pool, backend, redacted_url })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL this database was opened with, password replaced by `***`: safe to log.
    pub fn redacted_url(&self) -> &str {
        &self.redacted_url
    }

    /// A pooled connection, waiting at most `connection_timeout`; a timeout is
    /// `StoreError::Unavailable`.
    pub fn conn(&self) -> Result<DbConn, StoreError> {
        self.pool.get().map_err(map_pool_error)
    }

    /// The pool's connections, and how many of them are idle (for metrics).
    pub fn pool_state(&self) -> (u32, u32) {
        let state = self.pool.state();
        (state.connections, state.idle_connections)
    }

    /// One round trip (`SELECT 1`) on a pooled connection, waiting at most `checkout` for it:
    /// whether the database answers, for a readiness probe.
    pub fn ping(&self, checkout: Duration) -> Result<(), StoreError> {
        let mut conn = self.pool.get_timeout(checkout).map_err(map_pool_error)?;
        diesel::sql_query("SELECT 1").execute(&mut *conn).map(drop).map_err(map_diesel_error)
    }

    /// Applies the migrations this database has not seen and returns their names
    /// (`2026-11-22-000001_initial`), in order; none on a second run. On PostgreSQL this runs
    /// under an advisory lock, so concurrent callers apply each migration exactly once.
    pub fn run_migrations(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.conn()?;
        let conn: &mut AnyConnection = &mut conn;
        let applied: Vec<String> = match self.backend {
            Backend::Sqlite => {
                conn.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.iter().map(ToString::to_string).collect())
            }
            Backend::Postgres => {
                // Instances behind a load balancer may start together against one database:
                // one migrates while the others wait, then find nothing pending.
                diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
                    .execute(conn)
                    .map_err(map_diesel_error)?;
                let applied = conn
                    .run_pending_migrations(POSTGRES_MIGRATIONS)
                    .map(|v| v.iter().map(ToString::to_string).collect());
                let unlocked =
                    diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")).execute(conn);
                if let Err(err) = unlocked {
                    log::warn!("could not release the migration lock (it goes with the connection): {err}");
                }
                applied
            }
        }
        .map_err(|e| MigrationError::store_error("migration", e))?;
        let names: Vec<String> = applied.iter().map(|v| name_for_version(self.backend, v)).collect();
        for name in &names {
            log::info!("applied migration {name} to {}", self.redacted_url);
        }
        Ok(names)
    }

    /// The names of the migrations not applied yet.
    pub fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.conn()?;
        let conn: &mut AnyConnection = &mut conn;
        let pending = match self.backend {
            Backend::Sqlite => conn.pending_migrations(SQLITE_MIGRATIONS),
            Backend::Postgres => conn.pending_migrations(POSTGRES_MIGRATIONS),
        }
        .map_err(|e| MigrationError::store_error("reading the applied migrations", e))?;
        Ok(pending.iter().map(|m| m.name().to_string()).collect())
    }

    /// Runs `body` in a write transaction ([`crate::write_transaction`]) on a pooled
    /// connection, again (up to three attempts in all) when SQLite's lock was still held once
    /// `busy_timeout` ran out. For repositories outside this crate.
    pub fn write_retrying<T>(
        &self,
        mut body: impl FnMut(&mut AnyConnection) -> Result<T, DieselError>,
    ) -> Result<T, StoreError> {
        self.write(|conn| Ok(body(conn)?), |_| false).map_err(TxError::into_store)
    }

    /// Runs `body` in [`crate::write_transaction`], again (up to [`WRITE_ATTEMPTS`] in all)
    /// when it fails in a way a new attempt can cure: SQLite's lock still held once
    /// `busy_timeout` ran out, or whatever `retry` accepts (such as a race lost to a concurrent
    /// insert, after which the row is there to be read). Each attempt starts from scratch: the
    /// failed one was rolled back.
    pub(crate) fn write<T>(
        &self,
        mut body: impl FnMut(&mut AnyConnection) -> Result<T, TxError>,
        retry: impl Fn(&TxError) -> bool,
    ) -> Result<T, TxError> {
        let mut conn = self.conn()?;
        let mut attempt = 1;
        loop {
            match crate::connection::write_transaction(&mut conn, &mut body) {
                Err(err)
                    if attempt < WRITE_ATTEMPTS && (retry(&err) || matches!(&err, TxError::Db(e) if is_locked(e))) =>
                {
                    log::debug!(
                        "write transaction attempt {attempt} on {} will be retried: {err:?}",
                        self.redacted_url
                    );
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(10 * u64::from(attempt)));
                }
                other => return other,
            }
        }
    }
}

/// Why a write transaction's body stopped (and so rolled back).
#[derive(Debug)]
pub(crate) enum TxError {
    Db(DieselError),
    Store(StoreError),
    /// The token is on the blacklist already: the outcome, not a failure.
    AlreadyBlacklisted,
    /// A concurrent transaction inserted the same outstanding jti first.
    OutstandingRace,
}

impl From<DieselError> for TxError {
    fn from(err: DieselError) -> Self {
        TxError::Db(err)
    }
}

impl From<StoreError> for TxError {
    fn from(err: StoreError) -> Self {
        TxError::Store(err)
    }
}

impl TxError {
    /// The error for callers without an outcome of their own to map.
    pub(crate) fn into_store(self) -> StoreError {
        match self {
            TxError::Db(err) => map_diesel_error(err),
            TxError::Store(err) => err,
            TxError::AlreadyBlacklisted => StoreError::Conflict("blacklisted_tokens.token_id".into()),
            TxError::OutstandingRace => StoreError::Conflict("outstanding_tokens.jti".into()),
        }
    }
}
