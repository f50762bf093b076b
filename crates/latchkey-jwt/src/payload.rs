//! simplejwt's token classes: how access and refresh payloads are minted, and the checks of
//! `Token.verify` that follow a successful decode.

use crate::claims::{Claims, JTI_CLAIM, RESERVED_CLAIMS, TOKEN_TYPE_CLAIM, USER_ID_CLAIM};
use crate::error::{JwtError, LifetimeOverflow, TokenError};
use chrono::{DateTime, TimeDelta, Utc};
use latchkey_domain::UserId;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

impl TokenKind {
    /// The `token_type` claim.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
        }
    }
}

// simplejwt's `no_copy_claims`: what an access token gets fresh instead of from its refresh.
const NO_COPY_CLAIMS: [&str; 4] = [TOKEN_TYPE_CLAIM, "exp", "iat", JTI_CLAIM];

/// `uuid4().hex`: 32 lowercase hex digits, whose first 16 are the tag of the session a login
/// starts ([`latchkey_domain::session_tag`]).
pub(crate) fn new_jti() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A fresh session tag: the first half of a fresh jti.
pub(crate) fn new_session_tag() -> String {
    new_jti()[..latchkey_domain::session::SESSION_TAG_LEN].to_owned()
}

/// A jti in the session tagged `tag`: the tag, then 16 fresh digits. Still 32 hex digits, as
/// simplejwt's.
pub(crate) fn jti_in_session(tag: &str) -> String {
    let fresh = new_jti();
    format!("{tag}{}", &fresh[latchkey_domain::session::SESSION_TAG_LEN..])
}

/// A jti in the session of `parent` (a refresh token's jti). A parent without a session tag
/// (minted elsewhere) gets a jti of its own.
pub(crate) fn jti_in_session_of(parent: Option<&str>) -> String {
    match parent.and_then(latchkey_domain::session_tag) {
        Some(tag) => jti_in_session(tag),
        None => new_jti(),
    }
}

/// `exp` the way simplejwt computes it: the instant plus the lifetime, sub-second truncated.
/// A lifetime beyond the range of dates is an error rather than a panic or a wrapped value.
fn expiry(from: DateTime<Utc>, lifetime: Duration) -> Result<i64, JwtError> {
    TimeDelta::from_std(lifetime)
        .ok()
        .and_then(|delta| from.checked_add_signed(delta))
        .map(|at| at.timestamp())
        .ok_or_else(|| JwtError::internal(LifetimeOverflow { lifetime }))
}

/// `RefreshToken.for_user` and then what a `get_token` override adds: token_type, exp, iat,
/// jti, user_id, in that order, then `extra` in its order.
///
/// simplejwt lets `get_token` overwrite any claim; here a name of [`RESERVED_CLAIMS`] is an
/// error. Overwriting `exp` or `jti` would detach the token from what the store records of
/// it, `token_type` would turn a refresh token into an access token, and `aud`/`iss` would
/// be replaced again by the settings on encoding: each is a bug in the caller, best found
/// when the first token is issued rather than ignored.
pub(crate) fn refresh_for(
    user_id: UserId,
    extra: &Claims,
    now: DateTime<Utc>,
    lifetime: Duration,
) -> Result<Claims, JwtError> {
    if let Some((name, _)) = extra.iter().find(|(name, _)| RESERVED_CLAIMS.contains(&name.as_str())) {
        return Err(JwtError::ReservedClaim(name.clone()));
    }
    let mut claims = Claims::new();
    claims.insert(TOKEN_TYPE_CLAIM, TokenKind::Refresh.as_str());
    claims.insert("exp", expiry(now, lifetime)?);
    claims.insert("iat", now.timestamp());
    claims.insert(JTI_CLAIM, new_jti());
    // A string since simplejwt 5.5.1, so that the claim also works as a JWT `sub`.
    claims.insert(USER_ID_CLAIM, user_id.to_string());
    claims.extend(extra.iter().map(|(name, value)| (name.clone(), value.clone())));
    Ok(claims)
}

/// `refresh.access_token`: a fresh token_type, exp, iat and jti, then every other claim of the
/// refresh token in its order. `exp` counts from `from`, the moment the refresh token object
/// came to be (its issue on obtain, the request on refresh).
pub(crate) fn access_from(
    refresh: &Claims,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
    lifetime: Duration,
) -> Result<Claims, JwtError> {
    let mut claims = Claims::new();
    claims.insert(TOKEN_TYPE_CLAIM, TokenKind::Access.as_str());
    claims.insert("exp", expiry(from, lifetime)?);
    claims.insert("iat", now.timestamp());
    claims.insert(JTI_CLAIM, jti_in_session_of(refresh.jti()));
    for (name, value) in refresh.iter().filter(|(name, _)| !NO_COPY_CLAIMS.contains(&name.as_str())) {
        claims.insert(name.clone(), value.clone());
    }
    Ok(claims)
}

