//! Django's `BCryptSHA256PasswordHasher` (`bcrypt_sha256$$2b$12$…`) and
//! `BCryptPasswordHasher` (`bcrypt$$2b$12$…`).
//!
//! bcrypt reads at most 72 bytes of its input and ignores the rest, so two long passwords
//! sharing a 72-byte prefix would be the same password. `bcrypt_sha256` therefore first
//! reduces the password to its hex SHA-256 digest (64 ASCII bytes, always under the limit);
//! plain `bcrypt` hashes the password itself and is read, not written, by default.

use crate::format::{Format, hashing_failed};
use latchkey_domain::PasswordError;
use sha2::{Digest, Sha256};

/// Django 5.2's `BCryptSHA256PasswordHasher.rounds` (the bcrypt cost).
pub const DEFAULT_BCRYPT_ROUNDS: u32 = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Input {
    /// `bcrypt_sha256`: the hex SHA-256 digest of the password.
    Sha256,
    /// `bcrypt`: the password's bytes.
    Raw,
}

#[derive(Debug, Clone)]
pub(crate) struct Bcrypt {
    pub input: Input,
    pub cost: u32,
}

impl Bcrypt {
    fn prefix(&self) -> &'static str {
        match self.input {
            Input::Sha256 => "bcrypt_sha256$",
            Input::Raw => "bcrypt$",
        }
    }

    fn input(&self, password: &str) -> Vec<u8> {
        match self.input {
            Input::Sha256 => hex::encode(Sha256::digest(password.as_bytes())).into_bytes(),
            Input::Raw => password.as_bytes().to_vec(),
        }
    }
}

impl Format for Bcrypt {
    fn algorithm(&self) -> &'static str {
        match self.input {
            Input::Sha256 => "bcrypt_sha256",
            Input::Raw => "bcrypt",
        }
    }

    fn encode(&self, password: &str) -> Result<String, PasswordError> {
        let hashed = bcrypt::hash(self.input(password), self.cost).map_err(hashing_failed)?;
        Ok(format!("{}{hashed}", self.prefix()))
    }

    fn verify(&self, password: &str, encoded: &str) -> bool {
        match encoded.strip_prefix(self.prefix()) {
            Some(bcrypt_hash) => bcrypt::verify(self.input(password), bcrypt_hash).unwrap_or(false),
            None => false,
        }
    }

    fn must_update(&self, encoded: &str) -> bool {
        // `$2b$12$…`: the cost is the third field.
        let cost = encoded.strip_prefix(self.prefix()).and_then(|h| h.split('$').nth(2)).and_then(|c| c.parse().ok());
        cost != Some(self.cost)
    }
}
