//! The typed payload of an access token that checked out.

use crate::claims::{Claims, JTI_CLAIM, TOKEN_TYPE_CLAIM, USER_ID_CLAIM, UserIdClaim};
use crate::codec::TimeClaims;
use crate::error::TokenError;
use crate::payload::TokenKind;
use serde_json::Value;

/// An access token's claims, as [`JwtTokens::verify_access`](crate::JwtTokens::verify_access)
/// returns them: the ones simplejwt's token classes set, typed, and every other claim in
/// [`extra`](Self::extra), in the token's order (a `get_token` override's claims, `aud`,
/// `iss`, `nbf`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct AccessClaims {
    /// Always [`TokenKind::Access`]: another type was refused.
    pub token_type: TokenKind,
    /// Unix seconds, truncated as PyJWT's `int()` reads a float.
    pub exp: i64,
    /// Unix seconds; simplejwt does not require it of a token it accepts.
    pub iat: Option<i64>,
    pub jti: String,
    /// A string since simplejwt 5.5.1, an integer before: both name the user.
    pub user_id: UserIdClaim,
    pub extra: Claims,
}

impl AccessClaims {
    /// Splits a payload that passed decoding (so `exp`, `iat` and `jti` are well formed, and
    /// `times` were read from it) and `Token.verify()` for an access token (so `exp` and `jti`
    /// are there).
    pub(crate) fn from_checked(claims: Claims, times: &TimeClaims) -> Result<Self, TokenError> {
        let exp = times.exp.ok_or(TokenError::NoExp)?;
        let iat = times.iat;
        let user_id = claims.user_id();
        let mut jti = None;
        let mut extra = Claims::new();
        for (name, value) in claims.into_map() {
            match name.as_str() {
                JTI_CLAIM => jti = Some(value),
                TOKEN_TYPE_CLAIM | "exp" | "iat" | USER_ID_CLAIM => {}
                _ => {
                    extra.insert(name, value);
                }
            }
        }
        let Some(Value::String(jti)) = jti else { return Err(TokenError::NoId) };
        Ok(Self { token_type: TokenKind::Access, exp, iat, jti, user_id, extra })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::claims;
    use latchkey_domain::UserId;
    use serde_json::json;

    #[test]
    fn splits_the_known_claims_from_the_rest() {
        let checked = claims(json!({
            "token_type": "access", "exp": 1_900_000_000.7, "iat": 1_800_000_000, "jti": "j",
            "user_id": "7", "role": "admin", "aud": "api", "nbf": 5
        }));
        let times = TimeClaims::read(&checked).expect("times");
        let access = AccessClaims::from_checked(checked, &times).expect("typed");
        assert_eq!(access.token_type, TokenKind::Access);
        assert_eq!((access.exp, access.iat, access.jti.as_str()), (1_900_000_000, Some(1_800_000_000), "j"));
        assert_eq!(access.user_id, UserIdClaim::Id(UserId(7)));
        assert_eq!(access.extra, claims(json!({"role": "admin", "aud": "api", "nbf": 5})));
    }

    #[test]
    fn iat_and_user_id_may_be_missing() {
        let checked = claims(json!({"token_type": "access", "exp": 5, "jti": "j"}));
        let times = TimeClaims::read(&checked).expect("times");
        let access = AccessClaims::from_checked(checked, &times).expect("typed");
        assert_eq!((access.iat, access.user_id), (None, UserIdClaim::Missing));
        assert!(access.extra.as_map().is_empty());
    }
}