/// The refresh serializer's rotation: the same payload with `set_jti()`, `set_exp()` and
/// `set_iat()` applied, so claims keep their places and everything else carries over.
pub(crate) fn rotated(refresh: &Claims, now: DateTime<Utc>, lifetime: Duration) -> Result<Claims, JwtError> {
    let mut claims = refresh.clone();
    claims.insert(JTI_CLAIM, jti_in_session_of(refresh.jti()));
    claims.insert("exp", expiry(now, lifetime)?);
    claims.insert("iat", now.timestamp());
    Ok(claims)
}

/// `Token.verify()` for a typed token: exp present, id present, type present and right.
/// The expiry itself was checked while decoding.
pub(crate) fn verify_typed(claims: &Claims, kind: TokenKind) -> Result<(), TokenError> {
    verify_untyped(claims)?;
    match claims.get(TOKEN_TYPE_CLAIM) {
        None => Err(TokenError::NoType),
        Some(value) if value.as_str() == Some(kind.as_str()) => Ok(()),
        Some(_) => Err(TokenError::WrongType),
    }
}

/// `UntypedToken.verify()`: exp and id present, any type or none.
pub(crate) fn verify_untyped(claims: &Claims) -> Result<(), TokenError> {
    if claims.get("exp").is_none() {
        return Err(TokenError::NoExp);
    }
    if claims.get(JTI_CLAIM).is_none() {
        return Err(TokenError::NoId);
    }
    // What reaches storage is bounded first: the jti column holds 255 characters, and a
    // signed token with a longer one is refused here as invalid, never a database error.
    if claims.jti().is_some_and(|jti| jti.chars().count() > MAX_JTI_CHARS) {
        return Err(TokenError::Invalid);
    }
    Ok(())
}

