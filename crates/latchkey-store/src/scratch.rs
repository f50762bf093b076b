//! Throw-away PostgreSQL databases for tests and benchmarks: created on a server URL, migrated,
//! and dropped (even with open connections) when the guard goes.

use crate::{Database, PoolOptions, map_diesel_error};
use diesel::{Connection, PgConnection, RunQueryDsl};
use latchkey_domain::StoreError;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub struct ScratchDatabase {
    server: String,
    name: String,
    pub database: Database,
}

impl ScratchDatabase {
    /// A fresh, migrated database on `server` (`postgres://user:password@host:port`, no
    /// database name), named `{prefix}_{pid}_{time}_{n}`.
    pub fn create(server: &str, prefix: &str, options: PoolOptions) -> Result<Self, StoreError> {
        Self::create_with(server, prefix, options, true)
    }

    /// The same without running the migrations.
    pub fn create_unmigrated(server: &str, prefix: &str, options: PoolOptions) -> Result<Self, StoreError> {
        Self::create_with(server, prefix, options, false)
    }

    fn create_with(server: &str, prefix: &str, options: PoolOptions, migrate: bool) -> Result<Self, StoreError> {
        let server = server.trim_end_matches('/').to_owned();
        let stamp = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros()).unwrap_or(0);
        let name = format!("{prefix}_{}_{stamp}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        admin(&server, &format!("CREATE DATABASE {name}"))?;
        let scratch = Database::connect(&format!("{server}/{name}"), options)
            .map_err(StoreError::unavailable)
            .and_then(|database| if migrate { database.run_migrations().map(|_| database) } else { Ok(database) });
        match scratch {
            Ok(database) => Ok(Self { server, name, database }),
            Err(err) => {
                let _ = admin(&server, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                Err(err)
            }
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The database's URL.
    pub fn url(&self) -> String {
        format!("{}/{}", self.server, self.name)
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let _ = admin(&self.server, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
    }
}

fn admin(server: &str, sql: &str) -> Result<(), StoreError> {
    let mut conn = PgConnection::establish(&format!("{server}/postgres")).map_err(StoreError::unavailable)?;
    diesel::sql_query(sql).execute(&mut conn).map(drop).map_err(map_diesel_error)
}
