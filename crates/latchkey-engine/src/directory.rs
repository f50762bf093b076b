use crate::scheme::BoxFuture;
use chrono::NaiveDateTime;
use latchkey_domain::{BoxError, Session, TokenCutoff, User, UserId};
use thiserror::Error;

/// What authentication needs to know about a user: small, cheap to cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserState {
    pub id: UserId,
    pub username: String,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    /// Tokens issued before it are refused (a logout everywhere, a password change).
    pub tokens_cutoff: Option<TokenCutoff>,
}

impl From<&User> for UserState {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            username: user.username.clone(),
            is_active: user.is_active,
            is_staff: user.is_staff,
            is_superuser: user.is_superuser,
            tokens_cutoff: user.tokens_cutoff,
        }
    }
}

/// The directory could not answer (its store failed); the store's error is the source.
#[derive(Debug, Error)]
#[error("user directory unavailable")]
pub struct DirectoryError(#[source] pub BoxError);

impl DirectoryError {
    pub fn new(cause: impl Into<BoxError>) -> Self {
        Self(cause.into())
    }
}

/// What authentication needs to know of a session (see [`latchkey_domain::Session`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionState {
    pub user_id: UserId,
    pub created_at: NaiveDateTime,
    pub revoked: bool,
}

impl From<&Session> for SessionState {
    fn from(session: &Session) -> Self {
        Self { user_id: session.user_id, created_at: session.created_at, revoked: session.revoked_at.is_some() }
    }
}

/// Looks sessions up by tag for the Bearer scheme's revocation check. Servers implement it over
/// their store, with a cache and off their async workers, as [`UserDirectory`].
pub trait SessionDirectory: Send + Sync {
    /// `Ok(None)` when no session has this tag (a token minted elsewhere, or imported).
    fn session(&self, tag: &str) -> BoxFuture<'_, Result<Option<SessionState>, DirectoryError>>;
}

/// Looks users up by id for schemes that carry only an id (a JWT's `user_id`). Servers
/// implement it over their store, with a cache and off their async workers.
pub trait UserDirectory: Send + Sync {
    fn user(&self, id: UserId) -> BoxFuture<'_, Result<Option<UserState>, DirectoryError>>;
}
