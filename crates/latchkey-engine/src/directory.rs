use crate::scheme::BoxFuture;
use latchkey_domain::{BoxError, User, UserId};
use thiserror::Error;

/// What authentication needs to know about a user: small, cheap to cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserState {
    pub id: UserId,
    pub username: String,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
}

impl From<&User> for UserState {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            username: user.username.clone(),
            is_active: user.is_active,
            is_staff: user.is_staff,
            is_superuser: user.is_superuser,
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

/// Looks users up by id for schemes that carry only an id (a JWT's `user_id`). Servers
/// implement it over their store, with a cache and off their async workers.
pub trait UserDirectory: Send + Sync {
    fn user(&self, id: UserId) -> BoxFuture<'_, Result<Option<UserState>, DirectoryError>>;
}