/// The width of `outstanding_tokens.jti`.
pub(crate) const MAX_JTI_CHARS: usize = 255;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::claims;
    use serde_json::json;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 250_000_000).expect("time")
    }

    fn keys(claims: &Claims) -> Vec<&str> {
        claims.iter().map(|(k, _)| k.as_str()).collect()
    }

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn jti_is_32_lowercase_hex() {
        let jti = new_jti();
        assert_eq!(jti.len(), 32);
        assert!(jti.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)), "{jti}");
        assert_ne!(jti, new_jti());
    }

    #[test]
    fn refresh_payload_order_and_values() {
        let refresh = refresh_for(UserId(7), &Claims::new(), at(1000), secs(86_400)).expect("claims");
        assert_eq!(keys(&refresh), ["token_type", "exp", "iat", "jti", "user_id"]);
        assert_eq!(refresh.get("token_type"), Some(&json!("refresh")));
        assert_eq!(refresh.get("exp"), Some(&json!(87_400)));
        assert_eq!(refresh.get("iat"), Some(&json!(1000)));
        assert_eq!(refresh.get("user_id"), Some(&json!("7")));
    }

    #[test]
    fn access_copies_everything_but_its_own_claims() {
        let refresh = claims(json!({
            "token_type": "refresh", "exp": 5, "role": "tester", "iat": 1, "jti": "old", "user_id": "7", "aud": "x"
        }));
        let access = access_from(&refresh, at(1000), at(1001), secs(300)).expect("claims");
        assert_eq!(keys(&access), ["token_type", "exp", "iat", "jti", "role", "user_id", "aud"]);
        assert_eq!(access.get("token_type"), Some(&json!("access")));
        assert_eq!(access.get("exp"), Some(&json!(1300)));
        assert_eq!(access.get("iat"), Some(&json!(1001)));
        assert_ne!(access.jti(), Some("old"));
        assert_eq!(access.get("role"), Some(&json!("tester")));
    }

    #[test]
    fn rotation_renews_in_place() {
        let refresh = claims(json!({"token_type": "refresh", "user_id": "7", "exp": 5, "jti": "old", "role": "r"}));
        let new = rotated(&refresh, at(2000), secs(60)).expect("claims");
        // No iat before: it is appended, the rest keep their places.
        assert_eq!(keys(&new), ["token_type", "user_id", "exp", "jti", "role", "iat"]);
        assert_eq!((new.get("exp"), new.get("iat")), (Some(&json!(2060)), Some(&json!(2000))));
        assert_ne!(new.jti(), Some("old"));
    }

    #[test]
    fn lifetime_overflow_is_internal() {
        let none = Claims::new();
        assert!(matches!(refresh_for(UserId(1), &none, at(0), Duration::MAX), Err(JwtError::Internal(_))));
        // Within TimeDelta's range but beyond the last date chrono can hold.
        let ages = secs(400_000 * 366 * 86_400);
        assert!(matches!(refresh_for(UserId(1), &none, at(0), ages), Err(JwtError::Internal(_))));
        let refresh = refresh_for(UserId(1), &none, at(0), secs(60)).expect("claims");
        assert!(matches!(access_from(&refresh, at(0), at(0), Duration::MAX), Err(JwtError::Internal(_))));
        assert!(matches!(rotated(&refresh, at(0), Duration::MAX), Err(JwtError::Internal(_))));
    }

    #[test]
    fn sub_second_and_zero_lifetimes_truncate_like_simplejwt() {
        // at() is .25 past the second: 1.5 s later is 1001.75, truncated to 1001.
        let refresh = refresh_for(UserId(1), &Claims::new(), at(1000), Duration::from_millis(1500)).expect("claims");
        assert_eq!(refresh.get("exp"), Some(&json!(1001)));
        let refresh = refresh_for(UserId(1), &Claims::new(), at(1000), Duration::from_millis(800)).expect("claims");
        assert_eq!(refresh.get("exp"), Some(&json!(1001)));
        let refresh = refresh_for(UserId(1), &Claims::new(), at(1000), Duration::ZERO).expect("claims");
        assert_eq!((refresh.get("exp"), refresh.get("iat")), (Some(&json!(1000)), Some(&json!(1000))));
    }

    #[test]
    fn extra_claims_follow_the_users_claims_in_their_order() {
        let extra = Claims::from_iter([("role", json!("admin")), ("scopes", json!(["a", "b"])), ("n", json!(1))]);
        let refresh = refresh_for(UserId(7), &extra, at(1000), secs(60)).expect("claims");
        assert_eq!(keys(&refresh), ["token_type", "exp", "iat", "jti", "user_id", "role", "scopes", "n"]);
        assert_eq!(refresh.get("scopes"), Some(&json!(["a", "b"])));
        let access = access_from(&refresh, at(1000), at(1000), secs(30)).expect("claims");
        assert_eq!(keys(&access), ["token_type", "exp", "iat", "jti", "user_id", "role", "scopes", "n"]);
        assert_eq!(access.get("role"), Some(&json!("admin")));
    }

    #[test]
    fn extra_claims_may_not_name_reserved_ones() {
        for name in RESERVED_CLAIMS {
            let extra = Claims::from_iter([("role", json!("admin")), (name, json!("x"))]);
            match refresh_for(UserId(7), &extra, at(1000), secs(60)) {
                Err(JwtError::ReservedClaim(refused)) => assert_eq!(refused, name),
                other => panic!("{name}: expected a refusal, got {other:?}"),
            }
        }
        // Registered claims Latchkey does not set are the caller's to give (and are checked
        // on verification like any token's).
        let extra = Claims::from_iter([("nbf", json!(1000)), ("sub", json!("7"))]);
        assert!(refresh_for(UserId(7), &extra, at(1000), secs(60)).is_ok());
    }

    #[test]
    fn verify_order_is_simplejwts() {
        let full = json!({"token_type": "access", "exp": 1, "jti": "j"});
        assert_eq!(verify_typed(&claims(full.clone()), TokenKind::Access), Ok(()));
        assert_eq!(verify_typed(&claims(full), TokenKind::Refresh), Err(TokenError::WrongType));
        assert_eq!(verify_typed(&claims(json!({"jti": "j"})), TokenKind::Access), Err(TokenError::NoExp));
        assert_eq!(verify_typed(&claims(json!({"exp": 1})), TokenKind::Access), Err(TokenError::NoId));
        assert_eq!(verify_typed(&claims(json!({"exp": 1, "jti": "j"})), TokenKind::Access), Err(TokenError::NoType));
        let null_type = json!({"exp": 1, "jti": "j", "token_type": null});
        assert_eq!(verify_typed(&claims(null_type), TokenKind::Access), Err(TokenError::WrongType));
        let upper = json!({"exp": 1, "jti": "j", "token_type": "ACCESS"});
        assert_eq!(verify_typed(&claims(upper), TokenKind::Access), Err(TokenError::WrongType));
        assert_eq!(verify_untyped(&claims(json!({"exp": 1, "jti": "j"}))), Ok(()));
        assert_eq!(verify_untyped(&claims(json!({"jti": "j"}))), Err(TokenError::NoExp));
    }
}
