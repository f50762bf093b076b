//! Latchkey's persistence on PostgreSQL or SQLite through one Diesel `MultiConnection`.
//!
//! - [`Database::connect`] opens an r2d2 pool from a URL (`postgres://…`, `sqlite://PATH`, a
//!   path) and fails at once when the database cannot be reached, naming the URL without its
//!   password.
//! - [`Database::run_migrations`] applies the migrations embedded from `migrations/postgres` or
//!   `migrations/sqlite` (same versions, each database's own DDL).
//! - [`Database`] implements the domain's `UserStore`, `RefreshTokenStore`, `OpaqueKeyStore`,
//!   `SessionStore` and `LockoutStore` (failed logins counted by an upsert, so that every
//!   instance on one database adds to the same count). Uniqueness races (usernames, blacklisting) are settled by the database's
//!   constraints, never by reading first.
//! - [`Database::import`] writes users and credentials brought over from Django ([`import`]).
//! - Other repositories in this crate use [`Database::conn`] with queries against [`schema`],
//!   [`write_transaction`] for writes, and [`match_backend!`] for backend-specific SQL.
//!
//! Everything blocks: call it from a blocking pool in async code.

mod connection;
mod database;
mod error;
pub mod import;
mod keys;
mod lockout;
pub mod migrations;
pub mod notify;
mod refresh_reads;
mod schedule;
pub mod schema;
mod sessions;
mod tokens;
mod users;

pub use connection::{AnyConnection, Backend, ConnectionManager, MultiBackend, write_transaction};
pub use database::{Database, DbConn, PoolOptions};
pub use error::{ConnectError, MigrationError, map_diesel_error, redact_url};
pub use notify::{AuthEvent, AuthListener};
