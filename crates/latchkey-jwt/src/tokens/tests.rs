use super::*;
use crate::claims::{RESERVED_CLAIMS, UserIdClaim};
use crate::test_support::{SECRET, craft, craft_with, int, keys, now, payload, payload_for, with, without};
use jsonwebtoken::Algorithm;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

fn tokens() -> JwtTokens {
    JwtTokens::new(JwtSettings::hmac(Algorithm::HS256, SECRET).expect("settings"))
}

// ---- verify_access -----------------------------------------------------------------------

#[test]
fn typed_claims_of_an_issued_token() {
    let tokens = tokens();
    let issued = tokens.issue_pair(UserId(7), &Claims::new()).expect("pair");
    let claims = tokens.verify_access(&issued.tokens.access).expect("valid");
    let raw = payload(&issued.tokens.access);
    assert_eq!(claims.token_type, TokenKind::Access);
    assert_eq!((claims.exp, claims.iat), (int(&raw, "exp"), Some(int(&raw, "iat"))));
    assert_eq!(Some(claims.jti.as_str()), raw["jti"].as_str());
    assert_eq!(claims.user_id, UserIdClaim::Id(UserId(7)));
    assert!(claims.extra.as_map().is_empty());
}

#[test]
fn typed_user_id_as_string_or_integer() {
    let tokens = tokens();
    for (user_id, expected) in [
        (json!("12"), UserIdClaim::Id(UserId(12))),
        (json!(12), UserIdClaim::Id(UserId(12))),
        (json!("abc"), UserIdClaim::Unrecognized),
        (json!(null), UserIdClaim::Unrecognized),
    ] {
        let claims = tokens.verify_access(&craft(&payload_for("access", user_id.clone()))).expect("valid");
        assert_eq!(claims.user_id, expected, "{user_id}");
    }
    let no_user = craft(&without(payload_for("access", json!("1")), "user_id"));
    assert_eq!(tokens.verify_access(&no_user).expect("valid").user_id, UserIdClaim::Missing);
}

#[test]
fn typed_extras_keep_their_values_and_order() {
    let tokens = tokens();
    let crafted = with(
        with(with(payload_for("access", json!("3")), "role", json!("admin")), "scopes", json!(["a", "b"])),
        "aud",
        json!("elsewhere"),
    );
    let claims = tokens.verify_access(&craft(&without(crafted, "iat"))).expect("valid");
    assert_eq!(claims.iat, None);
    assert_eq!(
        serde_json::to_string(claims.extra.as_map()).expect("json"),
        r#"{"role":"admin","scopes":["a","b"],"aud":"elsewhere"}"#
    );
}

#[test]
fn typed_verify_refuses_as_decode_access_did() {
    let tokens = tokens();
    let refresh = tokens.issue_pair(UserId(1), &Claims::new()).expect("pair").tokens.refresh;
    let id = json!("1");
    let cases = [
        ("garbage".to_owned(), TokenError::Invalid),
        (craft_with(Algorithm::HS384, SECRET, &payload_for("access", id.clone())), TokenError::Invalid),
        (craft(&with(payload_for("access", id.clone()), "exp", json!(now()))), TokenError::Expired),
        (craft(&without(payload_for("access", id.clone()), "exp")), TokenError::NoExp),
        (craft(&without(payload_for("access", id.clone()), "jti")), TokenError::NoId),
        (craft(&with(payload_for("access", id.clone()), "jti", json!(5))), TokenError::Invalid),
        (craft(&without(payload_for("access", id.clone()), "token_type")), TokenError::NoType),
        (refresh, TokenError::WrongType),
    ];
    for (token, expected) in cases {
        assert_eq!(tokens.verify_access(&token), Err(expected), "{token}");
        assert_eq!(tokens.verify_access_as::<Value>(&token).map_err(|e| e.token_error()), Err(expected), "{token}");
    }
}

#[test]
fn verify_honours_leeway_audience_and_issuer() {
    let settings = JwtSettings::hmac(Algorithm::HS256, SECRET)
        .expect("settings")
        .with_leeway(Duration::from_secs(30))
        .with_audience("api")
        .with_issuer("latchkey");
    let tokens = JwtTokens::new(settings);
    let fit = |payload: Value| with(with(payload, "aud", json!("api")), "iss", json!("latchkey"));
    let late = fit(with(payload_for("access", json!("1")), "exp", json!(now() - 10)));
    assert!(tokens.verify_access(&craft(&late)).is_ok(), "within the leeway");
    let unaddressed = with(payload_for("access", json!("1")), "iss", json!("latchkey"));
    assert_eq!(tokens.verify_access(&craft(&unaddressed)), Err(TokenError::Invalid));
    let issued = tokens.issue_pair(UserId(1), &Claims::new()).expect("pair");
    let claims = tokens.verify_access(&issued.tokens.access).expect("valid");
    assert_eq!(claims.extra, Claims::from_iter([("aud", "api"), ("iss", "latchkey")]));
}

// ---- verify_access_as --------------------------------------------------------------------

#[derive(Debug, Deserialize, PartialEq)]
struct Mine {
    #[serde(default)]
    user_id: UserIdClaim,
    role: String,
    exp: i64,
}

