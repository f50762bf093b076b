//! `Authorization: Token <key>`, exactly as DRF's `TokenAuthentication` answers it.

use crate::derive::{is_well_formed_key, key_digest};
use crate::directory::KeyDirectory;
use latchkey_engine::{AuthError, AuthScheme, AuthorizationHeader, BoxFuture, Principal, SchemeError};
use std::sync::Arc;

/// The header keyword, matched ASCII-case-insensitively as DRF's `auth[0].lower()` does.
const KEYWORD: &[u8] = b"Token";

/// DRF's `TokenAuthentication` as an [`AuthScheme`], configured under the name `token`.
#[derive(Clone)]
pub struct TokenScheme {
    directory: Arc<dyn KeyDirectory>,
}

impl TokenScheme {
    pub fn new(directory: Arc<dyn KeyDirectory>) -> Self {
        Self { directory }
    }
}

impl AuthScheme for TokenScheme {
    fn name(&self) -> &'static str {
        "token"
    }

    fn recognizes(&self, keyword: &[u8]) -> bool {
        keyword.eq_ignore_ascii_case(KEYWORD)
    }

    fn authenticate<'a>(
        &'a self,
        header: &'a AuthorizationHeader<'a>,
    ) -> BoxFuture<'a, Result<Principal, SchemeError>> {
        Box::pin(async move {
            // DRF checks these in this order, and the order decides which body a client sees.
            let raw = match (header.credential_count(), header.single_credential()) {
                (0, _) => return Err(AuthError::token_header_without_credentials().into()),
                (1, Some(one)) => one,
                _ => return Err(AuthError::token_header_with_spaces().into()),
            };
            let presented = std::str::from_utf8(raw).map_err(|_| AuthError::token_header_with_invalid_characters())?;
            // No key has another shape, so such strings (a JWT, a typo) fail without a lookup;
            // the body is the one an unknown key gets, as in DRF.
            if !is_well_formed_key(presented) {
                return Err(AuthError::invalid_token().into());
            }
            // Looked up by digest, so the store's comparison never runs on key material.
            let user = self.directory.user_for_digest(&key_digest(presented)).await?;
            let Some(user) = user else {
                return Err(AuthError::invalid_token().into());
            };
            if !user.is_active {
                return Err(AuthError::user_inactive_or_deleted().into());
            }
            Ok(Principal::for_user(user, "token", None))
        })
    }

    fn challenge(&self) -> &str {
        "Token"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::KeyDeriver;
    use crate::directory::StoreKeyDirectory;
    use crate::keys::OpaqueKeys;
    use crate::testing::store_with_users;
    use latchkey_domain::UserStore;
    use latchkey_engine::{DirectoryError, SchemeChain, UserState};
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Fixture {
        scheme: TokenScheme,
        keys: Arc<OpaqueKeys>,
        store: Arc<latchkey_domain::memory::MemoryStore>,
        ids: Vec<latchkey_domain::UserId>,
    }

    fn fixture() -> Fixture {
        let (store, ids) = store_with_users(&[("alice", true), ("carol", false)]);
        let keys = Arc::new(OpaqueKeys::new(KeyDeriver::new(b"secret").expect("deriver"), store.clone()));
        let scheme = TokenScheme::new(Arc::new(StoreKeyDirectory::new(keys.clone())));
        Fixture { scheme, keys, store, ids }
    }

    fn run(scheme: &TokenScheme, raw: &[u8]) -> Result<Principal, SchemeError> {
        let header = AuthorizationHeader::parse(raw).expect("non-empty header");
        assert!(scheme.recognizes(header.keyword()));
        pollster::block_on(scheme.authenticate(&header))
    }

    fn rejected(result: Result<Principal, SchemeError>) -> String {
        match result {
            Err(SchemeError::Rejected(err)) => {
                assert_eq!(err.code, None);
                assert!(err.messages.is_empty());
                err.detail
            }
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn identity() {
        let f = fixture();
        assert_eq!(f.scheme.name(), "token");
        assert_eq!(f.scheme.challenge(), "Token");
    }

    #[test]
    fn keyword_is_ascii_case_insensitive() {
        let f = fixture();
        for keyword in ["Token", "token", "TOKEN", "ToKeN"] {
            assert!(f.scheme.recognizes(keyword.as_bytes()), "{keyword}");
        }
        for keyword in ["Bearer", "Tokens", "Toke", "JWT", "Basic", ""] {
            assert!(!f.scheme.recognizes(keyword.as_bytes()), "{keyword}");
        }
        // Python's bytes.lower() folds ASCII only; so must we.
        assert!(!f.scheme.recognizes("TOKEN\u{130}".as_bytes()));
        assert!(!f.scheme.recognizes("to\u{212a}en".as_bytes()));
    }

    #[test]
    fn authenticates_a_valid_key() {
        let f = fixture();
        let key = f.keys.key_for_user(f.ids[0]).expect("key");
        for raw in [format!("Token {key}"), format!("token {key}"), format!("  TOKEN \t {key}  ")] {
            let principal = run(&f.scheme, raw.as_bytes()).expect("principal");
            assert_eq!(principal.user_id, f.ids[0]);
            assert_eq!(principal.username, "alice");
            assert_eq!(principal.scheme, "token");
            assert_eq!(principal.credential_id, None);
            assert!(!principal.is_staff && !principal.is_superuser);
        }
    }

    #[test]
    fn every_error_body() {
        let f = fixture();
        let alice = f.keys.key_for_user(f.ids[0]).expect("key");
        let carol = f.keys.key_for_user(f.ids[1]).expect("key");
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"Token".to_vec(), "Invalid token header. No credentials provided."),
            (b"Token ".to_vec(), "Invalid token header. No credentials provided."),
            (b"Token a b".to_vec(), "Invalid token header. Token string should not contain spaces."),
            (
                format!("Token {alice} {alice}").into_bytes(),
                "Invalid token header. Token string should not contain spaces.",
            ),
            (b"Token \xff\xfe".to_vec(), "Invalid token header. Token string should not contain invalid characters."),
            (format!("Token {}", "0".repeat(40)).into_bytes(), "Invalid token."),
            (b"Token short".to_vec(), "Invalid token."),
            (format!("Token {}", "x".repeat(41)).into_bytes(), "Invalid token."),
            (b"Token ZZZZ".to_vec(), "Invalid token."),
            (format!("Token {}", alice.to_uppercase()).into_bytes(), "Invalid token."),
            (b"Token eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.c2lnbmF0dXJl".to_vec(), "Invalid token."),
            (format!("Token {}", key_digest(&alice)).into_bytes(), "Invalid token."),
            (format!("Token {carol}").into_bytes(), "User inactive or deleted."),
        ];
        for (raw, detail) in cases {
            assert_eq!(rejected(run(&f.scheme, &raw)), detail, "{}", String::from_utf8_lossy(&raw));
        }
        // The constructors are the ones the rest of the server renders.
        assert_eq!(rejected(run(&f.scheme, b"Token")), AuthError::token_header_without_credentials().detail);
    }

    #[test]
    fn deactivating_a_user_rejects_their_key() {
        let f = fixture();
        let key = f.keys.key_for_user(f.ids[0]).expect("key");
        f.store.set_active(f.ids[0], false).expect("deactivate");
        assert_eq!(rejected(run(&f.scheme, format!("Token {key}").as_bytes())), "User inactive or deleted.");
    }

    #[test]
    fn reset_and_rotation_reject_old_keys() {
        let f = fixture();
        let old = f.keys.key_for_user(f.ids[0]).expect("key");
        let new = f.keys.reset(f.ids[0]).expect("reset");
        assert_eq!(rejected(run(&f.scheme, format!("Token {old}").as_bytes())), "Invalid token.");
        assert!(run(&f.scheme, format!("Token {new}").as_bytes()).is_ok());

        let rotated = Arc::new(OpaqueKeys::new(KeyDeriver::new(b"rotated").expect("deriver"), f.store.clone()));
        let scheme = TokenScheme::new(Arc::new(StoreKeyDirectory::new(rotated)));
        assert_eq!(rejected(run(&scheme, format!("Token {new}").as_bytes())), "Invalid token.");
    }

    /// Counts lookups, and fails or answers as told.
    struct Recording {
        calls: AtomicUsize,
        answer: Result<Option<UserState>, String>,
    }

    impl KeyDirectory for Recording {
        fn user_for_digest(&self, _: &str) -> BoxFuture<'_, Result<Option<UserState>, DirectoryError>> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let answer = self.answer.clone().map_err(DirectoryError::new);
            Box::pin(async move { answer })
        }
    }

    #[test]
    fn malformed_keys_skip_the_lookup() {
        let directory = Arc::new(Recording { calls: AtomicUsize::new(0), answer: Ok(None) });
        let scheme = TokenScheme::new(directory.clone());
        for raw in [&b"Token short"[..], b"Token ZZZZ", b"Token", b"Token a b", b"Token \xff"] {
            assert!(run(&scheme, raw).is_err());
        }
        assert_eq!(directory.calls.load(Ordering::SeqCst), 0);
        let raw = format!("Token {}", "0".repeat(40));
        assert_eq!(rejected(run(&scheme, raw.as_bytes())), "Invalid token.");
        assert_eq!(directory.calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn directory_failures_are_unavailable_not_rejections() {
        let directory = Arc::new(Recording { calls: AtomicUsize::new(0), answer: Err("db down".into()) });
        let scheme = TokenScheme::new(directory);
        let raw = format!("Token {}", "0".repeat(40));
        match run(&scheme, raw.as_bytes()) {
            Err(SchemeError::Unavailable(cause)) => {
                assert!(latchkey_domain::error_chain(cause.as_ref()).contains("db down"))
            }
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }

    #[test]
    fn works_in_a_chain_after_other_schemes() {
        let f = fixture();
        let key = f.keys.key_for_user(f.ids[0]).expect("key");
        let chain = SchemeChain::new(vec![Arc::new(f.scheme.clone())]);
        assert_eq!(chain.challenge(), Some("Token"));
        let header = format!("token {key}");
        let principal = pollster::block_on(chain.authenticate(Some(header.as_bytes()))).expect("ok");
        assert_eq!(principal.map(|p| p.user_id), Some(f.ids[0]));
        let bearer = format!("Bearer {key}");
        assert!(pollster::block_on(chain.authenticate(Some(bearer.as_bytes()))).expect("ok").is_none());
    }
}
