//! Encoding and decoding, with PyJWT's rules as simplejwt configures them. jsonwebtoken checks
//! the shape, the algorithm and the signature; the registered claims are checked here, because
//! jsonwebtoken's own checks differ from PyJWT's (a 60 s default leeway, `aud` refused when no
//! audience is configured, no `iat` check, floats rounded rather than truncated).

use crate::claims::{Claims, numeric_date};
use crate::clock::{UnixNanos, nanos};
use crate::error::{JwtError, TokenError};
use crate::settings::JwtSettings;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Validation, decode};
use serde_json::{Map, Value};

/// Signs and reads tokens under one [`JwtSettings`]: simplejwt's `TokenBackend`. Pure, no
/// storage; [`JwtTokens`](crate::JwtTokens) builds the token classes' rules on it.
#[derive(Debug)]
pub(crate) struct JwtCodec {
    settings: JwtSettings,
    validation: Validation,
}

impl JwtCodec {
    pub(crate) fn new(settings: JwtSettings) -> Self {
        let mut validation = Validation::new(settings.algorithm());
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.leeway = 0;
        Self { settings, validation }
    }

    pub(crate) fn settings(&self) -> &JwtSettings {
        &self.settings
    }

    /// The compact JWS of `claims`, with `aud` and `iss` set when configured (simplejwt's
    /// `TokenBackend.encode`). The header is PyJWT's, byte for byte: `{"alg":…,"typ":"JWT"}`.
    pub(crate) fn encode(&self, claims: &Claims) -> Result<String, JwtError> {
        let mut payload = claims.clone();
        if let Some(audience) = self.settings.audience() {
            payload.insert("aud", audience);
        }
        if let Some(issuer) = self.settings.issuer() {
            payload.insert("iss", issuer);
        }
        let mut header = Map::new();
        header.insert("alg".into(), serde_json::to_value(self.settings.algorithm()).map_err(JwtError::internal)?);
        header.insert("typ".into(), "JWT".into());
        let header = serde_json::to_vec(&header).map_err(JwtError::internal)?;
        let payload = serde_json::to_vec(payload.as_map()).map_err(JwtError::internal)?;
        let message = format!("{}.{}", base64url(&header), base64url(&payload));
        let signature =
            jsonwebtoken::crypto::sign(message.as_bytes(), self.settings.encoding_key(), self.settings.algorithm())
                .map_err(JwtError::internal)?;
        Ok(format!("{message}.{signature}"))
    }

    /// Decodes `token` as PyJWT's `jwt.decode` does for simplejwt, at `now`: anything wrong
    /// with the signature, format or registered claims is [`TokenError::Invalid`], except a
    /// passed `exp`, which is [`TokenError::Expired`] (and comes after the signature, so an
    /// expired token under another key is invalid). Type and id are not checked here.
    pub(crate) fn decode_at(&self, token: &str, now: UnixNanos) -> Result<Claims, TokenError> {
        self.decode_timed(token, now).map(|(claims, _)| claims)
    }

    /// [`decode_at`](Self::decode_at), with the time claims as they were read for the checks,
    /// for callers that keep them (typed claims, the scheme's cache).
    pub(crate) fn decode_timed(&self, token: &str, now: UnixNanos) -> Result<(Claims, TimeClaims), TokenError> {
        let data = decode::<Map<String, Value>>(token, self.settings.decoding_key(), &self.validation)
            .map_err(|_| TokenError::Invalid)?;
        let claims = Claims::from(data.claims);
        let times = TimeClaims::read(&claims)?;
        self.check_registered_claims(&claims, &times, now)?;
        Ok((claims, times))
    }

    // PyJWT's `_validate_claims`, in its order.
    fn check_registered_claims(&self, claims: &Claims, times: &TimeClaims, now: UnixNanos) -> Result<(), TokenError> {
        self.check_times(times, now)?;
        if let Some(issuer) = self.settings.issuer()
            && claims.get("iss").and_then(Value::as_str) != Some(issuer)
        {
            return Err(TokenError::Invalid);
        }
        if let Some(audience) = self.settings.audience()
            && !audience_matches(claims.get("aud"), audience)
        {
            return Err(TokenError::Invalid);
        }
        // PyJWT 2.10+ requires these to be strings whenever they are present.
        for name in ["sub", "jti"] {
            if claims.get(name).is_some_and(|value| !value.is_string()) {
                return Err(TokenError::Invalid);
            }
        }
        Ok(())
    }

