//! simplejwt's `JWTAuthentication` as a Latchkey [`AuthScheme`].

use crate::claims::UserIdClaim;
use crate::clock::UnixNanos;
use crate::error::TokenError;
use crate::tokens::JwtTokens;
use crate::verified::{VerifiedAccess, VerifiedCache};
use latchkey_domain::{CutoffReason, session_tag};
use latchkey_engine::{
    AuthError, AuthScheme, AuthorizationHeader, BoxFuture, Principal, SchemeError, SessionDirectory, TokenMessage,
    UserDirectory, UserState,
};
use std::sync::Arc;
use std::time::Duration;

/// How long, and how many, verified access tokens are remembered by default.
const VERIFIED_TTL: Duration = Duration::from_secs(60);
const VERIFIED_CAPACITY: usize = 10_000;

/// The `WWW-Authenticate` value: `AUTH_HEADER_TYPES[0]` and simplejwt's fixed realm.
pub const CHALLENGE: &str = r#"Bearer realm="api""#;

/// `Authorization: Bearer <access token>`. The keyword is matched case-sensitively, as
/// simplejwt does (unlike DRF's `Token`). The token is checked without storage (access tokens
/// are never blacklisted), so this needs [`JwtTokens`] only; the user is looked up through
/// the directory, and must exist and be active.
///
/// A token whose signature and claims checked out is remembered (bounded in time and number):
/// a signature check gives the same answer for the same bytes under the same key, so a client
/// that sends its access token on every request pays for HMAC and JSON once. The time claims
/// (`exp`, `nbf`, `iat`) are checked again on every use, and failures are never remembered.
pub struct JwtScheme {
    tokens: Arc<JwtTokens>,
    directory: Arc<dyn UserDirectory>,
    sessions: Option<Arc<dyn SessionDirectory>>,
    verified: VerifiedCache,
}

impl JwtScheme {
    /// Remembers up to 10 000 verified tokens, each for 60 seconds at most.
    pub fn new(tokens: impl Into<Arc<JwtTokens>>, directory: Arc<dyn UserDirectory>) -> Self {
        Self::with_verified_cache(tokens, directory, VERIFIED_TTL, VERIFIED_CAPACITY)
    }

    /// A zero `ttl` (or `capacity`) turns the cache of verified tokens off.
    pub fn with_verified_cache(
        tokens: impl Into<Arc<JwtTokens>>,
        directory: Arc<dyn UserDirectory>,
        ttl: Duration,
        capacity: usize,
    ) -> Self {
        Self { tokens: tokens.into(), directory, sessions: None, verified: VerifiedCache::new(ttl, capacity) }
    }

    /// Refuses access tokens of ended sessions, looked up by the tag their `jti` starts with.
    /// Without it, only the users' token cutoffs (logout everywhere, password change) apply.
    pub fn with_sessions(mut self, sessions: Arc<dyn SessionDirectory>) -> Self {
        self.sessions = Some(sessions);
        self
    }

    /// Whether the token was ended: its session revoked, or issued before the user's cutoff.
    async fn check_revocation(&self, access: &VerifiedAccess, user: &UserState) -> Result<(), SchemeError> {
        let tag = access.jti.as_deref().and_then(session_tag);
        let session = match (&self.sessions, tag) {
            (Some(sessions), Some(tag)) => sessions.session(tag).await?.filter(|s| s.user_id == user.id),
            _ => None,
        };
        // The cutoff first: a password change ends the sessions too, and its own body says why.
        if let Some(cutoff) = &user.tokens_cutoff {
            // A token without `iat` cannot show it is newer than the cutoff.
            let iat = access.times.iat.unwrap_or(i64::MIN);
            if cutoff.ends(iat, session.as_ref().map(|s| s.created_at)) {
                return Err(match cutoff.reason {
                    CutoffReason::PasswordChanged => AuthError::password_changed().into(),
                    CutoffReason::LogoutAll => rejected_access_token(TokenError::Blacklisted),
                });
            }
        }
        if session.is_some_and(|s| s.revoked) {
            return Err(rejected_access_token(TokenError::Blacklisted));
        }
        Ok(())
    }

