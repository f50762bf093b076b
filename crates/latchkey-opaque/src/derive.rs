//! Turning a per-user salt and the server secret into a key, and a key into the digest it is
//! looked up by. Nothing here touches storage.

use crate::error::OpaqueError;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Length of a key in characters: 40 lowercase hex digits, DRF's `secrets.token_hex(20)`.
pub const KEY_LENGTH: usize = 40;

/// Random bytes in a salt. 128 bits make two users sharing a salt (and so a key) negligible.
const SALT_BYTES: usize = 16;

/// Domain separation: the same secret may key other MACs in a deployment, and a version tag
/// lets a future derivation coexist with this one.
const KEY_CONTEXT: &[u8] = b"latchkey-opaque-key-v1:";

/// Separates the salt that replaces a stale one from any key (see [`KeyDeriver::resalt`]).
const RESALT_CONTEXT: &[u8] = b"latchkey-opaque-resalt-v1:";

/// Derives opaque keys from salts with the server secret:
/// `key = hex(HMAC-SHA256(secret, "latchkey-opaque-key-v1:" || salt))[..40]`.
///
/// The secret never appears in [`Debug`](fmt::Debug) output.
#[derive(Clone)]
pub struct KeyDeriver {
    // The keyed MAC state, prepared once; each derivation clones it instead of re-keying.
    mac: HmacSha256,
}

impl KeyDeriver {
    /// A deriver keyed with `secret`. Any length is accepted (HMAC's rule); use at least 32
    /// random bytes, since everyone who knows the secret and a stored salt knows the key.
    pub fn new(secret: &[u8]) -> Result<Self, OpaqueError> {
        // HMAC takes keys of any length (RFC 2104 hashes long ones and pads short ones), so
        // this cannot fail in practice; the `Result` is the `hmac` crate's general signature.
        let mac = <HmacSha256 as KeyInit>::new_from_slice(secret).map_err(OpaqueError::Secret)?;
        Ok(Self { mac })
    }

    /// The key for `salt`: always the same for the same secret and salt.
    pub fn derive(&self, salt: &str) -> String {
        let mac = self.mac_over(KEY_CONTEXT, salt);
        // 20 of the 32 bytes: DRF's key is 160 bits written as 40 hex digits, and clients and
        // column widths (`varchar(40)`) expect exactly that.
        hex::encode(&mac[..KEY_LENGTH / 2])
    }

    /// The salt that replaces `stale_salt` once the secret has changed. It depends on the old
    /// salt and the new secret only, so concurrent logins that find the same stale record all
    /// store the same replacement and hand out the same key, and rotating back to an earlier
    /// secret never revives a key that was replaced under it.
    pub(crate) fn resalt(&self, stale_salt: &str) -> String {
        let mac = self.mac_over(RESALT_CONTEXT, stale_salt);
        hex::encode(&mac[..SALT_BYTES])
    }

    fn mac_over(&self, context: &[u8], salt: &str) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(context);
        mac.update(salt.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for KeyDeriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyDeriver").field("secret", &"<redacted>").finish()
    }
}

/// What a key is stored and looked up by: `hex(SHA-256(key))`, 64 lowercase hex digits.
///
/// A plain hash suffices: keys carry 160 random-looking bits, so there is nothing to
/// brute-force, and a fast hash keeps a lookup per request cheap.
pub fn key_digest(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Whether `candidate` has the shape of a key (40 lowercase hex digits). Anything else can
/// never match, so callers may answer without a lookup.
pub fn is_well_formed_key(candidate: &str) -> bool {
    candidate.len() == KEY_LENGTH && candidate.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A fresh random salt, hex-encoded. Read from the OS generator directly so that a failing
/// entropy source is an error to report, not a panic inside a thread-local generator.
pub(crate) fn new_salt() -> Result<String, OpaqueError> {
    let mut bytes = [0u8; SALT_BYTES];
    OsRng.try_fill_bytes(&mut bytes).map_err(OpaqueError::Entropy)?;
    Ok(hex::encode(bytes))
}

/// Equality of two digests in constant time. The store found the record by digest already;
/// checking again ourselves means a store whose equality is looser than byte equality (a
/// case-insensitive collation, blank-padded `CHAR` columns) can never let a near-miss through.
pub(crate) fn digests_match(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference_hmac(secret: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(secret).expect("hmac takes any key length");
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().to_vec()
    }

    #[test]
    fn keys_have_drf_shape() {
        let key = KeyDeriver::new(b"secret").expect("deriver").derive("00112233445566778899aabbccddeeff");
        assert_eq!(key.len(), KEY_LENGTH);
        assert!(is_well_formed_key(&key), "{key}");
    }

    #[test]
    fn derivation_is_stable_for_same_secret_and_salt() {
        let salt = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
        let a = KeyDeriver::new(b"the same secret").expect("deriver");
        let b = KeyDeriver::new(b"the same secret").expect("deriver");
        assert_eq!(a.derive(salt), a.derive(salt));
        assert_eq!(a.derive(salt), b.derive(salt));
        assert_ne!(a.derive(salt), a.derive("another salt"));
        assert_ne!(a.derive(salt), KeyDeriver::new(b"another secret").expect("deriver").derive(salt));
    }

    #[test]
    fn derivation_is_the_documented_hmac() {
        // Short, block-sized and longer-than-block secrets (RFC 2104 pads, keeps or hashes them).
        let salt = "abcdef0123456789abcdef0123456789";
        for secret in [b"k".to_vec(), vec![7u8; 64], vec![9u8; 131]] {
            let expected = reference_hmac(&secret, &[KEY_CONTEXT, salt.as_bytes()]);
            assert_eq!(KeyDeriver::new(&secret).expect("deriver").derive(salt), hex::encode(&expected[..20]));
        }
    }

    #[test]
    fn digest_is_hex_sha256() {
        assert_eq!(key_digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn salts_are_fresh_hex() {
        let a = new_salt().expect("salt");
        let b = new_salt().expect("salt");
        assert_eq!(a.len(), SALT_BYTES * 2);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn resalt_is_deterministic_and_new() {
        let deriver = KeyDeriver::new(b"secret").expect("deriver");
        let stale = "00000000000000000000000000000000";
        assert_eq!(deriver.resalt(stale), deriver.resalt(stale));
        assert_ne!(deriver.resalt(stale), stale);
        assert_ne!(deriver.resalt(stale), KeyDeriver::new(b"other").expect("deriver").resalt(stale));
        assert_eq!(deriver.resalt(stale).len(), SALT_BYTES * 2);
    }

    #[test]
    fn well_formed_keys() {
        assert!(is_well_formed_key(&"0".repeat(40)));
        assert!(is_well_formed_key("6792c5a74792f66a570ebb9fd6255c1dd9a0f114"));
        for bad in [
            "",
            "short",
            "ZZZZ",
            &"x".repeat(41),
            &"a".repeat(39),
            &"A".repeat(40),
            "6792C5A74792F66A570EBB9FD6255C1DD9A0F114",
        ] {
            assert!(!is_well_formed_key(bad), "{bad}");
        }
        // 40 bytes but not 40 ASCII characters.
        assert!(!is_well_formed_key(&"é".repeat(20)));
    }

    #[test]
    fn debug_hides_the_secret() {
        let shown = format!("{:?}", KeyDeriver::new(b"hunter2-super-secret").expect("deriver"));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn digest_comparison() {
        assert!(digests_match("abc", "abc"));
        assert!(!digests_match("abc", "abd"));
        assert!(!digests_match("abc", "abcd"));
    }
}