    /// The time-dependent part of the checks: `iat` and `nbf` not in the future, `exp` not
    /// passed, each within the leeway.
    ///
    /// PyJWT compares the claims, truncated to integers, with `now` as a float timestamp and
    /// the leeway in float seconds. Nanoseconds give the same answers exactly, for any
    /// `Duration` leeway; with a whole-second leeway they are the comparisons of whole
    /// seconds that simplejwt's tests describe (expired once `now >= exp`).
    pub(crate) fn check_times(&self, times: &TimeClaims, now: UnixNanos) -> Result<(), TokenError> {
        let leeway = nanos(self.settings.leeway().as_nanos());
        let (earliest, latest) = (now.0.saturating_sub(leeway), now.0.saturating_add(leeway));
        let at = |secs: i64| UnixNanos::from_secs(secs).0;
        if times.iat.is_some_and(|iat| at(iat) > latest) || times.nbf.is_some_and(|nbf| at(nbf) > latest) {
            return Err(TokenError::Invalid);
        }
        if times.exp.is_some_and(|exp| at(exp) <= earliest) {
            return Err(TokenError::Expired);
        }
        Ok(())
    }
}

/// A token's `iat`, `nbf` and `exp`, read once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimeClaims {
    pub iat: Option<i64>,
    pub nbf: Option<i64>,
    pub exp: Option<i64>,
}

impl TimeClaims {
    /// Each present claim must be a number (PyJWT: `Token is invalid` otherwise).
    pub(crate) fn read(claims: &Claims) -> Result<Self, TokenError> {
        let read = |name| claims.get(name).map(|v| numeric_date(v).ok_or(TokenError::Invalid)).transpose();
        Ok(Self { iat: read("iat")?, nbf: read("nbf")?, exp: read("exp")? })
    }
}

// PyJWT's `_validate_aud`: a string or a list of strings, one of which is ours.
fn audience_matches(aud: Option<&Value>, audience: &str) -> bool {
    match aud {
        Some(Value::String(one)) => one == audience,
        Some(Value::Array(many)) => {
            many.iter().all(Value::is_string) && many.iter().any(|a| a.as_str() == Some(audience))
        }
        _ => false,
    }
}

