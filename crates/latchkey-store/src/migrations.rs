//! The migrations, embedded per backend. The two folders hold the same versions in each
//! database's own DDL (auto-increment keys have no common syntax); a test keeps them in step.

use crate::connection::Backend;
use diesel::migration::MigrationSource;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};

/// `migrations/sqlite`, relative to this crate (see `build.rs` for why a new directory rebuilds).
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
/// `migrations/postgres`.
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// The full names (`2026-11-22-000001_initial`) of the migrations embedded for `backend`, in
/// the order they run.
pub fn migration_names(backend: Backend) -> Vec<String> {
    let names: Result<Vec<String>, _> = match backend {
        Backend::Sqlite => MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
            .map(|ms| ms.iter().map(|m| m.name().to_string()).collect()),
        Backend::Postgres => MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES_MIGRATIONS)
            .map(|ms| ms.iter().map(|m| m.name().to_string()).collect()),
    };
    // Listing embedded migrations reads only what the macro checked at compile time.
    names.unwrap_or_default()
}

/// The name of the migration whose version (the name's date part without dashes, as Diesel
/// records it in `__diesel_schema_migrations`) is `version`; the version itself when unknown.
pub(crate) fn name_for_version(backend: Backend, version: &str) -> String {
    migration_names(backend)
        .into_iter()
        .find(|name| name.split('_').next().map(|v| v.replace('-', "")) == Some(version.to_owned()))
        .unwrap_or_else(|| version.to_owned())
}
