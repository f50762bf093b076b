//! djangorestframework-simplejwt's tokens, on jsonwebtoken. Verifying one needs only the key:
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let settings = latchkey_jwt::JwtSettings::hmac(latchkey_jwt::Algorithm::HS256, b"change me")?;
//! # let issued = latchkey_jwt::JwtTokens::new(settings).issue_pair(latchkey_domain::UserId(1), &Default::default())?;
//! # let token = issued.tokens.access;
//! use latchkey_jwt::{Algorithm, JwtSettings, JwtTokens};
//! let verifier = JwtTokens::new(JwtSettings::hmac(Algorithm::HS256, b"change me")?);
//! let claims = verifier.verify_access(&token)?;
//! let user_id = claims.user_id.id().ok_or("the token names no user")?;
//! assert_eq!(user_id, latchkey_domain::UserId(1));
//! # Ok(())
//! # }
//! ```
//!
//! JWT access and refresh tokens with djangorestframework-simplejwt 5.5.1's semantics, on
//! jsonwebtoken: the same payloads (claim names, order and types), the same error messages,
//! the same checks in the same order, so tokens and clients move between a Django deployment
//! and Latchkey unchanged. Where simplejwt answers a 500 or skips a check, Latchkey answers
//! like its sibling cases (see [`JwtService`]).
//!
//! * [`JwtSettings`]: algorithm, keys, lifetimes, rotation, audience, issuer, leeway.
//!   [`Algorithm`] parses from simplejwt's names (`"HS256".parse::<Algorithm>()`; note the
//!   spelling `EdDSA`).
//! * [`JwtTokens`]: the stateless part. Issues pairs ([`JwtTokens::issue_pair`], with extra
//!   claims as a `get_token` override adds them) and verifies access tokens
//!   ([`JwtTokens::verify_access`] into [`AccessClaims`], or
//!   [`JwtTokens::verify_access_as`] into a type of yours). No store.
//! * [`JwtService`]: what needs the [`RefreshTokenStore`](latchkey_domain::RefreshTokenStore):
//!   obtain a pair (recorded as outstanding), refresh (with atomic rotation), verify (with
//!   the blacklist), blacklist, flush. Its methods block.
//! * [`JwtScheme`]: `Authorization: Bearer <access>` as a [`latchkey_engine::AuthScheme`], on
//!   [`JwtTokens`] alone.
//!
//! The whole cycle, on the in-memory store:
//!
//! ```
//! use latchkey_domain::memory::MemoryStore;
//! use latchkey_domain::{NewUser, UserId, UserStore};
//! use latchkey_engine::{AuthScheme, AuthorizationHeader, BoxFuture, DirectoryError, UserDirectory, UserState};
//! use latchkey_jwt::{Algorithm, Claims, JwtError, JwtScheme, JwtService, JwtSettings, JwtTokens, TokenError};
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! // A server implements this over its store, with a cache; this one reads the map directly.
//! struct Directory(Arc<MemoryStore>);
//!
//! impl UserDirectory for Directory {
//!     fn user(&self, id: UserId) -> BoxFuture<'_, Result<Option<UserState>, DirectoryError>> {
//!         let found = self.0.find_user_by_id(id).map(|u| u.as_ref().map(UserState::from));
//!         Box::pin(std::future::ready(found.map_err(DirectoryError::new)))
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = Arc::new(MemoryStore::new());
//! let alice = store.create_user(NewUser::new("alice", "", "!"))?;
//!
//! let settings = JwtSettings::hmac(Algorithm::HS256, b"change me")?
//!     .with_lifetimes(Duration::from_secs(300), Duration::from_secs(86_400));
//! // One verifier, shared: the scheme needs no store, the service adds it.
//! let tokens = Arc::new(JwtTokens::new(settings));
//! let service = JwtService::new(Arc::clone(&tokens), store.clone());
//! let scheme = JwtScheme::new(Arc::clone(&tokens), Arc::new(Directory(store.clone())));
//!
//! // Obtain a pair (after checking the password), with a claim of our own, then use the
//! // access token.
//! let pair = service.obtain_pair_with(alice.id, &Claims::from_iter([("role", "admin")]))?;
//! let header = format!("Bearer {}", pair.access);
//! let header = AuthorizationHeader::parse(header.as_bytes()).ok_or("empty header")?;
//! assert!(scheme.recognizes(header.keyword()));
//! let principal = pollster::block_on(scheme.authenticate(&header))?;
//! assert_eq!(principal.username, "alice");
//!
//! // Refresh (no rotation by default): the new access token carries the claim too.
//! let refreshed = service.refresh(&pair.refresh, store.as_ref())?;
//! assert!(refreshed.refresh.is_none());
//! let claims = tokens.verify_access(&refreshed.access)?;
//! assert_eq!(claims.extra.get("role"), Some(&"admin".into()));
//!
//! // Verify, log out.
//! service.verify(&refreshed.access)?;
//! service.blacklist(&pair.refresh)?;
//!
//! // The blacklisted refresh token is refused everywhere it is looked up.
//! let refused = service.refresh(&pair.refresh, store.as_ref());
//! assert!(matches!(refused, Err(JwtError::Token(TokenError::Blacklisted))));
//! assert!(matches!(service.verify(&pair.refresh), Err(JwtError::Token(TokenError::Blacklisted))));
//! # Ok(())
//! # }
//! ```

mod access_claims;
mod claims;
mod clock;
mod codec;
mod error;
mod pair;
mod payload;
mod scheme;
mod service;
mod settings;
mod tokens;
mod verified;

#[cfg(test)]
mod test_support;

pub use access_claims::AccessClaims;
pub use claims::{Claims, JTI_CLAIM, RESERVED_CLAIMS, TOKEN_TYPE_CLAIM, USER_ID_CLAIM, UserIdClaim};
pub use error::{ClaimsError, JwtError, KeyError, NO_ACTIVE_ACCOUNT_FOR_TOKEN, TokenError};
pub use pair::{IssuedPair, Refreshed, TokenPair};
pub use payload::TokenKind;
pub use scheme::{CHALLENGE, JwtScheme};
pub use service::{JwtService, SessionClient};
pub use settings::JwtSettings;
pub use tokens::JwtTokens;

/// Re-exported so that callers name algorithms without depending on jsonwebtoken themselves.
/// It parses from the names simplejwt's `ALGORITHM` setting takes, with jsonwebtoken's
/// `FromStr` (`"RS256".parse::<Algorithm>()`; Edwards curves are `"EdDSA"`, exactly).
pub use jsonwebtoken::Algorithm;
