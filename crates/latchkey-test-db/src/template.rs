//! The migrated template database every PostgreSQL test database is copied from: every database
//! is a copy of some template anyway (`template1` by default), so starting from a migrated one
//! spares each test database the migrations, their round trips and their commits.
//!
//! It is named after a fingerprint of `migrations/postgres` (see `build.rs`), so a server that
//! outlives the test run keeps a template per set of migrations and never hands out a stale
//! one. Test processes that start together (several test binaries, several checkouts on one
//! server) build it once: under an advisory lock, under a temporary name that is renamed only
//! once the migrations succeeded, so a template under its final name is always complete.

use crate::server::PgServer;
use diesel::sql_types::{BigInt, Text};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};
use latchkey_store::{Database, PoolOptions};
use std::time::Duration;

/// The advisory-lock key the template is built under ("lk-tmpl" in ASCII, as a number);
/// PostgreSQL scopes it to the `postgres` database the lock is taken in.
const TEMPLATE_LOCK_KEY: i64 = 0x006c_6b2d_746d_706c;

/// How often a statement that needs the template (or the freshly built database) to have no
/// other session is tried. PostgreSQL itself waits up to 5 s for such sessions to go, so this
/// only covers a session that outlives even that.
const ATTEMPTS: u32 = 5;

pub(crate) fn name() -> String {
    format!("latchkey_template_{}", env!("LATCHKEY_TEST_DB_MIGRATIONS_HASH"))
}

/// The template's name on `server`, built if it is not there yet.
pub(crate) fn get(server: &'static PgServer) -> Result<&'static str, String> {
    server.template.get_or_init(|| build_once(server).map(|()| name())).as_deref().map_err(Clone::clone)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

pub(crate) fn exists(conn: &mut PgConnection, name: &str) -> Result<bool, String> {
    diesel::sql_query("SELECT COUNT(*) AS count FROM pg_database WHERE datname = $1")
        .bind::<Text, _>(name)
        .get_result::<Count>(conn)
        .map(|row| row.count > 0)
        .map_err(|e| format!("cannot look for database {name}: {e}"))
}

fn build_once(server: &'static PgServer) -> Result<(), String> {
    let name = name();
    // The lock is held by a connection of its own, so it goes with the session if this process
    // dies while building.
    let mut lock = server.connect_admin()?;
    diesel::sql_query(format!("SELECT pg_advisory_lock({TEMPLATE_LOCK_KEY})"))
        .execute(&mut lock)
        .map_err(|e| format!("cannot take the template lock: {e}"))?;
    let built = match exists(&mut lock, &name) {
        Ok(true) => Ok(()),
        Ok(false) => build(server, &name),
        Err(err) => Err(err),
    };
    // Closing the connection would release it too; this is only sooner.
    let _ = diesel::sql_query(format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK_KEY})")).execute(&mut lock);
    built
}

fn build(server: &'static PgServer, name: &str) -> Result<(), String> {
    let building = format!("{name}_building");
    // Left by a process that died while building; nobody else builds while we hold the lock.
    server.execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))?;
    server.execute(&format!("CREATE DATABASE {building}"))?;
    {
        let database = Database::connect(&server.url_of(&building), PoolOptions::new(1, Duration::from_secs(30)))
            .map_err(|e| format!("cannot connect to the new template database: {e}"))?;
        database.run_migrations().map_err(|e| format!("cannot migrate the template database: {e}"))?;
        // Dropped here: a template with a session open could be neither renamed nor copied.
    }
    with_retry(|| server.execute(&format!("ALTER DATABASE {building} RENAME TO {name}")))
}

/// Runs `statement` again while PostgreSQL says another session is using the database.
pub(crate) fn with_retry(mut statement: impl FnMut() -> Result<(), String>) -> Result<(), String> {
    let mut attempt = 1;
    loop {
        match statement() {
            Err(err) if attempt < ATTEMPTS && err.contains("is being accessed by other users") => {
                std::thread::sleep(Duration::from_millis(100 * u64::from(attempt)));
                attempt += 1;
            }
            other => return other,
        }
    }
}
