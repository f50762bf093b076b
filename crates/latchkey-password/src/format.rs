//! What every Django password format does, and the pieces they share.

use latchkey_domain::PasswordError;
use rand::Rng;
use subtle::ConstantTimeEq;

/// One of Django's `PasswordHasher` classes: an `algorithm$…` encoding, how to make it, check
/// it, and tell whether it was made with other parameters than this instance's.
pub(crate) trait Format: Send + Sync {
    /// Django's `algorithm` name, the encoding's first field.
    fn algorithm(&self) -> &'static str;

    /// A new salted encoding of `password` with this instance's parameters.
    fn encode(&self, password: &str) -> Result<String, PasswordError>;

    /// Whether `password` matches `encoded`, an encoding of this algorithm with whatever
    /// parameters it records. A malformed encoding never matches.
    fn verify(&self, password: &str, encoded: &str) -> bool;

    /// Django's `must_update`: whether `encoded` (of this algorithm) was made with weaker or
    /// other parameters than this instance's.
    fn must_update(&self, encoded: &str) -> bool;
}

/// Django's `get_random_string` alphabet; its salts are 22 of these (over 128 bits).
const SALT_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const SALT_LENGTH: usize = 22;
/// Django's `salt_entropy`: a salt with fewer bits than this is renewed (`must_update_salt`).
const SALT_ENTROPY_BITS: f64 = 128.0;

/// A fresh salt as Django makes one (`get_random_string(22)`).
pub(crate) fn new_salt() -> String {
    let mut rng = rand::rng();
    (0..SALT_LENGTH).map(|_| char::from(SALT_CHARS[rng.random_range(0..SALT_CHARS.len())])).collect()
}

/// Django's `must_update_salt`: whether a salt of this many alphabet characters carries less
/// entropy than a new one would.
pub(crate) fn salt_too_short(salt: &str) -> bool {
    (salt.len() as f64) * (SALT_CHARS.len() as f64).log2() < SALT_ENTROPY_BITS
}

/// Django's `constant_time_compare`.
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

pub(crate) fn hashing_failed(err: impl std::error::Error + Send + Sync + 'static) -> PasswordError {
    PasswordError::Hashing(Box::new(err))
}