    /// The credential's bytes, looked up before they are even read as UTF-8: only tokens that
    /// passed every check are remembered, so a hit needs no other work than the time claims.
    fn verified_access(&self, raw: &[u8]) -> Result<Arc<VerifiedAccess>, TokenError> {
        let now = UnixNanos::now();
        if let Some(verified) = self.verified.get(raw) {
            self.tokens.check_times(&verified.times, now)?;
            return Ok(verified);
        }
        // PyJWT cannot decode bytes that are not UTF-8 either: an invalid token, not a bad header.
        let token = std::str::from_utf8(raw).map_err(|_| TokenError::Invalid)?;
        let (claims, times) = self.tokens.decode_access_at(token, now)?;
        let verified =
            Arc::new(VerifiedAccess { user_id: claims.user_id(), jti: claims.jti().map(str::to_owned), times });
        self.verified.insert(raw, Arc::clone(&verified));
        Ok(verified)
    }
}

impl AuthScheme for JwtScheme {
    fn name(&self) -> &'static str {
        "jwt"
    }

    fn recognizes(&self, keyword: &[u8]) -> bool {
        keyword == b"Bearer"
    }

    fn authenticate<'a>(
        &'a self,
        header: &'a AuthorizationHeader<'a>,
    ) -> BoxFuture<'a, Result<Principal, SchemeError>> {
        Box::pin(async move {
            let raw = header.single_credential().ok_or_else(AuthError::bad_authorization_header)?;
            let access = self.verified_access(raw).map_err(rejected_access_token)?;
            let user_id = match access.user_id {
                UserIdClaim::Id(id) => id,
                UserIdClaim::Missing => return Err(AuthError::no_user_identification().into()),
                // Django's lookup by such a value finds nobody (or fails): no user either way.
                UserIdClaim::Unrecognized => return Err(AuthError::user_not_found().into()),
            };
            let user = self.directory.user(user_id).await?.ok_or_else(AuthError::user_not_found)?;
            if !user.is_active {
                return Err(AuthError::user_inactive().into());
            }
            self.check_revocation(&access, &user).await?;
            Ok(Principal::for_user(user, "jwt", access.jti.clone()))
        })
    }

    fn challenge(&self) -> &str {
        CHALLENGE
    }
}

