//! Django's `PBKDF2PasswordHasher` (`pbkdf2_sha256`, its default) and
//! `PBKDF2SHA1PasswordHasher` (`pbkdf2_sha1`): `algorithm$iterations$salt$base64(dk)`, the
//! derived key as long as the digest, standard base64 with padding.

use crate::format::{Format, new_salt, salt_too_short, same};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use latchkey_domain::PasswordError;

/// Django 5.2's `PBKDF2PasswordHasher.iterations`.
pub const DEFAULT_PBKDF2_ITERATIONS: u32 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Digest {
    Sha256,
    Sha1,
}

#[derive(Debug, Clone)]
pub(crate) struct Pbkdf2 {
    pub digest: Digest,
    pub iterations: u32,
}

impl Pbkdf2 {
    fn derive(&self, password: &str, salt: &str, iterations: u32) -> Vec<u8> {
        match self.digest {
            Digest::Sha256 => {
                let mut out = vec![0u8; 32];
                pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password.as_bytes(), salt.as_bytes(), iterations, &mut out);
                out
            }
            Digest::Sha1 => {
                let mut out = vec![0u8; 20];
                pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password.as_bytes(), salt.as_bytes(), iterations, &mut out);
                out
            }
        }
    }

    /// `(iterations, salt, hash)` of an encoding of this algorithm.
    fn decode<'a>(&self, encoded: &'a str) -> Option<(u32, &'a str, &'a str)> {
        let mut parts = encoded.splitn(4, '$');
        if parts.next()? != self.algorithm() {
            return None;
        }
        let iterations = parts.next()?.parse().ok().filter(|&n| n > 0)?;
        Some((iterations, parts.next()?, parts.next()?))
    }
}

impl Format for Pbkdf2 {
    fn algorithm(&self) -> &'static str {
        match self.digest {
            Digest::Sha256 => "pbkdf2_sha256",
            Digest::Sha1 => "pbkdf2_sha1",
        }
    }

    fn encode(&self, password: &str) -> Result<String, PasswordError> {
        let salt = new_salt();
        let hash = STANDARD.encode(self.derive(password, &salt, self.iterations));
        Ok(format!("{}${}${salt}${hash}", self.algorithm(), self.iterations))
    }

    fn verify(&self, password: &str, encoded: &str) -> bool {
        let Some((iterations, salt, hash)) = self.decode(encoded) else { return false };
        same(STANDARD.encode(self.derive(password, salt, iterations)).as_bytes(), hash.as_bytes())
    }

    fn must_update(&self, encoded: &str) -> bool {
        match self.decode(encoded) {
            Some((iterations, salt, _)) => iterations != self.iterations || salt_too_short(salt),
            None => true,
        }
    }
}
