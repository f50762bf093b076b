use super::*;
use crate::claims::UserIdClaim;
use crate::test_support::{SECRET, add_user, craft, craft_with, int, keys, now, payload, payload_for, with, without};
use chrono::NaiveDateTime;
use jsonwebtoken::Algorithm;
use latchkey_domain::memory::MemoryStore;
use latchkey_domain::{OutstandingToken, StoreError, User};
use serde_json::{Value, json};
use std::fmt;
use std::sync::{Barrier, Mutex};
use std::time::Duration;

/// A `MemoryStore` that also notes every write, to see what each operation stores.
#[derive(Default)]
struct Recording {
    inner: MemoryStore,
    writes: Mutex<Vec<String>>,
}

impl Recording {
    fn note(&self, write: String) {
        self.writes.lock().expect("lock").push(write);
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.writes.lock().expect("lock"))
    }
}

impl RefreshTokenStore for Recording {
    fn record_outstanding(&self, token: &OutstandingToken) -> Result<(), StoreError> {
        self.note(format!("outstanding {}", token.jti));
        self.inner.record_outstanding(token)
    }
    fn blacklisted_at(&self, jti: &str) -> Result<Option<NaiveDateTime>, StoreError> {
        self.inner.blacklisted_at(jti)
    }
    fn blacklist(&self, token: &OutstandingToken) -> Result<BlacklistOutcome, StoreError> {
        self.note(format!("blacklist {} user {:?}", token.jti, token.user_id));
        self.inner.blacklist(token)
    }
    fn rotate(
        &self,
        old: &OutstandingToken,
        new: &OutstandingToken,
        blacklist_old: bool,
    ) -> Result<BlacklistOutcome, StoreError> {
        self.note(format!("rotate {} -> {} blacklist_old={blacklist_old}", old.jti, new.jti));
        self.inner.rotate(old, new, blacklist_old)
    }
    fn flush_expired(&self, now: NaiveDateTime) -> Result<u64, StoreError> {
        self.inner.flush_expired(now)
    }
}

