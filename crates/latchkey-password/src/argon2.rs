//! Django's `Argon2PasswordHasher`: `argon2` followed by argon2-cffi's PHC string,
//! `argon2$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>`. Older Django versions wrote
//! `argon2i`; both verify, with the parameters the string records.

use crate::format::{Format, hashing_failed};
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use latchkey_domain::PasswordError;
use rand::RngCore;

/// Django 5.2's defaults: `time_cost`, `memory_cost` (KiB: 100 MiB) and `parallelism`.
pub const DEFAULT_ARGON2_TIME_COST: u32 = 2;
pub const DEFAULT_ARGON2_MEMORY_COST: u32 = 102_400;
pub const DEFAULT_ARGON2_PARALLELISM: u32 = 8;
/// argon2-cffi's default hash and salt lengths, which Django uses.
const HASH_LENGTH: usize = 32;
const SALT_BYTES: usize = 16;

#[derive(Debug, Clone)]
pub(crate) struct Argon2Hasher {
    pub time_cost: u32,
    pub memory_cost: u32,
    pub parallelism: u32,
}

impl Argon2Hasher {
    fn params(&self) -> Result<Params, PasswordError> {
        Params::new(self.memory_cost, self.time_cost, self.parallelism, Some(HASH_LENGTH))
            .map_err(|err| PasswordError::Parameters(format!("argon2: {err}")))
    }

    /// Checks the parameters once, at configuration time.
    pub(crate) fn checked(self) -> Result<Self, PasswordError> {
        self.params()?;
        Ok(self)
    }
}

fn phc(encoded: &str) -> Option<PasswordHash<'_>> {
    PasswordHash::new(encoded.strip_prefix("argon2")?).ok()
}

impl Format for Argon2Hasher {
    fn algorithm(&self) -> &'static str {
        "argon2"
    }

    fn encode(&self, password: &str) -> Result<String, PasswordError> {
        let mut salt = [0u8; SALT_BYTES];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(hashing_failed)?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params()?);
        let hash = argon2.hash_password(password.as_bytes(), &salt).map_err(hashing_failed)?;
        Ok(format!("argon2{hash}"))
    }

    fn verify(&self, password: &str, encoded: &str) -> bool {
        // The verifier takes algorithm, version and parameters from the string.
        phc(encoded).is_some_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
    }

    fn must_update(&self, encoded: &str) -> bool {
        let Some(hash) = phc(encoded) else { return true };
        let Ok(params) = Params::try_from(&hash) else { return true };
        hash.algorithm.as_str() != "argon2id"
            || hash.version != Some(0x13)
            || params.t_cost() != self.time_cost
            || params.m_cost() != self.memory_cost
            || params.p_cost() != self.parallelism
    }
}
