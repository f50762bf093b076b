//! Password hashing in Django's formats, behind [`latchkey_domain::PasswordHasher`].
//!
//! [`BcryptSha256`] is Django's `BCryptSHA256PasswordHasher`. bcrypt reads at most 72 bytes
//! of its input and silently ignores the rest, so two long passwords sharing a 72-byte prefix
//! would be the same password; the password is therefore first reduced to its hex SHA-256
//! digest (64 ASCII bytes, always under the limit) and that is bcrypt-ed. The stored form,
//! `bcrypt_sha256$$2b$12$…`, is the one Django writes, so hashes move between the two.
//!
//! ```
//! use latchkey_domain::PasswordHasher;
//! use latchkey_password::BcryptSha256;
//!
//! let hasher = BcryptSha256::new(4)?;
//! let encoded = hasher.hash("correct horse")?;
//! assert!(encoded.starts_with("bcrypt_sha256$$2b$04$"));
//! assert!(hasher.verify("correct horse", &encoded));
//! # Ok::<(), latchkey_domain::PasswordError>(())
//! ```

use latchkey_domain::{PasswordError, PasswordHasher};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

const PREFIX: &str = "bcrypt_sha256$";

/// Django's `bcrypt_sha256` at one bcrypt cost.
#[derive(Debug)]
pub struct BcryptSha256 {
    cost: u32,
    dummy: OnceLock<String>,
}

impl BcryptSha256 {
    pub fn new(cost: u32) -> Result<Self, PasswordError> {
        if !(4..=31).contains(&cost) {
            return Err(PasswordError::Parameters(format!("bcrypt cost {cost} is outside 4..=31")));
        }
        Ok(Self { cost, dummy: OnceLock::new() })
    }

    pub fn cost(&self) -> u32 {
        self.cost
    }
}

impl PasswordHasher for BcryptSha256 {
    fn hash(&self, password: &str) -> Result<String, PasswordError> {
        let hashed = bcrypt::hash(prehash(password), self.cost).map_err(|e| PasswordError::Hashing(e.into()))?;
        Ok(format!("{PREFIX}{hashed}"))
    }

    fn verify(&self, password: &str, encoded: &str) -> bool {
        match encoded.strip_prefix(PREFIX) {
            Some(bcrypt_hash) => bcrypt::verify(prehash(password), bcrypt_hash).unwrap_or(false),
            None => false,
        }
    }

    fn verify_dummy(&self, password: &str) {
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
        let hasher = BcryptSha256::new(4).expect("cost");
        let hash = hasher.hash("correct horse").expect("hash");
        assert!(hash.starts_with("bcrypt_sha256$$2b$04$"));
        assert!(hasher.verify("correct horse", &hash));
        assert!(!hasher.verify("wrong horse", &hash));
    }

    #[test]
    fn long_passwords_are_not_truncated() {
        let hasher = BcryptSha256::new(4).expect("cost");
        let a = "x".repeat(72) + "a";
        let b = "x".repeat(72) + "b";
        let hash = hasher.hash(&a).expect("hash");
        assert!(hasher.verify(&a, &hash));
        assert!(!hasher.verify(&b, &hash));
    }

    #[test]
    fn garbage_hashes_never_match() {
        let hasher = BcryptSha256::new(4).expect("cost");
        assert!(!hasher.verify("x", ""));
        assert!(!hasher.verify("x", "pbkdf2_sha256$1$salt$hash"));
        assert!(!hasher.verify("x", "bcrypt_sha256$not-bcrypt"));
    }

    #[test]
    fn rejects_out_of_range_costs() {
        assert!(BcryptSha256::new(3).is_err());
        assert!(BcryptSha256::new(32).is_err());
    }
}