struct Fixture {
    service: JwtService,
    tokens: Arc<Recording>,
    users: MemoryStore,
    alice: User,
    carol: User,
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn hs256() -> JwtSettings {
    JwtSettings::hmac(Algorithm::HS256, SECRET).expect("settings")
}

fn fixture_with(settings: JwtSettings) -> Fixture {
    let tokens = Arc::new(Recording::default());
    let users = MemoryStore::new();
    let alice = add_user(&users, "alice", true);
    let carol = add_user(&users, "carol", false);
    Fixture { service: JwtService::new(JwtTokens::new(settings), tokens.clone()), tokens, users, alice, carol }
}

fn fixture() -> Fixture {
    fixture_with(hs256())
}

fn token_error(result: Result<impl fmt::Debug, JwtError>) -> TokenError {
    match result {
        Err(JwtError::Token(err)) => err,
        other => panic!("expected a token error, got {other:?}"),
    }
}

fn refresh_for(user_id: Value) -> Value {
    payload_for("refresh", user_id)
}

fn jti(token: &str) -> String {
    payload(token)["jti"].as_str().expect("jti").to_owned()
}

// ---- obtain ------------------------------------------------------------------------------

#[test]
fn obtained_pair_has_simplejwts_shape() {
    let f = fixture();
    let before = now();
    let pair = f.service.obtain_pair(f.alice.id).expect("pair");
    let after = now();
    for (token, token_type) in [(&pair.access, "access"), (&pair.refresh, "refresh")] {
        assert!(token.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."), "{token}");
        let claims = payload(token);
        assert_eq!(keys(&claims), ["token_type", "exp", "iat", "jti", "user_id"]);
        assert_eq!(claims["token_type"], json!(token_type));
        assert_eq!(claims["user_id"], json!(f.alice.id.to_string()));
        assert!((before..=after).contains(&int(&claims, "iat")));
        let jti = claims["jti"].as_str().expect("jti");
        assert!(jti.len() == 32 && jti.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    }
    let (access, refresh) = (payload(&pair.access), payload(&pair.refresh));
    assert_ne!(access["jti"], refresh["jti"]);
    assert_eq!(int(&refresh, "exp") - int(&refresh, "iat"), 86_400);
    assert_eq!(int(&access, "exp"), int(&refresh, "iat") + 300);
    assert_eq!(f.tokens.take(), [format!("outstanding {}", jti(&pair.refresh))]);
}

#[test]
fn obtain_honours_configured_lifetimes() {
    let f = fixture_with(hs256().with_lifetimes(secs(3), secs(8)));
    let pair = f.service.obtain_pair(f.alice.id).expect("pair");
    let (access, refresh) = (payload(&pair.access), payload(&pair.refresh));
    assert_eq!(int(&refresh, "exp") - int(&refresh, "iat"), 8);
    assert_eq!(int(&access, "exp") - int(&refresh, "iat"), 3);
}

#[test]
fn each_obtain_is_a_new_pair() {
    let f = fixture();
    let (a, b) = (f.service.obtain_pair(f.alice.id).expect("a"), f.service.obtain_pair(f.alice.id).expect("b"));
    assert_ne!(jti(&a.refresh), jti(&b.refresh));
    assert_ne!(a.access, b.access);
}

#[test]
fn obtain_with_extra_claims_records_and_carries_them() {
    let f = fixture_with(hs256().with_audience("api"));
    let extra = Claims::from_iter([("role", json!("admin")), ("tenant", json!(42))]);
    let pair = f.service.obtain_pair_with(f.alice.id, &extra).expect("pair");
    for token in [&pair.refresh, &pair.access] {
        let claims = payload(token);
        assert_eq!(keys(&claims), ["token_type", "exp", "iat", "jti", "user_id", "role", "tenant", "aud"]);
        assert_eq!((&claims["role"], &claims["tenant"]), (&json!("admin"), &json!(42)));
    }
    assert_eq!(f.tokens.take(), [format!("outstanding {}", jti(&pair.refresh))]);
    // get_token's claims live in the refresh token, so every access token made from it has them.
    let access = payload(&f.service.refresh(&pair.refresh, &f.users).expect("refreshed").access);
    assert_eq!(keys(&access), ["token_type", "exp", "iat", "jti", "user_id", "role", "tenant", "aud"]);
    assert_eq!(access["role"], json!("admin"));
}

#[test]
fn obtain_with_a_reserved_claim_issues_and_records_nothing() {
    let f = fixture();
    let extra = Claims::from_iter([("exp", json!(1))]);
    let refused = f.service.obtain_pair_with(f.alice.id, &extra);
    assert!(matches!(&refused, Err(JwtError::ReservedClaim(name)) if name == "exp"), "{refused:?}");
    assert!(f.tokens.take().is_empty());
}

#[test]
fn rotation_keeps_issued_extra_claims() {
    let f = fixture_with(hs256().with_rotation(true, true));
    let extra = Claims::from_iter([("role", "admin")]);
    let pair = f.service.obtain_pair_with(f.alice.id, &extra).expect("pair");
    let refreshed = f.service.refresh(&pair.refresh, &f.users).expect("refreshed");
    let renewed = payload(&refreshed.refresh.expect("rotated"));
    assert_eq!(keys(&renewed), ["token_type", "exp", "iat", "jti", "user_id", "role"]);
    assert_eq!(payload(&refreshed.access)["role"], json!("admin"));
}

#[test]
fn lifetime_overflow_is_internal_and_records_nothing() {
    use std::error::Error as _;
    let f = fixture_with(hs256().with_lifetimes(secs(300), Duration::MAX));
    let err = f.service.obtain_pair(f.alice.id).expect_err("overflow");
    assert!(matches!(err, JwtError::Internal(_)), "{err:?}");
    assert!(err.source().is_some_and(|cause| cause.to_string().contains("overflows the clock")));
    assert!(f.tokens.take().is_empty());
}

// ---- refresh -----------------------------------------------------------------------------

#[test]
fn refresh_without_rotation_mints_an_access_token_only() {
    let f = fixture();
    let pair = f.service.obtain_pair(f.alice.id).expect("pair");
    f.tokens.take();
    for _ in 0..3 {
        let before = now();
        let refreshed = f.service.refresh(&pair.refresh, &f.users).expect("refreshed");
        let after = now();
        assert!(refreshed.refresh.is_none());
        let access = payload(&refreshed.access);
        assert_eq!(keys(&access), ["token_type", "exp", "iat", "jti", "user_id"]);
        assert_eq!(access["token_type"], json!("access"));
        assert_eq!(access["user_id"], json!(f.alice.id.to_string()));
        assert_ne!(access["jti"], payload(&pair.access)["jti"]);
        assert!((before + 300..=after + 300).contains(&int(&access, "exp")));
        assert_eq!(int(&access, "exp") - int(&access, "iat"), 300);
        f.service.tokens().verify_access(&refreshed.access).expect("usable");
    }
    assert!(f.tokens.take().is_empty(), "nothing is written without rotation");
}

#[test]
fn refresh_copies_extra_claims_into_the_access_token() {
    let f = fixture();
    let token = craft(&with(refresh_for(json!(f.alice.id.to_string())), "role", json!("tester")));
    let access = payload(&f.service.refresh(&token, &f.users).expect("refreshed").access);
    assert_eq!(keys(&access), ["token_type", "exp", "iat", "jti", "user_id", "role"]);
    assert_eq!(access["role"], json!("tester"));
}

#[test]
fn refresh_accepts_an_integer_user_id() {
    let f = fixture();
    let token = craft(&refresh_for(json!(f.alice.id.0)));
    let access = payload(&f.service.refresh(&token, &f.users).expect("refreshed").access);
    assert_eq!(access["user_id"], json!(f.alice.id.0));
}

#[test]
fn refresh_token_failures() {
    let f = fixture();
    let id = json!(f.alice.id.to_string());
    let pair = f.service.obtain_pair(f.alice.id).expect("pair");
    let cases: Vec<(String, TokenError)> = vec![
        ("garbage".into(), TokenError::Invalid),
        ("123".into(), TokenError::Invalid),
        (craft_with(Algorithm::HS256, b"other", &refresh_for(id.clone())), TokenError::Invalid),
        (craft(&with(refresh_for(id.clone()), "exp", json!(now() - 5))), TokenError::Expired),
        (craft(&without(refresh_for(id.clone()), "exp")), TokenError::NoExp),
        (craft(&without(refresh_for(id.clone()), "jti")), TokenError::NoId),
        (craft(&without(refresh_for(id.clone()), "token_type")), TokenError::NoType),
        (pair.access, TokenError::WrongType),
    ];
    for (token, expected) in cases {
        assert_eq!(token_error(f.service.refresh(&token, &f.users)), expected, "{token}");
        assert_eq!(token_error(f.service.blacklist(&token)), expected, "{token}");
    }
}

#[test]
fn refresh_needs_an_active_account() {
    let f = fixture();
    for user_id in [json!("987654321"), json!("abc"), json!(null), json!(f.carol.id.to_string())] {
        let token = craft(&refresh_for(user_id.clone()));
        let result = f.service.refresh(&token, &f.users);
        assert!(matches!(result, Err(JwtError::NoActiveAccount)), "{user_id}: {result:?}");
    }
    let token = craft(&without(refresh_for(json!("1")), "user_id"));
    assert!(matches!(f.service.refresh(&token, &f.users), Err(JwtError::NoActiveAccount)));
    assert!(f.tokens.take().is_empty());
}

// ---- rotation ----------------------------------------------------------------------------

#[test]
fn rotation_with_blacklist_retires_the_old_token() {
    let f = fixture_with(hs256().with_rotation(true, true));
    let pair = f.service.obtain_pair(f.alice.id).expect("pair");
    f.tokens.take();
    let before = now();
    let refreshed = f.service.refresh(&pair.refresh, &f.users).expect("refreshed");
    let after = now();
    let new = refreshed.refresh.expect("rotated");
    let (old, renewed) = (payload(&pair.refresh), payload(&new));
    assert_eq!(keys(&renewed), ["token_type", "exp", "iat", "jti", "user_id"]);
    assert_ne!(renewed["jti"], old["jti"]);
    assert_eq!((&renewed["token_type"], &renewed["user_id"]), (&old["token_type"], &old["user_id"]));
    assert!((before..=after).contains(&int(&renewed, "iat")));
    assert_eq!(int(&renewed, "exp") - int(&renewed, "iat"), 86_400);
    assert_eq!(f.tokens.take(), [format!("rotate {} -> {} blacklist_old=true", jti(&pair.refresh), jti(&new))]);

    assert_eq!(token_error(f.service.refresh(&pair.refresh, &f.users)), TokenError::Blacklisted);
    assert_eq!(token_error(f.service.verify(&pair.refresh)), TokenError::Blacklisted);
    assert_eq!(token_error(f.service.blacklist(&pair.refresh)), TokenError::Blacklisted);
    // The access tokens of either generation and the new refresh token keep working.
    f.service.tokens().verify_access(&pair.access).expect("old access");
    f.service.tokens().verify_access(&refreshed.access).expect("new access");
    let next = f.service.refresh(&new, &f.users).expect("rotates again").refresh.expect("rotated");
    assert_ne!(next, new);
}

#[test]
fn rotation_keeps_extra_claims_and_their_order() {
    let f = fixture_with(hs256().with_rotation(true, true));
    let crafted = without(with(refresh_for(json!(f.alice.id.to_string())), "role", json!("r")), "iat");
    let refreshed = f.service.refresh(&craft(&crafted), &f.users).expect("refreshed");
    let renewed = payload(&refreshed.refresh.expect("rotated"));
    assert_eq!(keys(&renewed), ["token_type", "exp", "jti", "user_id", "role", "iat"]);
    assert_eq!(renewed["role"], json!("r"));
    assert_eq!(payload(&refreshed.access)["role"], json!("r"));
}

#[test]
fn rotation_without_blacklist_leaves_the_old_token_usable() {
    let f = fixture_with(hs256().with_rotation(true, false));
    let pair = f.service.obtain_pair(f.alice.id).expect("pair");
    let first = f.service.refresh(&pair.refresh, &f.users).expect("first").refresh.expect("rotated");
    let second = f.service.refresh(&pair.refresh, &f.users).expect("second").refresh.expect("rotated");
    assert_ne!(first, second);
    f.service.refresh(&first, &f.users).expect("the new one works too");
    f.service.verify(&pair.refresh).expect("not blacklisted");
}

#[test]
fn concurrent_rotations_of_one_token_let_exactly_one_through() {
    const THREADS: usize = 16;
    let f = fixture_with(hs256().with_rotation(true, true));
    let pair = f.service.obtain_pair(f.alice.id).expect("pair");
    let barrier = Barrier::new(THREADS);
    let results: Vec<Result<Refreshed, JwtError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    f.service.refresh(&pair.refresh, &f.users)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    let winners = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(winners, 1, "{results:?}");
    for result in results.into_iter().filter(Result::is_err) {
        assert_eq!(token_error(result), TokenError::Blacklisted);
    }
}

// ---- verify ------------------------------------------------------------------------------

#[test]
fn verify_checks_signature_expiry_and_id_of_any_type() {
    let f = fixture();
    let pair = f.service.obtain_pair(f.alice.id).expect("pair");
    f.service.verify(&pair.access).expect("access");
    f.service.verify(&pair.refresh).expect("refresh");
    for payload in [
        payload_for("sliding", json!("987654321")),
        payload_for("whatever", json!(null)),
        without(payload_for("access", json!("1")), "token_type"),
    ] {
        f.service.verify(&craft(&payload)).expect("untyped");
    }
    let cases = [
        ("garbage".to_owned(), TokenError::Invalid),
        (craft(&with(payload_for("access", json!("1")), "exp", json!(now() - 1))), TokenError::Expired),
        (craft(&without(payload_for("access", json!("1")), "exp")), TokenError::NoExp),
        (craft(&without(payload_for("access", json!("1")), "jti")), TokenError::NoId),
    ];
    for (token, expected) in cases {
        assert_eq!(token_error(f.service.verify(&token)), expected, "{token}");
    }
}

#[test]
fn verify_consults_the_blacklist_by_default() {
    let f = fixture();
    let pair = f.service.obtain_pair(f.alice.id).expect("pair");
    f.service.blacklist(&pair.refresh).expect("blacklisted");
    assert_eq!(token_error(f.service.verify(&pair.refresh)), TokenError::Blacklisted);
    f.service.verify(&pair.access).expect("its access token is not blacklisted");
}

#[test]
fn verify_follows_simplejwt_when_rotating_without_blacklisting() {
    for (rotate, blacklist_after, checks) in
        [(false, false, true), (true, true, true), (false, true, true), (true, false, false)]
    {
        let f = fixture_with(hs256().with_rotation(rotate, blacklist_after));
        assert_eq!(f.service.settings().verify_checks_blacklist(), checks);
        let pair = f.service.obtain_pair(f.alice.id).expect("pair");
        f.service.blacklist(&pair.refresh).expect("blacklisted");
        let verified = f.service.verify(&pair.refresh);
        if checks {
            assert_eq!(token_error(verified), TokenError::Blacklisted);
        } else {
            verified.expect("verify ignores the blacklist");
            // refresh still refuses it
            assert_eq!(token_error(f.service.refresh(&pair.refresh, &f.users)), TokenError::Blacklisted);
        }
    }
}

// ---- blacklist ---------------------------------------------------------------------------

#[test]
fn blacklist_once_then_blacklisted() {
    let f = fixture();
    let (first, second) =
        (f.service.obtain_pair(f.alice.id).expect("a"), f.service.obtain_pair(f.alice.id).expect("b"));
    f.tokens.take();
    f.service.blacklist(&first.refresh).expect("blacklisted");
    assert_eq!(f.tokens.take(), [format!("blacklist {} user Some({:?})", jti(&first.refresh), f.alice.id)]);
    assert_eq!(token_error(f.service.blacklist(&first.refresh)), TokenError::Blacklisted);
    assert_eq!(token_error(f.service.refresh(&first.refresh, &f.users)), TokenError::Blacklisted);
    f.service.refresh(&second.refresh, &f.users).expect("other tokens unaffected");
}

#[test]
fn blacklist_accepts_crafted_tokens_for_unknown_users() {
    let f = fixture();
    for user_id in [json!("987654321"), json!("abc")] {
        let token = craft(&refresh_for(user_id));
        f.service.blacklist(&token).expect("blacklisted");
        assert_eq!(token_error(f.service.refresh(&token, &f.users)), TokenError::Blacklisted);
    }
    let writes = f.tokens.take();
    assert!(writes[0].ends_with("user Some(UserId(987654321))") && writes[1].ends_with("user None"), "{writes:?}");
}

#[test]
fn blacklisted_token_without_exp_or_type_reports_blacklisted_first() {
    // BlacklistMixin consults the blacklist before Token.verify's claim checks.
    let f = fixture();
    let good = refresh_for(json!("1"));
    f.service.blacklist(&craft(&good)).expect("blacklisted");
    let stripped = craft(&without(without(good, "exp"), "token_type"));
    assert_eq!(token_error(f.service.refresh(&stripped, &f.users)), TokenError::Blacklisted);
}

// ---- access tokens and maintenance -------------------------------------------------------

#[test]
fn decode_access_paths() {
    let f = fixture();
    let pair = f.service.obtain_pair(f.alice.id).expect("pair");
    let claims = f.service.tokens().verify_access(&pair.access).expect("access");
    assert_eq!(claims.user_id, UserIdClaim::Id(f.alice.id));
    let id = json!("1");
    let cases = [
        ("garbage".to_owned(), TokenError::Invalid),
        (craft_with(Algorithm::HS384, SECRET, &payload_for("access", id.clone())), TokenError::Invalid),
        (craft(&with(payload_for("access", id.clone()), "exp", json!(now()))), TokenError::Expired),
        (craft(&without(payload_for("access", id.clone()), "exp")), TokenError::NoExp),
        (craft(&without(payload_for("access", id.clone()), "jti")), TokenError::NoId),
        (craft(&without(payload_for("access", id.clone()), "token_type")), TokenError::NoType),
        (pair.refresh, TokenError::WrongType),
    ];
    for (token, expected) in cases {
        assert_eq!(f.service.tokens().verify_access(&token), Err(expected), "{token}");
    }
}

#[test]
fn flush_forgets_expired_tokens() {
    let f = fixture_with(hs256().with_lifetimes(secs(60), Duration::ZERO));
    f.service.obtain_pair(f.alice.id).expect("pair");
    assert_eq!(f.service.flush_expired().expect("flushed"), 1);
    assert_eq!(f.service.flush_expired().expect("flushed"), 0);
}

/// Under a leeway, a token just past its `exp` is still accepted: its blacklist entry must
/// outlive the flush, or a blacklisted token would refresh again.
#[test]
fn flush_keeps_what_the_leeway_still_accepts() {
    let f = fixture_with(hs256().with_lifetimes(secs(60), Duration::ZERO).with_leeway(secs(30)));
    let pair = f.service.obtain_pair(f.alice.id).expect("pair");
    f.service.blacklist(&pair.refresh).expect("blacklist");
    assert_eq!(f.service.flush_expired().expect("flushed"), 0);
    assert_eq!(token_error(f.service.refresh(&pair.refresh, &f.users)), TokenError::Blacklisted);
}

// ---- algorithms, audience, issuer --------------------------------------------------------

const RSA_PRIVATE: &[u8] = include_bytes!("../testdata/rsa_private.pem");
const RSA_PUBLIC: &[u8] = include_bytes!("../testdata/rsa_public.pem");
const RSA_OTHER_PRIVATE: &[u8] = include_bytes!("../testdata/rsa_other_private.pem");
const RSA_OTHER_PUBLIC: &[u8] = include_bytes!("../testdata/rsa_other_public.pem");
const ED_PRIVATE: &[u8] = include_bytes!("../testdata/ed25519_private.pem");
const ED_PUBLIC: &[u8] = include_bytes!("../testdata/ed25519_public.pem");

fn round_trip(settings: JwtSettings, header: &str) {
    let f = fixture_with(settings.with_rotation(true, true));
    let pair = f.service.obtain_pair(f.alice.id).expect("pair");
    assert!(pair.access.starts_with(&format!("{}.", crate::codec::base64url(header.as_bytes()))));
    f.service.tokens().verify_access(&pair.access).expect("access");
    f.service.verify(&pair.refresh).expect("verify");
    let refreshed = f.service.refresh(&pair.refresh, &f.users).expect("refresh");
    f.service.tokens().verify_access(&refreshed.access).expect("new access");
    assert_eq!(token_error(f.service.refresh(&pair.refresh, &f.users)), TokenError::Blacklisted);
}

#[test]
fn rs256_round_trip() {
    let settings = JwtSettings::from_pem(Algorithm::RS256, RSA_PRIVATE, RSA_PUBLIC).expect("settings");
    round_trip(settings, r#"{"alg":"RS256","typ":"JWT"}"#);
}

#[test]
fn eddsa_round_trip() {
    let settings = JwtSettings::from_pem(Algorithm::EdDSA, ED_PRIVATE, ED_PUBLIC).expect("settings");
    round_trip(settings, r#"{"alg":"EdDSA","typ":"JWT"}"#);
}

#[test]
fn asymmetric_tokens_need_the_right_key_and_algorithm() {
    let f = fixture_with(JwtSettings::from_pem(Algorithm::RS256, RSA_PRIVATE, RSA_PUBLIC).expect("settings"));
    let other = JwtService::new(
        JwtTokens::new(JwtSettings::from_pem(Algorithm::RS256, RSA_OTHER_PRIVATE, RSA_OTHER_PUBLIC).expect("settings")),
        Arc::new(MemoryStore::new()),
    );
    let foreign = other.obtain_pair(f.alice.id).expect("pair");
    assert_eq!(f.service.tokens().verify_access(&foreign.access), Err(TokenError::Invalid));
    // Algorithm confusion: an HS256 token keyed with the public key is refused.
    let confused = craft_with(Algorithm::HS256, RSA_PUBLIC, &payload_for("access", json!("1")));
    assert_eq!(f.service.tokens().verify_access(&confused), Err(TokenError::Invalid));
    let pss = JwtService::new(
        JwtTokens::new(JwtSettings::from_pem(Algorithm::PS256, RSA_PRIVATE, RSA_PUBLIC).expect("settings")),
        Arc::new(MemoryStore::new()),
    );
    let pss_pair = pss.obtain_pair(f.alice.id).expect("pair");
    assert_eq!(f.service.tokens().verify_access(&pss_pair.access), Err(TokenError::Invalid));
}

#[test]
fn audience_and_issuer_are_issued_copied_and_required() {
    let f = fixture_with(hs256().with_audience("api").with_issuer("latchkey"));
    let pair = f.service.obtain_pair(f.alice.id).expect("pair");
    for token in [&pair.access, &pair.refresh] {
        let claims = payload(token);
        assert_eq!(keys(&claims), ["token_type", "exp", "iat", "jti", "user_id", "aud", "iss"]);
        assert_eq!((&claims["aud"], &claims["iss"]), (&json!("api"), &json!("latchkey")));
    }
    let access = f.service.refresh(&pair.refresh, &f.users).expect("refresh").access;
    assert_eq!(keys(&payload(&access)), ["token_type", "exp", "iat", "jti", "user_id", "aud", "iss"]);

    let id = json!(f.alice.id.to_string());
    let plain = craft(&refresh_for(id.clone()));
    assert_eq!(token_error(f.service.refresh(&plain, &f.users)), TokenError::Invalid);
    let wrong = craft(&with(with(refresh_for(id), "aud", json!("web")), "iss", json!("latchkey")));
    assert_eq!(token_error(f.service.verify(&wrong)), TokenError::Invalid);

    // Without an audience configured, a token's aud is not looked at.
    let open = fixture();
    open.service.tokens().verify_access(&pair.access).expect("aud and iss ignored");
}

/// A signed token whose jti is wider than its column is refused as invalid by every view that
/// would store or look it up, before the store sees it.
#[test]
fn a_jti_longer_than_its_column_is_invalid() {
    let f = fixture();
    let id = json!(f.alice.id.0.to_string());
    let long = craft(&with(payload_for("refresh", id), "jti", json!("x".repeat(256))));
    assert_eq!(token_error(f.service.refresh(&long, &f.users)), TokenError::Invalid);
    assert_eq!(token_error(f.service.blacklist(&long)), TokenError::Invalid);
    assert_eq!(token_error(f.service.verify(&long)), TokenError::Invalid);
    assert!(f.tokens.take().is_empty(), "the store was written");
}
