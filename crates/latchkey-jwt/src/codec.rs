//! Encoding and decoding, with PyJWT's rules as simplejwt configures them. jsonwebtoken checks
//! the shape, the algorithm and the signature; the registered claims are checked here, because
//! jsonwebtoken's own checks differ from PyJWT's (a 60 s default leeway, `aud` refused when no
//! audience is configured, no `iat` check, floats rounded rather than truncated).

use crate::claims::{Claims, numeric_date};
use crate::error::{JwtError, TokenError};
use crate::settings::JwtSettings;
use jsonwebtoken::{Validation, decode};
use serde_json::{Map, Value};

/// Signs and reads tokens under one [`JwtSettings`]; pure, no storage.
#[derive(Debug)]
pub struct JwtCodec {
    settings: JwtSettings,
    validation: Validation,
}

impl JwtCodec {
    pub fn new(settings: JwtSettings) -> Self {
        let mut validation = Validation::new(settings.algorithm());
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.leeway = 0;
        Self { settings, validation }
    }

    pub fn settings(&self) -> &JwtSettings {
        &self.settings
    }

    /// The compact JWS of `claims`, with `aud` and `iss` set when configured (simplejwt's
    /// `TokenBackend.encode`). The header is PyJWT's, byte for byte: `{"alg":…,"typ":"JWT"}`.
    pub fn encode(&self, claims: &Claims) -> Result<String, JwtError> {
        let mut payload = claims.clone();
        if let Some(audience) = &self.settings.audience {
            payload.insert("aud", audience.as_str());
        }
        if let Some(issuer) = &self.settings.issuer {
            payload.insert("iss", issuer.as_str());
        }
        let mut header = Map::new();
        header.insert("alg".into(), serde_json::to_value(self.settings.algorithm()).map_err(internal)?);
        header.insert("typ".into(), "JWT".into());
        let header = serde_json::to_vec(&header).map_err(internal)?;
        let payload = serde_json::to_vec(payload.as_map()).map_err(internal)?;
        let message = format!("{}.{}", base64url(&header), base64url(&payload));
        let signature =
            jsonwebtoken::crypto::sign(message.as_bytes(), self.settings.encoding_key(), self.settings.algorithm())
                .map_err(internal)?;
        Ok(format!("{message}.{signature}"))
    }

    /// Decodes `token` as PyJWT's `jwt.decode` does for simplejwt, at Unix time `now`: anything
    /// wrong with the signature, format or registered claims is [`TokenError::Invalid`],
    /// except a passed `exp`, which is [`TokenError::Expired`] (and comes after the signature,
    /// so an expired token under another key is invalid). Type and id are not checked here.
    pub fn decode_at(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        let data = decode::<Map<String, Value>>(token, self.settings.decoding_key(), &self.validation)
            .map_err(|_| TokenError::Invalid)?;
        let claims = Claims::from(data.claims);
        self.check_registered_claims(&claims, now)?;
        Ok(claims)
    }

