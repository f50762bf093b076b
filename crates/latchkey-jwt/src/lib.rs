//! JWT access and refresh tokens with djangorestframework-simplejwt 5.5.1's semantics, on
//! jsonwebtoken: the same payloads (claim names, order and types), the same error messages,
//! the same checks in the same order, so tokens and clients move between a Django deployment
//! and Latchkey unchanged. Where simplejwt answers a 500 or skips a check, Latchkey answers
//! like its sibling cases (see [`JwtService`]).
//!
//! * [`JwtSettings`]: algorithm, keys, lifetimes, rotation, audience, issuer, leeway.
//! * [`JwtCodec`]: signing and decoding, with PyJWT's claim rules; pure.
//! * [`JwtService`]: obtain pair, refresh (with atomic rotation), verify, blacklist, flush,
//!   over a [`RefreshTokenStore`](latchkey_domain::RefreshTokenStore). Its methods block.
//! * [`JwtScheme`]: `Authorization: Bearer <access>` as a [`latchkey_engine::AuthScheme`].
//!
//! ```
//! use latchkey_domain::memory::MemoryStore;
//! use latchkey_domain::{NewUser, UserId, UserStore};
//! use latchkey_engine::{AuthScheme, AuthorizationHeader, BoxFuture, DirectoryError, UserDirectory, UserState};
//! use latchkey_jwt::{Algorithm, JwtError, JwtScheme, JwtService, JwtSettings, TokenError};
//! use std::sync::Arc;
//!
//! // A server implements this over its store, with a cache; this one reads the map directly.
//! struct Directory(Arc<MemoryStore>);
//!
//! impl UserDirectory for Directory {
//!     fn user(&self, id: UserId) -> BoxFuture<'_, Result<Option<UserState>, DirectoryError>> {
//!         let found = self.0.find_user_by_id(id).map(|u| u.as_ref().map(UserState::from));
//!         Box::pin(std::future::ready(found.map_err(|e| DirectoryError(e.to_string()))))
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = Arc::new(MemoryStore::new());
//! let alice = store.create_user(NewUser::new("alice", "", "!"))?;
//!
//! let settings = JwtSettings::hmac(Algorithm::HS256, b"change me")?.with_lifetimes(300, 86_400);
//! let service = Arc::new(JwtService::new(settings, store.clone()));
//! let scheme = JwtScheme::new(service.clone(), Arc::new(Directory(store.clone())));
//!
//! // Obtain a pair (after checking the password), then use the access token.
//! let pair = service.obtain_pair(&alice)?;
//! let header = format!("Bearer {}", pair.access);
//! let header = AuthorizationHeader::parse(header.as_bytes()).ok_or("empty header")?;
//! assert!(scheme.recognizes(header.keyword()));
//! let principal = pollster::block_on(scheme.authenticate(&header))?;
//! assert_eq!(principal.username, "alice");
//!
//! // Refresh (no rotation by default), verify, log out.
//! let refreshed = service.refresh(&pair.refresh, store.as_ref())?;
//! assert!(refreshed.refresh.is_none());
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

mod claims;
mod codec;
mod error;
mod scheme;
mod service;
mod settings;
mod token;

#[cfg(test)]
mod test_support;

pub use claims::{Claims, JTI_CLAIM, TOKEN_TYPE_CLAIM, USER_ID_CLAIM, UserIdClaim};
pub use codec::JwtCodec;
pub use error::{JwtError, KeyError, NO_ACTIVE_ACCOUNT_FOR_TOKEN, TokenError};
pub use scheme::{CHALLENGE, JwtScheme};
pub use service::{JwtService, Refreshed, TokenPair};
pub use settings::JwtSettings;
pub use token::TokenKind;

/// Re-exported so that callers name algorithms without depending on jsonwebtoken themselves.
pub use jsonwebtoken::Algorithm;