// `AUTH_TOKEN_CLASSES` is `(AccessToken,)`: one message, for the one class tried.
fn rejected_access_token(err: TokenError) -> SchemeError {
    AuthError::not_valid_for_any_token_type(vec![TokenMessage {
        token_class: "AccessToken",
        token_type: "access",
        message: err.to_string(),
    }])
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::TimeClaims;
    use crate::service::JwtService;
    use crate::settings::JwtSettings;
    use crate::test_support::{SECRET, StoreDirectory, add_user, craft, craft_with, now, payload_for, with, without};
    use jsonwebtoken::Algorithm;
    use latchkey_domain::memory::MemoryStore;
    use latchkey_domain::{User, UserId, UserStore};
    use latchkey_engine::{DirectoryError, UserState};
    use serde_json::{Value, json};

    struct Fixture {
        scheme: JwtScheme,
        service: Arc<JwtService>,
        store: Arc<MemoryStore>,
        alice: User,
        carol: User,
    }

    fn fixture() -> Fixture {
        let store = Arc::new(MemoryStore::new());
        let alice = add_user(&store, "alice", true);
        let carol = add_user(&store, "carol", false);
        let settings = JwtSettings::hmac(Algorithm::HS256, SECRET).expect("settings");
        // One verifier, shared: the scheme never sees the store of refresh tokens.
        let tokens = Arc::new(JwtTokens::new(settings));
        let service = Arc::new(JwtService::new(Arc::clone(&tokens), store.clone()));
        let scheme = JwtScheme::new(tokens, Arc::new(StoreDirectory(store.clone())));
        Fixture { scheme, service, store, alice, carol }
    }

    fn authenticate(scheme: &JwtScheme, raw: &[u8]) -> Result<Principal, SchemeError> {
        let header = AuthorizationHeader::parse(raw).expect("header");
        assert!(scheme.recognizes(header.keyword()));
        pollster::block_on(scheme.authenticate(&header))
    }

    fn bearer(scheme: &JwtScheme, token: &str) -> Result<Principal, SchemeError> {
        authenticate(scheme, format!("Bearer {token}").as_bytes())
    }

    fn rejection(result: Result<Principal, SchemeError>) -> AuthError {
        match result {
            Err(SchemeError::Rejected(err)) => err,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    fn token_message(result: Result<Principal, SchemeError>) -> String {
        let err = rejection(result);
        assert_eq!(err.detail, "Given token not valid for any token type");
        assert_eq!(err.code, Some("token_not_valid"));
        let [message] = <[TokenMessage; 1]>::try_from(err.messages).expect("one message");
        assert_eq!((message.token_class, message.token_type), ("AccessToken", "access"));
        message.message
    }

    fn access_for(user_id: Value) -> Value {
        payload_for("access", user_id)
    }

    #[test]
    fn identity() {
        let f = fixture();
        assert_eq!(f.scheme.name(), "jwt");
        assert_eq!(f.scheme.challenge(), r#"Bearer realm="api""#);
        assert!(f.scheme.recognizes(b"Bearer"));
        for other in [&b"bearer"[..], b"BEARER", b"JWT", b"Token", b"Basic"] {
            assert!(!f.scheme.recognizes(other));
        }
    }

    #[test]
    fn issued_access_token_authenticates() {
        let f = fixture();
        let pair = f.service.obtain_pair(f.alice.id).expect("pair");
        let principal = bearer(&f.scheme, &pair.access).expect("principal");
        let jti = crate::test_support::payload(&pair.access)["jti"].as_str().map(str::to_owned);
        assert_eq!(principal.user_id, f.alice.id);
        assert_eq!(principal.username, "alice");
        assert_eq!(principal.scheme, "jwt");
        assert_eq!(principal.credential_id, jti);
        // Tabs and runs of spaces separate like Python's bytes.split().
        assert!(authenticate(&f.scheme, format!("Bearer \t {}", pair.access).as_bytes()).is_ok());
    }

    #[test]
    fn user_id_as_string_or_integer() {
        let f = fixture();
        assert!(bearer(&f.scheme, &craft(&access_for(json!(f.alice.id.to_string())))).is_ok());
        assert!(bearer(&f.scheme, &craft(&access_for(json!(f.alice.id.0)))).is_ok());
        let extras = with(with(access_for(json!(f.alice.id.0)), "role", json!("admin")), "aud", json!("x"));
        assert!(bearer(&f.scheme, &craft(&without(extras, "iat"))).is_ok());
    }

    #[test]
    fn header_must_have_exactly_one_credential() {
        let f = fixture();
        for raw in [&b"Bearer"[..], b"Bearer a b"] {
            assert_eq!(rejection(authenticate(&f.scheme, raw)), AuthError::bad_authorization_header());
        }
    }

    #[test]
    fn token_failures_carry_simplejwts_messages() {
        let f = fixture();
        let id = json!(f.alice.id.to_string());
        let now = now();
        let refresh = f.service.obtain_pair(f.alice.id).expect("pair").refresh;
        let cases: Vec<(String, &str)> = vec![
            ("garbage".into(), "Token is invalid"),
            (craft_with(Algorithm::HS256, b"other", &access_for(id.clone())), "Token is invalid"),
            (craft_with(Algorithm::HS512, SECRET, &access_for(id.clone())), "Token is invalid"),
            (craft(&with(access_for(id.clone()), "exp", json!(now - 30))), "Token is expired"),
            (craft(&without(access_for(id.clone()), "exp")), "Token has no 'exp' claim"),
            (craft(&without(access_for(id.clone()), "jti")), "Token has no id"),
            (craft(&without(access_for(id.clone()), "token_type")), "Token has no type"),
            (craft(&payload_for("sliding", id)), "Token has wrong type"),
            (refresh, "Token has wrong type"),
        ];
        for (token, message) in cases {
            assert_eq!(token_message(bearer(&f.scheme, &token)), message, "{token}");
        }
        assert_eq!(token_message(authenticate(&f.scheme, b"Bearer \xff\xfe")), "Token is invalid");
    }

    #[test]
    fn user_failures() {
        let f = fixture();
        let no_user = craft(&without(access_for(json!("1")), "user_id"));
        assert_eq!(rejection(bearer(&f.scheme, &no_user)), AuthError::no_user_identification());
        for id in [json!("987654321"), json!("abc"), json!(null), json!(1.5)] {
            assert_eq!(rejection(bearer(&f.scheme, &craft(&access_for(id)))), AuthError::user_not_found());
        }
        let inactive = craft(&access_for(json!(f.carol.id.to_string())));
        assert_eq!(rejection(bearer(&f.scheme, &inactive)), AuthError::user_inactive());
    }

    #[test]
    fn access_survives_blacklisting_its_refresh() {
        let f = fixture();
        let pair = f.service.obtain_pair(f.alice.id).expect("pair");
        f.service.blacklist(&pair.refresh).expect("blacklisted");
        assert!(bearer(&f.scheme, &pair.access).is_ok());
    }

    struct Down;

    impl UserDirectory for Down {
        fn user(&self, _: UserId) -> BoxFuture<'_, Result<Option<UserState>, DirectoryError>> {
            Box::pin(std::future::ready(Err(DirectoryError::new("database is down"))))
        }
    }

    #[test]
    fn directory_failure_is_unavailable() {
        let f = fixture();
        let scheme = JwtScheme::new(Arc::clone(f.service.tokens()), Arc::new(Down));
        let token = craft(&access_for(json!("1")));
        assert!(matches!(bearer(&scheme, &token), Err(SchemeError::Unavailable(_))));
    }

    #[test]
    fn a_remembered_token_still_expires() {
        let f = fixture();
        let id = json!(f.alice.id.0.to_string());
        let expires = now() + 2;
        let token = craft(&with(access_for(id), "exp", json!(expires)));
        bearer(&f.scheme, &token).expect("valid while fresh");
        bearer(&f.scheme, &token).expect("and again, from the cache");
        while now() < expires {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert_eq!(token_message(bearer(&f.scheme, &token)), "Token is expired");
    }

    #[test]
    fn failures_are_not_remembered_and_other_bytes_are_not_served() {
        let f = fixture();
        let pair = f.service.obtain_pair(f.alice.id).expect("pair");
        bearer(&f.scheme, &pair.access).expect("valid");
        let tampered = format!("{}x", pair.access);
        assert!(bearer(&f.scheme, &tampered).is_err());
        assert!(bearer(&f.scheme, &tampered).is_err());
        bearer(&f.scheme, &pair.access).expect("still valid");
    }

    #[test]
    fn only_successes_are_remembered() {
        let f = fixture();
        let good = f.service.obtain_pair(f.alice.id).expect("pair").access;
        for bad in [format!("{good}x"), craft(&without(access_for(json!("1")), "jti")), "garbage".to_owned()] {
            assert!(bearer(&f.scheme, &bad).is_err());
        }
        assert_eq!(f.scheme.verified.len(), 0, "failures are not cached");
        bearer(&f.scheme, &good).expect("valid");
        bearer(&f.scheme, &good).expect("valid again");
        assert_eq!(f.scheme.verified.len(), 1);
    }

    #[test]
    fn a_cache_hit_checks_the_time_claims_again() {
        let f = fixture();
        let token = craft(&access_for(json!(f.alice.id.to_string())));
        bearer(&f.scheme, &token).expect("valid");
        // Stand in for the clock moving on: the remembered entry now says the token expired,
        // or is not valid yet; the scheme answers from the entry, without decoding again.
        for (times, message) in [
            (TimeClaims { iat: None, nbf: None, exp: Some(now() - 1) }, "Token is expired"),
            (TimeClaims { iat: None, nbf: Some(now() + 60), exp: None }, "Token is invalid"),
        ] {
            let remembered = f.scheme.verified.get(token.as_bytes()).expect("cached");
            let moved_on = VerifiedAccess { times, ..VerifiedAccess::clone(&remembered) };
            f.scheme.verified.insert(token.as_bytes(), Arc::new(moved_on));
            assert_eq!(token_message(bearer(&f.scheme, &token)), message);
        }
    }

    #[test]
    fn the_user_is_looked_up_on_every_use() {
        let f = fixture();
        let access = f.service.obtain_pair(f.alice.id).expect("pair").access;
        bearer(&f.scheme, &access).expect("active");
        f.store.set_active(f.alice.id, false).expect("deactivated");
        assert_eq!(rejection(bearer(&f.scheme, &access)), AuthError::user_inactive());
    }

    #[test]
    fn zero_ttl_turns_the_cache_off() {
        let f = fixture();
        let scheme = JwtScheme::with_verified_cache(
            Arc::clone(f.service.tokens()),
            Arc::new(StoreDirectory(f.store.clone())),
            Duration::ZERO,
            VERIFIED_CAPACITY,
        );
        let access = f.service.obtain_pair(f.alice.id).expect("pair").access;
        bearer(&scheme, &access).expect("valid");
        bearer(&scheme, &access).expect("valid, checked in full again");
        assert_eq!(scheme.verified.len(), 0);
    }

    #[test]
    fn short_ttl_entries_expire() {
        let f = fixture();
        let scheme = JwtScheme::with_verified_cache(
            Arc::clone(f.service.tokens()),
            Arc::new(StoreDirectory(f.store.clone())),
            Duration::from_millis(50),
            VERIFIED_CAPACITY,
        );
        let access = f.service.obtain_pair(f.alice.id).expect("pair").access;
        bearer(&scheme, &access).expect("valid");
        assert!(scheme.verified.get(access.as_bytes()).is_some());
        std::thread::sleep(Duration::from_millis(100));
        assert!(scheme.verified.get(access.as_bytes()).is_none());
        bearer(&scheme, &access).expect("verified afresh");
    }
}