#[test]
fn generic_verify_into_the_callers_struct() {
    let tokens = tokens();
    let issued = tokens.issue_pair(UserId(5), &Claims::from_iter([("role", "editor")])).expect("pair");
    let mine: Mine = tokens.verify_access_as(&issued.tokens.access).expect("valid");
    let raw = payload(&issued.tokens.access);
    assert_eq!(mine, Mine { user_id: UserIdClaim::Id(UserId(5)), role: "editor".into(), exp: int(&raw, "exp") });
    // An integer user_id (older simplejwt) reads the same.
    let older = craft(&with(payload_for("access", json!(5)), "role", json!("editor")));
    assert_eq!(tokens.verify_access_as::<Mine>(&older).expect("valid").user_id, UserIdClaim::Id(UserId(5)));
}

#[test]
fn generic_verify_reports_claims_that_do_not_fit() {
    use std::error::Error as _;
    let tokens = tokens();
    let issued = tokens.issue_pair(UserId(5), &Claims::new()).expect("pair");
    let err = tokens.verify_access_as::<Mine>(&issued.tokens.access).expect_err("no role");
    assert!(matches!(err, ClaimsError::Deserialize(_)), "{err:?}");
    assert!(err.source().is_some_and(|cause| cause.to_string().contains("role")), "{:?}", err.source());
    assert_eq!(err.token_error(), TokenError::Invalid);
    let expired = craft(&with(with(payload_for("access", json!(5)), "role", json!("x")), "exp", json!(now() - 1)));
    assert!(matches!(tokens.verify_access_as::<Mine>(&expired), Err(ClaimsError::Token(TokenError::Expired))));
}

// ---- issue_pair --------------------------------------------------------------------------

#[test]
fn issued_pair_order_values_and_record() {
    let tokens = tokens();
    let before = now();
    let extra = Claims::from_iter([("role", json!("admin")), ("scopes", json!(["read"]))]);
    let issued = tokens.issue_pair(UserId(9), &extra).expect("pair");
    let after = now();
    let (refresh, access) = (payload(&issued.tokens.refresh), payload(&issued.tokens.access));
    for claims in [&refresh, &access] {
        assert_eq!(keys(claims), ["token_type", "exp", "iat", "jti", "user_id", "role", "scopes"]);
        assert_eq!((&claims["user_id"], &claims["role"]), (&json!("9"), &json!("admin")));
        assert!((before..=after).contains(&int(claims, "iat")));
    }
    assert_eq!(int(&refresh, "exp") - int(&refresh, "iat"), 86_400);
    assert_eq!(int(&access, "exp") - int(&refresh, "iat"), 300);
    let record = &issued.outstanding;
    assert_eq!(Some(record.jti.as_str()), refresh["jti"].as_str());
    assert_eq!(record.user_id, Some(UserId(9)));
    assert_eq!(record.expires_at.and_utc().timestamp(), int(&refresh, "exp"));
    let created = record.created_at.expect("created").and_utc().timestamp();
    assert_eq!(created, int(&refresh, "iat"));
}

#[test]
fn issue_refuses_every_reserved_claim() {
    let tokens = JwtTokens::new(JwtSettings::hmac(Algorithm::HS256, SECRET).expect("settings").with_audience("api"));
    for name in RESERVED_CLAIMS {
        let refused = tokens.issue_pair(UserId(1), &Claims::from_iter([(name, "mine")]));
        assert!(matches!(&refused, Err(JwtError::ReservedClaim(n)) if n == name), "{name}: {refused:?}");
    }
}

#[test]
fn issue_with_configured_lifetimes_and_zero() {
    let settings = JwtSettings::hmac(Algorithm::HS256, SECRET)
        .expect("settings")
        .with_lifetimes(Duration::from_secs(3), Duration::from_secs(8));
    let tokens = JwtTokens::new(settings);
    let issued = tokens.issue_pair(UserId(1), &Claims::new()).expect("pair");
    let (refresh, access) = (payload(&issued.tokens.refresh), payload(&issued.tokens.access));
    assert_eq!((int(&refresh, "exp") - int(&refresh, "iat"), int(&access, "exp") - int(&access, "iat")), (8, 3));
    // simplejwt allows a zero lifetime: the token is expired at once.
    let zero = JwtTokens::new(
        JwtSettings::hmac(Algorithm::HS256, SECRET).expect("settings").with_lifetimes(Duration::ZERO, Duration::ZERO),
    );
    let issued = zero.issue_pair(UserId(1), &Claims::new()).expect("pair");
    assert_eq!(zero.verify_access(&issued.tokens.access), Err(TokenError::Expired));
}

#[test]
fn issue_at_a_fixed_instant() {
    let tokens = tokens();
    let at = DateTime::from_timestamp(1_800_000_000, 999_000_000).expect("time");
    let issued = tokens.issue_pair_at(UserId(1), &Claims::new(), at).expect("pair");
    let access = payload(&issued.tokens.access);
    assert_eq!((int(&access, "iat"), int(&access, "exp")), (1_800_000_000, 1_800_000_300));
    assert_eq!(
        tokens.decode_access_at(&issued.tokens.access, at.into()).map(|(c, _)| c.user_id()),
        Ok(UserIdClaim::Id(UserId(1)))
    );
}

#[test]
fn tokens_from_settings() {
    let tokens: JwtTokens = JwtSettings::hmac(Algorithm::HS512, SECRET).expect("settings").into();
    assert_eq!(tokens.settings().algorithm(), Algorithm::HS512);
}
