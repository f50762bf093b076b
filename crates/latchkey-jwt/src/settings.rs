use crate::error::{JwtError, KeyError};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};
use std::fmt;
use std::sync::Once;
use std::time::Duration;

/// simplejwt's `SIMPLE_JWT` settings that Latchkey honours, with simplejwt's defaults: 5 minute
/// access tokens, 1 day refresh tokens, no rotation, no audience or issuer, no leeway.
///
/// The algorithm and its keys are fixed by the constructor, which checks that they fit
/// together; the rest is set with the `with_*` methods and read with the getters. The fields
/// are private so that what one setting implies for another (the blacklist check of the
/// verify view follows rotation unless chosen explicitly) holds whatever the order of calls.
///
/// Lifetimes may be zero, as simplejwt allows (`timedelta(0)`): such tokens are expired as
/// soon as they are issued. A lifetime too long for the clock fails when a token is issued,
/// with [`JwtError::Internal`](crate::JwtError::Internal).
pub struct JwtSettings {
    algorithm: Algorithm,
    encoding_key: EncodingKey,
    decoding_key: DecodingKey,
    access_lifetime: Duration,
    refresh_lifetime: Duration,
    rotate_refresh_tokens: bool,
    blacklist_after_rotation: bool,
    /// An explicit choice made with [`JwtSettings::with_verify_checks_blacklist`]; `None`
    /// follows rotation (see [`JwtSettings::verify_checks_blacklist`]).
    verify_checks_blacklist: Option<bool>,
    audience: Option<String>,
    issuer: Option<String>,
    leeway: Duration,
    /// A claim carrying the session tag, when a deployment wants one (`sid`).
    session_claim: Option<String>,
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
            move |source: jsonwebtoken::errors::Error| KeyError::InvalidPem { which, algorithm, source }
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
            access_lifetime: Duration::from_secs(5 * 60),
            refresh_lifetime: Duration::from_secs(24 * 60 * 60),
            rotate_refresh_tokens: false,
            blacklist_after_rotation: false,
            verify_checks_blacklist: None,
            audience: None,
            issuer: None,
            leeway: Duration::ZERO,
            session_claim: None,
        }
    }

    /// `ACCESS_TOKEN_LIFETIME` and `REFRESH_TOKEN_LIFETIME`. Sub-second parts count, as in
    /// simplejwt, where `exp` is the issue instant plus the lifetime, then truncated.
    pub fn with_lifetimes(mut self, access: Duration, refresh: Duration) -> Self {
        self.access_lifetime = access;
        self.refresh_lifetime = refresh;
        self
    }

    /// `ROTATE_REFRESH_TOKENS` and `BLACKLIST_AFTER_ROTATION`. Unless
    /// [`with_verify_checks_blacklist`](Self::with_verify_checks_blacklist) chose otherwise,
    /// this also decides whether the verify view consults the blacklist.
    pub fn with_rotation(mut self, rotate: bool, blacklist_after: bool) -> Self {
        self.rotate_refresh_tokens = rotate;
        self.blacklist_after_rotation = blacklist_after;
        self
    }

    /// Overrides the default of [`verify_checks_blacklist`](Self::verify_checks_blacklist)
    /// explicitly. The choice stands whether it is made before or after
    /// [`with_rotation`](Self::with_rotation).
    pub fn with_verify_checks_blacklist(mut self, checks: bool) -> Self {
        self.verify_checks_blacklist = Some(checks);
        self
    }

    /// `AUDIENCE`: added to issued tokens as `aud`, and then required of every token.
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// `ISSUER`: added to issued tokens as `iss`, and then required of every token.
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// `LEEWAY`: clock skew allowed on `exp`, `nbf` and `iat`. A fractional leeway compares
    /// as PyJWT's float arithmetic does.
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Adds the session's tag (also the first half of every `jti`) to every token under this
    /// claim name, such as `sid`. Off by default: simplejwt's claim set stays exactly its own.
    /// A name of [`RESERVED_CLAIMS`](crate::RESERVED_CLAIMS) is refused.
    pub fn with_session_claim(mut self, name: impl Into<String>) -> Result<Self, JwtError> {
        let name = name.into();
        if crate::claims::RESERVED_CLAIMS.contains(&name.as_str()) || name.is_empty() {
            return Err(JwtError::ReservedClaim(name));
        }
        self.session_claim = Some(name);
        Ok(self)
    }

    pub fn session_claim(&self) -> Option<&str> {
        self.session_claim.as_deref()
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub fn access_lifetime(&self) -> Duration {
        self.access_lifetime
    }

    pub fn refresh_lifetime(&self) -> Duration {
        self.refresh_lifetime
    }

    pub fn rotate_refresh_tokens(&self) -> bool {
        self.rotate_refresh_tokens
    }

    pub fn blacklist_after_rotation(&self) -> bool {
        self.blacklist_after_rotation
    }

    /// Whether the verify view refuses blacklisted tokens. simplejwt consults the blacklist
    /// there only under `BLACKLIST_AFTER_ROTATION` (and then answers 400); Latchkey refuses with
    /// the usual 401 by default, except where a deployment rotates refresh tokens without
    /// blacklisting them: such a deployment keeps old refresh tokens alive on purpose, and its
    /// clients rely on simplejwt's verify (the contract's `rotation_noblacklist` profile).
    /// So the default is `!rotate || blacklist_after`, unless set explicitly with
    /// [`with_verify_checks_blacklist`](Self::with_verify_checks_blacklist).
    pub fn verify_checks_blacklist(&self) -> bool {
        self.verify_checks_blacklist.unwrap_or(!self.rotate_refresh_tokens || self.blacklist_after_rotation)
    }

    pub fn audience(&self) -> Option<&str> {
        self.audience.as_deref()
    }

    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    pub fn leeway(&self) -> Duration {
        self.leeway
    }

    pub(crate) fn encoding_key(&self) -> &EncodingKey {
        &self.encoding_key
    }

    pub(crate) fn decoding_key(&self) -> &DecodingKey {
        &self.decoding_key
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
            .field("verify_checks_blacklist", &self.verify_checks_blacklist())
            .field("audience", &self.audience)
            .field("issuer", &self.issuer)
            .field("leeway", &self.leeway)
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
    let signature = jsonwebtoken::crypto::sign(PROBE, encoding_key, algorithm)
        .map_err(|source| KeyError::InvalidPem { which: "private", algorithm, source })?;
    match jsonwebtoken::crypto::verify(&signature, PROBE, decoding_key, algorithm) {
        Ok(true) => Ok(()),
        Ok(false) => Err(KeyError::Mismatch),
        Err(source) => Err(KeyError::InvalidPem { which: "public", algorithm, source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    const RSA_PRIVATE: &[u8] = include_bytes!("testdata/rsa_private.pem");
    const RSA_PUBLIC: &[u8] = include_bytes!("testdata/rsa_public.pem");
    const RSA_OTHER_PUBLIC: &[u8] = include_bytes!("testdata/rsa_other_public.pem");
    const ED_PRIVATE: &[u8] = include_bytes!("testdata/ed25519_private.pem");
    const ED_PUBLIC: &[u8] = include_bytes!("testdata/ed25519_public.pem");
    const EC_PRIVATE: &[u8] = include_bytes!("testdata/ec256_private.pem");
    const EC_PUBLIC: &[u8] = include_bytes!("testdata/ec256_public.pem");

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn defaults_are_simplejwts() {
        let s = JwtSettings::hmac(Algorithm::HS256, b"secret").expect("settings");
        assert_eq!(s.access_lifetime(), secs(300));
        assert_eq!(s.refresh_lifetime(), secs(86_400));
        assert!(!s.rotate_refresh_tokens() && !s.blacklist_after_rotation());
        assert!(s.verify_checks_blacklist());
        assert_eq!((s.audience(), s.issuer(), s.leeway()), (None, None, Duration::ZERO));
    }

    #[test]
    fn builders_set_fields() {
        let s = JwtSettings::hmac(Algorithm::HS512, b"secret")
            .expect("settings")
            .with_lifetimes(secs(3), secs(8))
            .with_rotation(true, true)
            .with_audience("aud")
            .with_issuer("iss")
            .with_leeway(secs(7));
        assert_eq!(s.algorithm(), Algorithm::HS512);
        assert_eq!((s.access_lifetime(), s.refresh_lifetime()), (secs(3), secs(8)));
        assert!(s.rotate_refresh_tokens() && s.blacklist_after_rotation());
        assert_eq!((s.audience(), s.issuer(), s.leeway()), (Some("aud"), Some("iss"), secs(7)));
    }

    #[test]
    fn durations_keep_sub_second_parts_and_may_be_zero() {
        let s = JwtSettings::hmac(Algorithm::HS256, b"secret")
            .expect("settings")
            .with_lifetimes(Duration::from_millis(1500), Duration::ZERO)
            .with_leeway(Duration::from_millis(250));
        assert_eq!(s.access_lifetime(), Duration::from_millis(1500));
        assert_eq!(s.refresh_lifetime(), Duration::ZERO);
        assert_eq!(s.leeway(), Duration::from_millis(250));
    }

    #[test]
    fn verify_blacklist_default_follows_rotation_unless_chosen() {
        let base = || JwtSettings::hmac(Algorithm::HS256, b"secret").expect("settings");
        for (rotate, blacklist_after, default) in
            [(false, false, true), (true, true, true), (false, true, true), (true, false, false)]
        {
            assert_eq!(base().with_rotation(rotate, blacklist_after).verify_checks_blacklist(), default);
            for explicit in [true, false] {
                // Either order of calls gives the explicit choice.
                let after = base().with_rotation(rotate, blacklist_after).with_verify_checks_blacklist(explicit);
                let before = base().with_verify_checks_blacklist(explicit).with_rotation(rotate, blacklist_after);
                assert_eq!((after.verify_checks_blacklist(), before.verify_checks_blacklist()), (explicit, explicit));
            }
        }
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
    fn invalid_pem_keeps_jsonwebtokens_error_as_its_source() {
        let err = JwtSettings::from_pem(Algorithm::RS256, b"not a pem", RSA_PUBLIC).expect_err("refused");
        assert_eq!(err.to_string(), "the private key is not a usable RS256 PEM key");
        let source = err.source().expect("a source");
        assert!(source.downcast_ref::<jsonwebtoken::errors::Error>().is_some(), "{source:?}");
    }

    #[test]
    fn debug_output_leaves_keys_out() {
        let s = JwtSettings::hmac(Algorithm::HS256, b"very-secret-value").expect("settings");
        let shown = format!("{s:?}");
        assert!(!shown.contains("very-secret-value") && !shown.contains("key"), "{shown}");
    }

    #[test]
    fn algorithm_names_parse_through_the_reexport() {
        // The server reads LATCHKEY_JWT_ALGORITHM with jsonwebtoken's FromStr; note `EdDSA`.
        for name in ["HS256", "HS384", "HS512", "RS256", "PS512", "ES256", "ES384", "EdDSA"] {
            let parsed: crate::Algorithm = name.parse().expect(name);
            assert_eq!(format!("{parsed:?}"), name);
        }
        for bad in ["hs256", "EDDSA", "Ed25519", "none", ""] {
            assert!(bad.parse::<crate::Algorithm>().is_err(), "{bad}");
        }
    }
}