    // PyJWT's `_validate_claims`, in its order.
    pub(crate) fn check_registered_claims(&self, claims: &Claims, now: i64) -> Result<(), TokenError> {
        self.check_times(&TimeClaims::read(claims)?, now)?;
        if let Some(issuer) = &self.settings.issuer
            && claims.get("iss").and_then(Value::as_str) != Some(issuer.as_str())
        {
            return Err(TokenError::Invalid);
        }
        if let Some(audience) = &self.settings.audience
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
    pub(crate) fn check_times(&self, times: &TimeClaims, now: i64) -> Result<(), TokenError> {
        let leeway = self.settings.leeway();
        if times.iat.is_some_and(|iat| iat > now.saturating_add(leeway))
            || times.nbf.is_some_and(|nbf| nbf > now.saturating_add(leeway))
        {
            return Err(TokenError::Invalid);
        }
        if times.exp.is_some_and(|exp| exp <= now.saturating_sub(leeway)) {
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

fn internal(err: impl std::fmt::Display) -> JwtError {
    JwtError::Internal(err.to_string())
}

/// Unpadded base64url (RFC 7515 §2), which JWS segments use.
pub(crate) fn base64url(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let group = byte(0) << 16 | byte(1) << 8 | byte(2);
        // n input bytes carry 8n bits: n + 1 sextets.
        for sextet in 0..=chunk.len() {
            let index = (group >> (18 - 6 * sextet)) & 0x3f;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::claims;
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    use serde_json::json;

    const SECRET: &[u8] = b"codec-test-secret";
    const NOW: i64 = 1_800_000_000;

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
        let decoded = codec.decode_at(&token, NOW).expect("decode");
        assert_eq!(decoded, original);
        assert_eq!(
            serde_json::to_string(decoded.as_map()).expect("json"),
            format!(r#"{{"token_type":"access","exp":{},"iat":{NOW},"jti":"j","user_id":"1"}}"#, NOW + 60)
        );
    }

    #[test]
    fn foreign_tokens_with_the_key_decode() {
        let payload = json!({"exp": NOW + 60, "jti": "j", "role": "x"});
        assert_eq!(codec().decode_at(&craft(&payload), NOW), Ok(claims(payload)));
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
            assert_eq!(codec.decode_at(bad, NOW), Err(TokenError::Invalid), "{bad}");
        }
    }

    #[test]
    fn expiry_has_no_default_leeway() {
        let codec = codec();
        let at = |exp: i64| craft(&json!({ "exp": exp }));
        assert!(codec.decode_at(&at(NOW + 1), NOW).is_ok());
        // A token is expired once now >= exp.
        assert_eq!(codec.decode_at(&at(NOW), NOW), Err(TokenError::Expired));
        assert_eq!(codec.decode_at(&at(NOW - 30), NOW), Err(TokenError::Expired));
        assert_eq!(codec.decode_at(&at(-5), NOW), Err(TokenError::Expired));
        // Truncated like Python's int(): a fraction past the second is still that second.
        assert_eq!(codec.decode_at(&craft(&json!({"exp": NOW as f64 + 0.9})), NOW), Err(TokenError::Expired));
        assert!(codec.decode_at(&craft(&json!({"exp": NOW as f64 + 1.5})), NOW).is_ok());
    }

    #[test]
    fn expired_under_another_key_is_invalid() {
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &json!({"exp": NOW - 30}),
            &EncodingKey::from_secret(b"k"),
        )
        .expect("encode");
        assert_eq!(codec().decode_at(&token, NOW), Err(TokenError::Invalid));
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
            assert_eq!(codec.decode_at(&craft(&payload), NOW), Err(TokenError::Invalid), "{payload}");
        }
        assert!(codec.decode_at(&craft(&json!({"exp": NOW + 60, "iat": NOW, "nbf": NOW})), NOW).is_ok());
    }

    #[test]
    fn leeway_applies_to_exp_nbf_and_iat() {
        let codec = JwtCodec::new(JwtSettings::hmac(Algorithm::HS256, SECRET).expect("settings").with_leeway(10));
        assert!(codec.decode_at(&craft(&json!({"exp": NOW - 5, "iat": NOW + 5, "nbf": NOW + 10})), NOW).is_ok());
        assert_eq!(codec.decode_at(&craft(&json!({"exp": NOW - 10})), NOW), Err(TokenError::Expired));
        assert_eq!(codec.decode_at(&craft(&json!({"exp": NOW + 60, "iat": NOW + 11})), NOW), Err(TokenError::Invalid));
        assert_eq!(codec.decode_at(&craft(&json!({"exp": NOW + 60, "nbf": NOW + 11})), NOW), Err(TokenError::Invalid));
    }

    #[test]
    fn sub_and_jti_must_be_strings() {
        let codec = codec();
        for payload in [json!({"exp": NOW + 60, "sub": 1}), json!({"exp": NOW + 60, "jti": 1}), json!({"jti": null})] {
            assert_eq!(codec.decode_at(&craft(&payload), NOW), Err(TokenError::Invalid), "{payload}");
        }
        assert!(codec.decode_at(&craft(&json!({"exp": NOW + 60, "sub": "1"})), NOW).is_ok());
    }

    #[test]
    fn audience_and_issuer_are_ignored_unless_configured() {
        let codec = codec();
        for payload in [
            json!({"exp": NOW + 60, "aud": "someone", "iss": "me"}),
            json!({"exp": NOW + 60, "aud": ["a", 1], "iss": 5}),
            json!({"exp": NOW + 60, "aud": {"x": 1}, "iss": {"y": 2}}),
        ] {
            assert!(codec.decode_at(&craft(&payload), NOW).is_ok(), "{payload}");
        }
    }

    #[test]
    fn configured_audience_and_issuer_are_added_and_required() {
        let settings =
            JwtSettings::hmac(Algorithm::HS256, SECRET).expect("settings").with_audience("api").with_issuer("latchkey");
        let codec = JwtCodec::new(settings);
        let issued = codec.encode(&claims(json!({"exp": NOW + 60, "jti": "j"}))).expect("encode");
        let decoded = codec.decode_at(&issued, NOW).expect("decode");
        assert_eq!(
            serde_json::to_string(decoded.as_map()).expect("json"),
            format!(r#"{{"exp":{},"jti":"j","aud":"api","iss":"latchkey"}}"#, NOW + 60)
        );
        let ok = |aud: Value| json!({"exp": NOW + 60, "aud": aud, "iss": "latchkey"});
        assert!(codec.decode_at(&craft(&ok(json!(["other", "api"]))), NOW).is_ok());
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
            assert_eq!(codec.decode_at(&craft(&payload), NOW), Err(TokenError::Invalid), "{payload}");
        }
    }
}
