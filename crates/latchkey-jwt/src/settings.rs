use crate::error::KeyError;
use chrono::TimeDelta;
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};
use std::fmt;
use std::sync::Once;

/// simplejwt's `SIMPLE_JWT` settings that Latchkey honours, with simplejwt's defaults: 5 minute
/// access tokens, 1 day refresh tokens, no rotation, no audience or issuer, no leeway.
///
/// The algorithm and its keys are fixed by the constructor, which checks that they fit
/// together; the rest is plain data, set with the `with_*` methods or directly.
pub struct JwtSettings {
    algorithm: Algorithm,
    encoding_key: EncodingKey,
    decoding_key: DecodingKey,
    pub access_lifetime: TimeDelta,
    pub refresh_lifetime: TimeDelta,
    pub rotate_refresh_tokens: bool,
    pub blacklist_after_rotation: bool,
    /// Whether the verify view refuses blacklisted tokens. simplejwt consults the blacklist
    /// there only under `BLACKLIST_AFTER_ROTATION` (and then answers 400); Latchkey refuses with
    /// the usual 401 by default, except where a deployment rotates refresh tokens without
    /// blacklisting them: such a deployment keeps old refresh tokens alive on purpose, and its
    /// clients rely on simplejwt's verify (the contract's `rotation_noblacklist` profile).
    /// [`JwtSettings::with_rotation`] sets this default; override it after that call.
    pub verify_checks_blacklist: bool,
    /// Added to issued tokens as `aud`, and then required of every token.
    pub audience: Option<String>,
    /// Added to issued tokens as `iss`, and then required of every token.
    pub issuer: Option<String>,
    /// Clock skew allowed on `exp`, `nbf` and `iat`.
    pub leeway_secs: u64,
}

impl JwtSettings {
    /// HS256, HS384 or HS512 with a shared secret (simplejwt's `SIGNING_KEY`).
    pub fn hmac(algorithm: Algorithm, secret: &[u8]) -> Result<Self, KeyError> {
        install_crypto_provider();
        if algorithm.family() != AlgorithmFamily::Hmac {
            return Err(KeyError::NotHmac(algorithm));
        }
        if secret.is_empty() {
            return Err(KeyError::EmptySecret);
        }
        Ok(Self::with_keys(algorithm, EncodingKey::from_secret(secret), DecodingKey::from_secret(secret)))
    }