/// Unpadded base64url (RFC 7515 §2), which JWS segments use.
pub(crate) fn base64url(input: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(input)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::claims;
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    use serde_json::json;

    const SECRET: &[u8] = b"codec-test-secret";
    const NOW: i64 = 1_800_000_000;

    /// `NOW` as an instant, `nanos` past the second.
    fn at(nanos: u32) -> UnixNanos {
        UnixNanos(UnixNanos::from_secs(NOW).0 + i128::from(nanos))
    }

    fn codec() -> JwtCodec {
        JwtCodec::new(JwtSettings::hmac(Algorithm::HS256, SECRET).expect("settings"))
    }

    fn craft(payload: &Value) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), payload, &EncodingKey::from_secret(SECRET))
            .expect("encode")
    }

    #[test]
    fn base64url_matches_rfc_4648_vectors() {
        let cases: [(&[u8], &str); 7] = [
            (b"", ""),
            (b"f", "Zg"),
            (b"fo", "Zm8"),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg"),
            (b"fooba", "Zm9vYmE"),
            (b"\xfb\xff\xbf", "-_-_"),
        ];
        for (raw, encoded) in cases {
            assert_eq!(base64url(raw), encoded);
        }
    }

    #[test]
    fn header_is_pyjwts_and_round_trips() {
        let codec = codec();
        let original = claims(json!({"token_type": "access", "exp": NOW + 60, "iat": NOW, "jti": "j", "user_id": "1"}));
        let token = codec.encode(&original).expect("encode");
        assert!(token.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."), "{token}");
        let decoded = codec.decode_at(&token, at(0)).expect("decode");
        assert_eq!(decoded, original);
        assert_eq!(
            serde_json::to_string(decoded.as_map()).expect("json"),
            format!(r#"{{"token_type":"access","exp":{},"iat":{NOW},"jti":"j","user_id":"1"}}"#, NOW + 60)
        );
    }

    #[test]
    fn foreign_tokens_with_the_key_decode() {
        let payload = json!({"exp": NOW + 60, "jti": "j", "role": "x"});
        assert_eq!(codec().decode_at(&craft(&payload), at(0)), Ok(claims(payload)));
    }

    #[test]
    fn format_signature_and_algorithm_problems_are_invalid() {
        let codec = codec();
        let good = codec.encode(&claims(json!({"exp": NOW + 60}))).expect("encode");
        let (head, rest) = good.split_once('.').expect("dots");
        let (body, _sig) = rest.split_once('.').expect("dots");
        let payload = json!({"exp": NOW + 60, "jti": "j"});
        let other_key =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &payload, &EncodingKey::from_secret(b"other"))
                .expect("encode");
        let hs384 = jsonwebtoken::encode(&Header::new(Algorithm::HS384), &payload, &EncodingKey::from_secret(SECRET))
            .expect("encode");
        let none = format!("{}.{}.", base64url(br#"{"alg":"none","typ":"JWT"}"#), base64url(br#"{"exp":9999999999}"#));
        let not_json = format!("{head}.{}.sig", base64url(b"not json"));
        let array = {
            let message = format!("{head}.{}", base64url(b"[1,2]"));
            let sig =
                jsonwebtoken::crypto::sign(message.as_bytes(), &EncodingKey::from_secret(SECRET), Algorithm::HS256)
                    .expect("sign");
            format!("{message}.{sig}")
        };
        for bad in [
            "",
            "garbage",
            "a.b.c",
            "eyJ.eyJ.sig",
            &"x".repeat(300),
            &format!("{head}.{body}.AAAA"),
            &format!("{head}.{body}"),
            &format!("{good}.extra"),
            &other_key,
            &hs384,
            &none,
            &not_json,
            &array,
        ] {
            assert_eq!(codec.decode_at(bad, at(0)), Err(TokenError::Invalid), "{bad}");
        }
    }

    #[test]
    fn expiry_has_no_default_leeway() {
        let codec = codec();
        let expiring = |exp: i64| craft(&json!({ "exp": exp }));
        assert!(codec.decode_at(&expiring(NOW + 1), at(0)).is_ok());
        // A token is expired once now >= exp.
        assert_eq!(codec.decode_at(&expiring(NOW), at(0)), Err(TokenError::Expired));
        assert_eq!(codec.decode_at(&expiring(NOW - 30), at(0)), Err(TokenError::Expired));
        assert_eq!(codec.decode_at(&expiring(-5), at(0)), Err(TokenError::Expired));
        // Truncated like Python's int(): a fraction past the second is still that second.
        assert_eq!(codec.decode_at(&craft(&json!({"exp": NOW as f64 + 0.9})), at(0)), Err(TokenError::Expired));
        assert!(codec.decode_at(&craft(&json!({"exp": NOW as f64 + 1.5})), at(0)).is_ok());
    }

    #[test]
    fn expired_under_another_key_is_invalid() {
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &json!({"exp": NOW - 30}),
            &EncodingKey::from_secret(b"k"),
        )
        .expect("encode");
        assert_eq!(codec().decode_at(&token, at(0)), Err(TokenError::Invalid));
    }

    #[test]
    fn malformed_or_future_times_are_invalid() {
        let codec = codec();
        for payload in [
            json!({"exp": "soon"}),
            json!({"exp": null}),
            json!({"exp": true}),
            json!({"exp": 1e300}),
            json!({"exp": [NOW + 60]}),
            json!({"exp": {"at": NOW + 60}}),
            json!({"exp": NOW + 60, "iat": "now"}),
            json!({"exp": NOW + 60, "iat": NOW + 1}),
            json!({"exp": NOW + 60, "nbf": NOW + 1}),
            json!({"exp": NOW + 60, "nbf": "later"}),
            // iat is checked before exp, as PyJWT does.
            json!({"exp": NOW - 60, "iat": NOW + 1}),
        ] {
            assert_eq!(codec.decode_at(&craft(&payload), at(0)), Err(TokenError::Invalid), "{payload}");
        }
        assert!(codec.decode_at(&craft(&json!({"exp": NOW + 60, "iat": NOW, "nbf": NOW})), at(0)).is_ok());
    }

    #[test]
    fn leeway_applies_to_exp_nbf_and_iat() {
        let leeway = std::time::Duration::from_secs(10);
        let codec = JwtCodec::new(JwtSettings::hmac(Algorithm::HS256, SECRET).expect("settings").with_leeway(leeway));
        assert!(codec.decode_at(&craft(&json!({"exp": NOW - 5, "iat": NOW + 5, "nbf": NOW + 10})), at(0)).is_ok());
        assert_eq!(codec.decode_at(&craft(&json!({"exp": NOW - 10})), at(0)), Err(TokenError::Expired));
        assert_eq!(
            codec.decode_at(&craft(&json!({"exp": NOW + 60, "iat": NOW + 11})), at(0)),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            codec.decode_at(&craft(&json!({"exp": NOW + 60, "nbf": NOW + 11})), at(0)),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn sub_second_instants_compare_like_pyjwts_floats() {
        let codec = codec();
        let token = |claim: &str, secs: i64| craft(&json!({ claim: secs }));
        // exp <= now: expired from the second itself on, whatever the fraction.
        assert_eq!(codec.decode_at(&token("exp", NOW), at(0)), Err(TokenError::Expired));
        assert_eq!(codec.decode_at(&token("exp", NOW + 1), at(999_999_999)).map(|_| ()), Ok(()));
        // iat > now: a token issued in the current second is not from the future.
        assert!(codec.decode_at(&token("iat", NOW), at(0)).is_ok());
        assert_eq!(codec.decode_at(&token("iat", NOW + 1), at(999_999_999)), Err(TokenError::Invalid));
    }

    #[test]
    fn fractional_leeway_compares_like_pyjwts_floats() {
        let leeway = std::time::Duration::from_millis(500);
        let codec = JwtCodec::new(JwtSettings::hmac(Algorithm::HS256, SECRET).expect("settings").with_leeway(leeway));
        let exp = craft(&json!({ "exp": NOW }));
        // exp <= now - 0.5: at NOW + 0.4 it is not yet expired, at NOW + 0.5 it is.
        assert!(codec.decode_at(&exp, at(400_000_000)).is_ok());
        assert_eq!(codec.decode_at(&exp, at(500_000_000)), Err(TokenError::Expired));
        // iat > now + 0.5: NOW + 1 is from the future at NOW + 0.4, not at NOW + 0.5.
        let iat = craft(&json!({ "iat": NOW + 1 }));
        assert_eq!(codec.decode_at(&iat, at(400_000_000)), Err(TokenError::Invalid));
        assert!(codec.decode_at(&iat, at(500_000_000)).is_ok());
    }

    #[test]
    fn a_huge_leeway_does_not_overflow() {
        let leeway = std::time::Duration::MAX;
        let codec = JwtCodec::new(JwtSettings::hmac(Algorithm::HS256, SECRET).expect("settings").with_leeway(leeway));
        assert!(codec.decode_at(&craft(&json!({"exp": 0, "iat": NOW * 2, "nbf": NOW * 2})), at(0)).is_ok());
    }

    #[test]
    fn sub_and_jti_must_be_strings() {
        let codec = codec();
        for payload in [json!({"exp": NOW + 60, "sub": 1}), json!({"exp": NOW + 60, "jti": 1}), json!({"jti": null})] {
            assert_eq!(codec.decode_at(&craft(&payload), at(0)), Err(TokenError::Invalid), "{payload}");
        }
        assert!(codec.decode_at(&craft(&json!({"exp": NOW + 60, "sub": "1"})), at(0)).is_ok());
    }

    #[test]
    fn audience_and_issuer_are_ignored_unless_configured() {
        let codec = codec();
        for payload in [
            json!({"exp": NOW + 60, "aud": "someone", "iss": "me"}),
            json!({"exp": NOW + 60, "aud": ["a", 1], "iss": 5}),
            json!({"exp": NOW + 60, "aud": {"x": 1}, "iss": {"y": 2}}),
        ] {
            assert!(codec.decode_at(&craft(&payload), at(0)).is_ok(), "{payload}");
        }
    }

    #[test]
    fn configured_audience_and_issuer_are_added_and_required() {
        let settings =
            JwtSettings::hmac(Algorithm::HS256, SECRET).expect("settings").with_audience("api").with_issuer("latchkey");
        let codec = JwtCodec::new(settings);
        let issued = codec.encode(&claims(json!({"exp": NOW + 60, "jti": "j"}))).expect("encode");
        let decoded = codec.decode_at(&issued, at(0)).expect("decode");
        assert_eq!(
            serde_json::to_string(decoded.as_map()).expect("json"),
            format!(r#"{{"exp":{},"jti":"j","aud":"api","iss":"latchkey"}}"#, NOW + 60)
        );
        let ok = |aud: Value| json!({"exp": NOW + 60, "aud": aud, "iss": "latchkey"});
        assert!(codec.decode_at(&craft(&ok(json!(["other", "api"]))), at(0)).is_ok());
        for payload in [
            json!({"exp": NOW + 60, "iss": "latchkey"}),
            ok(json!("other")),
            ok(json!(["other"])),
            ok(json!(["api", 1])),
            ok(json!("")),
            ok(json!(null)),
            json!({"exp": NOW + 60, "aud": "api"}),
            json!({"exp": NOW + 60, "aud": "api", "iss": "someone"}),
            json!({"exp": NOW + 60, "aud": "api", "iss": ["latchkey"]}),
        ] {
            assert_eq!(codec.decode_at(&craft(&payload), at(0)), Err(TokenError::Invalid), "{payload}");
        }
    }
}
