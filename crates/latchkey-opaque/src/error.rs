use latchkey_domain::StoreError;
use thiserror::Error;

/// Why an opaque-key operation failed. Never the client's fault: a bad presented key is
/// `Ok(None)`, not an error.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum OpaqueError {
    /// The key store failed (`NotFound` when the user does not exist).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The operating system's random generator could not produce a salt.
    #[error("no randomness for a key salt")]
    Entropy(#[source] rand::rand_core::OsError),
    /// The MAC refused the secret (HMAC accepts any length, so this is not expected).
    #[error("the opaque-key secret cannot key HMAC-SHA256")]
    Secret(#[source] hmac::digest::InvalidLength),
}