    /// An asymmetric algorithm (RS*, PS*, ES256/ES384, EdDSA) with a PEM private key (PKCS#8,
    /// or PKCS#1 for RSA) and the matching PEM public key (simplejwt's `VERIFYING_KEY`).
    /// The pair is tried once, so that a mismatch fails here rather than on every request.
    pub fn from_pem(algorithm: Algorithm, private_pem: &[u8], public_pem: &[u8]) -> Result<Self, KeyError> {
        install_crypto_provider();
        let invalid = |which: &'static str| {
            move |err: jsonwebtoken::errors::Error| KeyError::InvalidPem { which, algorithm, reason: err.to_string() }
        };
        let (encoding_key, decoding_key) = match algorithm.family() {
            AlgorithmFamily::Hmac => return Err(KeyError::NotAsymmetric(algorithm)),
            AlgorithmFamily::Rsa => (
                EncodingKey::from_rsa_pem(private_pem).map_err(invalid("private"))?,
                DecodingKey::from_rsa_pem(public_pem).map_err(invalid("public"))?,
            ),
            AlgorithmFamily::Ec => (
                EncodingKey::from_ec_pem(private_pem).map_err(invalid("private"))?,
                DecodingKey::from_ec_pem(public_pem).map_err(invalid("public"))?,
            ),
            AlgorithmFamily::Ed => (
                EncodingKey::from_ed_pem(private_pem).map_err(invalid("private"))?,
                DecodingKey::from_ed_pem(public_pem).map_err(invalid("public"))?,
            ),
        };
        check_pair(algorithm, &encoding_key, &decoding_key)?;
        Ok(Self::with_keys(algorithm, encoding_key, decoding_key))
    }

    fn with_keys(algorithm: Algorithm, encoding_key: EncodingKey, decoding_key: DecodingKey) -> Self {
        Self {
            algorithm,
            encoding_key,
            decoding_key,
            access_lifetime: TimeDelta::minutes(5),
            refresh_lifetime: TimeDelta::days(1),
            rotate_refresh_tokens: false,
            blacklist_after_rotation: false,
            verify_checks_blacklist: true,
            audience: None,
            issuer: None,
            leeway_secs: 0,
        }
    }

    pub fn with_lifetimes(mut self, access_secs: i64, refresh_secs: i64) -> Self {
        self.access_lifetime = TimeDelta::seconds(access_secs);
        self.refresh_lifetime = TimeDelta::seconds(refresh_secs);
        self
    }

    /// `ROTATE_REFRESH_TOKENS` and `BLACKLIST_AFTER_ROTATION`.
    pub fn with_rotation(mut self, rotate: bool, blacklist_after: bool) -> Self {
        self.rotate_refresh_tokens = rotate;
        self.blacklist_after_rotation = blacklist_after;
        self.verify_checks_blacklist = !rotate || blacklist_after;
        self
    }

    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    pub fn with_leeway(mut self, secs: u64) -> Self {
        self.leeway_secs = secs;
        self
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub(crate) fn encoding_key(&self) -> &EncodingKey {
        &self.encoding_key
    }

    pub(crate) fn decoding_key(&self) -> &DecodingKey {
        &self.decoding_key
    }

    /// The leeway as a signed number of seconds, for arithmetic on Unix times.
    pub(crate) fn leeway(&self) -> i64 {
        i64::try_from(self.leeway_secs).unwrap_or(i64::MAX)
    }
}

// Keys stay out of Debug output, so that logging the configuration cannot leak them.
impl fmt::Debug for JwtSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtSettings")
            .field("algorithm", &self.algorithm)
            .field("access_lifetime", &self.access_lifetime)
            .field("refresh_lifetime", &self.refresh_lifetime)
            .field("rotate_refresh_tokens", &self.rotate_refresh_tokens)
            .field("blacklist_after_rotation", &self.blacklist_after_rotation)
            .field("verify_checks_blacklist", &self.verify_checks_blacklist)
            .field("audience", &self.audience)
            .field("issuer", &self.issuer)
            .field("leeway_secs", &self.leeway_secs)
            .finish_non_exhaustive()
    }
}

/// jsonwebtoken 11 picks its backend from crate features at first use and panics when it
/// finds none or both, which feature unification in a workspace can cause. Installing the
/// aws-lc provider explicitly avoids that; when something else in the process installed a
/// provider first, that one stays, which is what its installer wanted.
fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    });
}

