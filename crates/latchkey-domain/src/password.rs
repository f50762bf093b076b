//! What accounts need of password hashing, as a trait: the hashers themselves (Django's
//! formats, bcrypt and the rest) live in `latchkey-password`, so that crates which only check
//! tokens never link a KDF.

use crate::error::BoxError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum PasswordError {
    /// The hasher's parameters are out of range (a bcrypt cost outside 4..=31).
    #[error("invalid password-hasher parameters: {0}")]
    Parameters(String),
    #[error("password hashing failed")]
    Hashing(#[source] BoxError),
}

/// Hashes and checks passwords in an encoded form (`algorithm$…`, as Django stores them).
/// Every call is CPU-bound, for tens to hundreds of milliseconds: run them off async workers.
pub trait PasswordHasher: Send + Sync {
    /// The encoded hash of `password`, salted.
    fn hash(&self, password: &str) -> Result<String, PasswordError>;

    /// Whether `password` matches `encoded`. An unknown, malformed or unusable hash never
    /// matches.
    fn verify(&self, password: &str, encoded: &str) -> bool;

    /// Spends the time of one verification without a user to check against, so that a login
    /// for an unknown username takes as long as one with a wrong password (Django #20760).
    fn verify_dummy(&self, password: &str);

    /// Whether `encoded` should be replaced by a fresh hash once the password is known to
    /// match: another format than the one new passwords get, or weaker parameters (Django's
    /// `must_update`). Hashers with a single format and fixed parameters never ask.
    fn must_update(&self, encoded: &str) -> bool {
        let _ = encoded;
        false
    }
}
