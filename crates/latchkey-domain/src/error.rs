use thiserror::Error;

/// A cause carried by an error, whatever its type: the chain stays whole, so a log line can
/// show every cause down to the driver's own message.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What a storage backend can report. Backends map their own errors into these, so callers
/// never match on Diesel or driver types; the backend's error is kept as the source.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A unique constraint refused the write (a taken username, a blacklisted token). Holds
    /// the constraint or column that refused, which is data rather than a cause.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    /// The database could not be reached or a connection could not be had in time.
    #[error("storage unavailable")]
    Unavailable(#[source] BoxError),
    #[error("storage error")]
    Other(#[source] BoxError),
}

impl StoreError {
    /// [`StoreError::Unavailable`] caused by `cause`.
    pub fn unavailable(cause: impl Into<BoxError>) -> Self {
        StoreError::Unavailable(cause.into())
    }

    /// [`StoreError::Other`] caused by `cause`.
    pub fn other(cause: impl Into<BoxError>) -> Self {
        StoreError::Other(cause.into())
    }
}

/// Failures of account operations.
#[derive(Debug, Error)]
pub enum AccountError {
    #[error("a user with that username already exists")]
    UsernameTaken,
    #[error("user not found")]
    UnknownUser,
    #[error(transparent)]
    Password(#[from] crate::password::PasswordError),
    #[error(transparent)]
    Store(StoreError),
    /// A [`UserCreated`](crate::UserCreated) hook failed for a reason of its own.
    #[error("a user-created hook failed")]
    Hook(#[source] BoxError),
}

impl From<StoreError> for AccountError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(_) => AccountError::UsernameTaken,
            StoreError::NotFound => AccountError::UnknownUser,
            other => AccountError::Store(other),
        }
    }
}

/// Formats an error and its whole chain of sources on one line, `outer: cause: root cause`,
/// for log records. Line breaks inside a message (libpq's hints) become spaces, so one
/// failure stays one record.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = String::new();
    let mut next = Some(err);
    while let Some(err) = next {
        let message = err.to_string();
        let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
        // A transparent wrapper repeats its source's message: show it once.
        if !out.ends_with(&message) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&message);
        }
        next = err.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn chain_shows_every_cause_on_one_line() {
        let err = StoreError::unavailable(Outer(std::io::Error::other("refused\n\tIs the server running?")));
        assert_eq!(error_chain(&err), "storage unavailable: outer: refused Is the server running?");
        let transparent = AccountError::Store(StoreError::other("disk full"));
        assert_eq!(error_chain(&transparent), "storage error: disk full");
    }
}
