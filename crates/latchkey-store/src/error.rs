//! Turning Diesel, driver and pool errors into what callers see: [`StoreError`] for queries,
//! [`ConnectError`] for start-up. Neither carries a database password.

use diesel::result::{DatabaseErrorInformation, DatabaseErrorKind, Error as DieselError};
use latchkey_domain::{BoxError, StoreError};
use thiserror::Error;

/// Why [`crate::Database::connect`] failed. The URL in every message has its password replaced
/// by `***`, so the error can be logged or shown as it is.
#[derive(Debug, Error)]
pub enum ConnectError {
    #[error("unsupported database URL `{url}`: expected postgres://, postgresql://, sqlite://, sqlite: or a file path")]
    UnsupportedUrl { url: String },
    #[error("invalid pool options for {url}: {reason}")]
    InvalidOptions { url: String, reason: String },
    /// The driver's own error, such as PostgreSQL's "Connection refused", is the source.
    #[error("cannot connect to {url}")]
    Connect {
        url: String,
        #[source]
        source: BoxError,
    },
}

/// Applying or listing migrations failed; diesel_migrations' error is the source.
#[derive(Debug, Error)]
#[error("{action} failed")]
pub struct MigrationError {
    action: &'static str,
    #[source]
    source: BoxError,
}

impl MigrationError {
    pub(crate) fn store_error(action: &'static str, source: BoxError) -> StoreError {
        StoreError::other(MigrationError { action, source })
    }
}

/// `url` with any password replaced by `***`: the one in the user-info part
/// (`postgres://user:***@host/db`) and a `password=` query parameter. Everything else is kept
/// so the message still says which database was meant.
///
/// Hand-written rather than through the `url` crate: WHATWG parsing ends the authority at the
/// first unescaped `/`, so a password containing one (which libpq accepts) would be read as a
/// path and shown; this over-redacts instead. SQLite paths are not URLs at all.
pub fn redact_url(url: &str) -> String {
    let (before_query, query) = match url.find(['?', '#']) {
        Some(at) => url.split_at(at),
        None => (url, ""),
    };
    let redacted_front = match before_query.find("://") {
        Some(scheme_end) => {
            let authority_start = scheme_end + 3;
            let rest = &before_query[authority_start..];
            // The last `@` ends the user info. Searching the whole rest (not only up to the first
            // `/`) over-redacts rather than leaking a password that contains an unescaped `/`.
            match rest.rfind('@') {
                Some(at) => {
                    let user_info = &rest[..at];
                    match user_info.find(':') {
                        Some(colon) => {
                            format!("{}{}:***{}", &before_query[..authority_start], &user_info[..colon], &rest[at..])
                        }
                        None => before_query.to_owned(),
                    }
                }
                None => before_query.to_owned(),
            }
        }
        None => before_query.to_owned(),
    };
    format!("{redacted_front}{}", redact_query(query))
}

/// Replaces the value of every `password=` parameter (libpq accepts one in the query string).
fn redact_query(query: &str) -> String {
    let Some(first) = query.chars().next() else {
        return String::new();
    };
    let body = &query[first.len_utf8()..];
    let params: Vec<String> = body
        .split('&')
        .map(|param| match param.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => param.to_owned(),
        })
        .collect();
    format!("{first}{}", params.join("&"))
}

/// Maps a Diesel error to the domain's [`StoreError`]:
///
/// - a unique violation is `Conflict` (naming the constraint, or the driver's message on
///   SQLite, which names the column: `UNIQUE constraint failed: users.username`);
/// - a foreign-key violation is `NotFound` (the row it refers to, usually a user, is not there);
/// - `NotFound` stays `NotFound`;
/// - a lost connection, and SQLite's "database is locked" once `busy_timeout` has run out, are
///   `Unavailable`: the request may succeed later;
/// - anything else is `Other`.
pub fn map_diesel_error(err: DieselError) -> StoreError {
    match &err {
        DieselError::NotFound => StoreError::NotFound,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            StoreError::Conflict(describe_constraint(info.as_ref()))
        }
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => StoreError::NotFound,
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand, _) => {
            StoreError::unavailable(err)
        }
        _ if is_locked(&err) => StoreError::unavailable(err),
        _ => StoreError::other(err),
    }
}

fn describe_constraint(info: &(dyn DatabaseErrorInformation + Send + Sync)) -> String {
    match (info.constraint_name(), info.column_name()) {
        (Some(constraint), _) => constraint.to_owned(),
        (None, Some(column)) => column.to_owned(),
        (None, None) => info.message().to_owned(),
    }
}

/// Whether SQLite refused for want of a lock (`SQLITE_BUSY`/`SQLITE_LOCKED`). Diesel has no kind
/// for it, so the message is all there is.
pub(crate) fn is_locked(err: &DieselError) -> bool {
    match err {
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            let message = info.message();
            message.contains("database is locked") || message.contains("database table is locked")
        }
        _ => false,
    }
}

pub(crate) fn is_unique_violation(err: &DieselError) -> bool {
    matches!(err, DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _))
}

/// A pool that could not hand out a connection in time: the database is down or saturated.
pub(crate) fn map_pool_error(err: r2d2::Error) -> StoreError {
    StoreError::unavailable(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_the_password_in_user_info() {
        assert_eq!(redact_url("postgres://user:secret@host:5432/db"), "postgres://user:***@host:5432/db");
        assert_eq!(redact_url("postgresql://u:p%40ss@h/db?sslmode=require"), "postgresql://u:***@h/db?sslmode=require");
        assert_eq!(redact_url("postgres://u:pa/ss@h/db"), "postgres://u:***@h/db");
    }

    #[test]
    fn redacts_a_password_parameter() {
        assert_eq!(
            redact_url("postgres://h/db?user=u&password=secret&sslmode=disable"),
            "postgres://h/db?user=u&password=***&sslmode=disable"
        );
    }

    #[test]
    fn leaves_urls_without_passwords_alone() {
        for url in ["postgres://user@host/db", "postgres://host/db", "sqlite:///tmp/x.db", "data/x.db", ""] {
            assert_eq!(redact_url(url), url);
        }
    }
}
