//! Password hashing in Django's `bcrypt_sha256` format.
//!
//! bcrypt reads at most 72 bytes of its input and silently ignores the rest, so two long
//! passwords sharing a 72-byte prefix would be the same password. Like Django's
//! `BCryptSHA256PasswordHasher`, the password is first reduced to the hex SHA-256 digest
//! (64 ASCII bytes, always under the limit) and that is bcrypt-ed. The stored form,
//! `bcrypt_sha256$$2b$12$…`, is the one Django writes, so hashes move between the two.

use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use thiserror::Error;

const PREFIX: &str = "bcrypt_sha256$";

#[derive(Debug, Error)]
pub enum PasswordError {
    #[error("bcrypt cost {0} is outside 4..=31")]
    Cost(u32),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// Hashes and checks passwords at one bcrypt cost. Both calls are CPU-bound for tens to
/// hundreds of milliseconds: run them off async workers.
#[derive(Debug)]
pub struct PasswordHasher {
    cost: u32,
    dummy: OnceLock<String>,
}

impl PasswordHasher {
    pub fn new(cost: u32) -> Result<Self, PasswordError> {
        if !(4..=31).contains(&cost) {
            return Err(PasswordError::Cost(cost));
        }
        Ok(Self { cost, dummy: OnceLock::new() })
    }

    pub fn cost(&self) -> u32 {
        self.cost
    }

    pub fn hash(&self, password: &str) -> Result<String, PasswordError> {
        let hashed = bcrypt::hash(prehash(password), self.cost).map_err(|e| PasswordError::Hashing(e.to_string()))?;
        Ok(format!("{PREFIX}{hashed}"))
    }

    /// Whether `password` matches `encoded`. An unknown or malformed hash never matches.
    pub fn verify(&self, password: &str, encoded: &str) -> bool {
        match encoded.strip_prefix(PREFIX) {
            Some(bcrypt_hash) => bcrypt::verify(prehash(password), bcrypt_hash).unwrap_or(false),
            None => false,
        }
    }

    /// Spends the time of one verification without a user to check against, so that a login
    /// for an unknown username takes as long as one with a wrong password (Django #20760).
    pub fn verify_dummy(&self, password: &str) {
        let dummy = self
            .dummy
            .get_or_init(|| self.hash("latchkey-timing-parity").unwrap_or_else(|_| format!("{PREFIX}$2b$04$invalid")));
        let _ = self.verify(password, dummy);
    }
}

fn prehash(password: &str) -> String {
    hex::encode(Sha256::digest(password.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let hasher = PasswordHasher::new(4).expect("cost");
        let hash = hasher.hash("correct horse").expect("hash");
        assert!(hash.starts_with("bcrypt_sha256$$2b$04$"));
        assert!(hasher.verify("correct horse", &hash));
        assert!(!hasher.verify("wrong horse", &hash));
    }

    #[test]
    fn long_passwords_are_not_truncated() {
        let hasher = PasswordHasher::new(4).expect("cost");
        let a = "x".repeat(72) + "a";
        let b = "x".repeat(72) + "b";
        let hash = hasher.hash(&a).expect("hash");
        assert!(hasher.verify(&a, &hash));
        assert!(!hasher.verify(&b, &hash));
    }

    #[test]
    fn garbage_hashes_never_match() {
        let hasher = PasswordHasher::new(4).expect("cost");
        assert!(!hasher.verify("x", ""));
        assert!(!hasher.verify("x", "pbkdf2_sha256$1$salt$hash"));
        assert!(!hasher.verify("x", "bcrypt_sha256$not-bcrypt"));
    }

    #[test]
    fn rejects_out_of_range_costs() {
        assert!(PasswordHasher::new(3).is_err());
        assert!(PasswordHasher::new(32).is_err());
    }
}
