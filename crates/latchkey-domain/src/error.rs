use thiserror::Error;

/// What a storage backend can report. Backends map their own errors into these, so callers
/// never see Diesel or driver types.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A unique constraint refused the write (a taken username, a blacklisted token).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    /// The database could not be reached or a connection could not be had in time.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error("storage error: {0}")]
    Other(String),
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