fn check_pair(algorithm: Algorithm, encoding_key: &EncodingKey, decoding_key: &DecodingKey) -> Result<(), KeyError> {
    const PROBE: &[u8] = b"latchkey key pair check";
    let signature = jsonwebtoken::crypto::sign(PROBE, encoding_key, algorithm).map_err(|err| KeyError::InvalidPem {
        which: "private",
        algorithm,
        reason: err.to_string(),
    })?;
    match jsonwebtoken::crypto::verify(&signature, PROBE, decoding_key, algorithm) {
        Ok(true) => Ok(()),
        Ok(false) => Err(KeyError::Mismatch),
        Err(err) => Err(KeyError::InvalidPem { which: "public", algorithm, reason: err.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA_PRIVATE: &[u8] = include_bytes!("testdata/rsa_private.pem");
    const RSA_PUBLIC: &[u8] = include_bytes!("testdata/rsa_public.pem");
    const RSA_OTHER_PUBLIC: &[u8] = include_bytes!("testdata/rsa_other_public.pem");
    const ED_PRIVATE: &[u8] = include_bytes!("testdata/ed25519_private.pem");
    const ED_PUBLIC: &[u8] = include_bytes!("testdata/ed25519_public.pem");
    const EC_PRIVATE: &[u8] = include_bytes!("testdata/ec256_private.pem");
    const EC_PUBLIC: &[u8] = include_bytes!("testdata/ec256_public.pem");

    #[test]
    fn defaults_are_simplejwts() {
        let s = JwtSettings::hmac(Algorithm::HS256, b"secret").expect("settings");
        assert_eq!(s.access_lifetime, TimeDelta::seconds(300));
        assert_eq!(s.refresh_lifetime, TimeDelta::seconds(86_400));
        assert!(!s.rotate_refresh_tokens && !s.blacklist_after_rotation);
        assert_eq!((s.audience.as_deref(), s.issuer.as_deref(), s.leeway_secs), (None, None, 0));
    }

    #[test]
    fn builders_set_fields() {
        let s = JwtSettings::hmac(Algorithm::HS512, b"secret")
            .expect("settings")
            .with_lifetimes(3, 8)
            .with_rotation(true, true)
            .with_audience("aud")
            .with_issuer("iss")
            .with_leeway(7);
        assert_eq!(s.algorithm(), Algorithm::HS512);
        assert_eq!((s.access_lifetime, s.refresh_lifetime), (TimeDelta::seconds(3), TimeDelta::seconds(8)));
        assert!(s.rotate_refresh_tokens && s.blacklist_after_rotation);
        assert_eq!((s.audience.as_deref(), s.issuer.as_deref(), s.leeway()), (Some("aud"), Some("iss"), 7));
    }

    #[test]
    fn hmac_refuses_other_families_and_empty_secrets() {
        assert!(matches!(JwtSettings::hmac(Algorithm::RS256, b"secret"), Err(KeyError::NotHmac(_))));
        assert!(matches!(JwtSettings::hmac(Algorithm::HS256, b""), Err(KeyError::EmptySecret)));
    }

    #[test]
    fn pem_pairs_load_and_are_checked() {
        for (alg, private, public) in [
            (Algorithm::RS256, RSA_PRIVATE, RSA_PUBLIC),
            (Algorithm::PS384, RSA_PRIVATE, RSA_PUBLIC),
            (Algorithm::EdDSA, ED_PRIVATE, ED_PUBLIC),
            (Algorithm::ES256, EC_PRIVATE, EC_PUBLIC),
        ] {
            let settings = JwtSettings::from_pem(alg, private, public).expect("pair loads");
            assert_eq!(settings.algorithm(), alg);
        }
        assert!(matches!(
            JwtSettings::from_pem(Algorithm::RS256, RSA_PRIVATE, RSA_OTHER_PUBLIC),
            Err(KeyError::Mismatch)
        ));
        assert!(matches!(
            JwtSettings::from_pem(Algorithm::HS256, RSA_PRIVATE, RSA_PUBLIC),
            Err(KeyError::NotAsymmetric(_))
        ));
        assert!(matches!(
            JwtSettings::from_pem(Algorithm::EdDSA, RSA_PRIVATE, RSA_PUBLIC),
            Err(KeyError::InvalidPem { .. })
        ));
        assert!(matches!(
            JwtSettings::from_pem(Algorithm::RS256, b"not a pem", RSA_PUBLIC),
            Err(KeyError::InvalidPem { which: "private", .. })
        ));
        // A P-256 key cannot sign ES384.
        assert!(JwtSettings::from_pem(Algorithm::ES384, EC_PRIVATE, EC_PUBLIC).is_err());
    }

    #[test]
    fn debug_output_leaves_keys_out() {
        let s = JwtSettings::hmac(Algorithm::HS256, b"very-secret-value").expect("settings");
        let shown = format!("{s:?}");
        assert!(!shown.contains("very-secret-value") && !shown.contains("key"), "{shown}");
    }
}
