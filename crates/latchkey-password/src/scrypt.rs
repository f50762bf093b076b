//! Django's `ScryptPasswordHasher`: `scrypt$N$salt$r$p$base64(dk)`, a 64-byte derived key in
//! standard base64.

use crate::format::{Format, hashing_failed, new_salt, salt_too_short, same};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use latchkey_domain::PasswordError;

/// Django 5.2's `work_factor` (N), `block_size` (r) and `parallelism` (p).
pub const DEFAULT_SCRYPT_WORK_FACTOR: u64 = 1 << 14;
pub const DEFAULT_SCRYPT_BLOCK_SIZE: u32 = 8;
pub const DEFAULT_SCRYPT_PARALLELISM: u32 = 5;
const KEY_LENGTH: usize = 64;

#[derive(Debug, Clone)]
pub(crate) struct Scrypt {
    pub work_factor: u64,
    pub block_size: u32,
    pub parallelism: u32,
}

struct Decoded<'a> {
    salt: &'a str,
    work_factor: u64,
    block_size: u32,
    parallelism: u32,
    hash: &'a str,
}

fn decode(encoded: &str) -> Option<Decoded<'_>> {
    let mut parts = encoded.splitn(6, '$');
    if parts.next()? != "scrypt" {
        return None;
    }
    Some(Decoded {
        work_factor: parts.next()?.parse().ok()?,
        salt: parts.next()?,
        block_size: parts.next()?.parse().ok()?,
        parallelism: parts.next()?.parse().ok()?,
        hash: parts.next()?,
    })
}

fn derive(password: &str, salt: &str, n: u64, r: u32, p: u32) -> Result<Vec<u8>, PasswordError> {
    if !n.is_power_of_two() || n < 2 {
        return Err(PasswordError::Parameters(format!("scrypt N={n} is not a power of two")));
    }
    let log_n = u8::try_from(n.trailing_zeros()).map_err(hashing_failed)?;
    // Both errors are parameter errors (the crate gives them no `std::error::Error` without
    // its password-hash feature): their text is the whole cause.
    let params = scrypt::Params::new(log_n, r, p, KEY_LENGTH)
        .map_err(|err| PasswordError::Parameters(format!("scrypt N={n} r={r} p={p}: {err}")))?;
    let mut out = vec![0u8; KEY_LENGTH];
    scrypt::scrypt(password.as_bytes(), salt.as_bytes(), &params, &mut out)
        .map_err(|err| PasswordError::Parameters(format!("scrypt: {err}")))?;
    Ok(out)
}

impl Scrypt {
    pub(crate) fn checked(self) -> Result<Self, PasswordError> {
        derive("", "salt", self.work_factor, self.block_size, self.parallelism).map(|_| self)
    }
}

impl Format for Scrypt {
    fn algorithm(&self) -> &'static str {
        "scrypt"
    }

    fn encode(&self, password: &str) -> Result<String, PasswordError> {
        let salt = new_salt();
        let hash = STANDARD.encode(derive(password, &salt, self.work_factor, self.block_size, self.parallelism)?);
        Ok(format!("scrypt${}${salt}${}${}${hash}", self.work_factor, self.block_size, self.parallelism))
    }

    fn verify(&self, password: &str, encoded: &str) -> bool {
        let Some(d) = decode(encoded) else { return false };
        derive(password, d.salt, d.work_factor, d.block_size, d.parallelism)
            .is_ok_and(|key| same(STANDARD.encode(key).as_bytes(), d.hash.as_bytes()))
    }

    fn must_update(&self, encoded: &str) -> bool {
        match decode(encoded) {
            Some(d) => {
                d.work_factor != self.work_factor
                    || d.block_size != self.block_size
                    || d.parallelism != self.parallelism
                    || salt_too_short(d.salt)
            }
            None => true,
        }
    }
}
