//! Django's `MD5PasswordHasher` (`md5$salt$hex(md5(salt + password))`): a legacy format, read
//! so that such users can log in once and be re-hashed, never written by default.

use crate::format::{Format, new_salt, salt_too_short, same};
use latchkey_domain::PasswordError;
use md5::{Digest, Md5};

#[derive(Debug, Clone, Default)]
pub(crate) struct SaltedMd5;

fn digest(salt: &str, password: &str) -> String {
    let mut md5 = Md5::new();
    md5.update(salt.as_bytes());
    md5.update(password.as_bytes());
    hex::encode(md5.finalize())
}

impl Format for SaltedMd5 {
    fn algorithm(&self) -> &'static str {
        "md5"
    }

    fn encode(&self, password: &str) -> Result<String, PasswordError> {
        let salt = new_salt();
        Ok(format!("md5${salt}${}", digest(&salt, password)))
    }

    fn verify(&self, password: &str, encoded: &str) -> bool {
        let mut parts = encoded.splitn(3, '$');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("md5"), Some(salt), Some(hash)) if !salt.is_empty() => {
                same(digest(salt, password).as_bytes(), hash.as_bytes())
            }
            _ => false,
        }
    }

    fn must_update(&self, encoded: &str) -> bool {
        encoded.split('$').nth(1).is_none_or(salt_too_short)
    }
}
