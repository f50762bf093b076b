use super::middleware::AuthOutcome;
use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use latchkey_domain::UserId;
use latchkey_engine::SchemeError;
use latchkey_engine::{AuthError, Principal, SchemeChain};
use std::future::{Ready, ready};
use std::sync::Arc;

/// A handler parameter that requires an authenticated user (DRF's `IsAuthenticated`).
#[derive(Debug, Clone)]
pub struct Authenticated(pub Principal);

/// A handler parameter for views open to anyone (`AllowAny`) that still refuse a bad
/// credential, as DRF authenticates before checking permissions.
#[derive(Debug, Clone)]
pub struct MaybeAuthenticated(pub Option<Principal>);

/// The `WWW-Authenticate` of a 401: the first configured scheme's, looked up only on failure.
fn challenge(req: &HttpRequest) -> Option<String> {
    req.app_data::<web::Data<SchemeChain>>().and_then(|chain| chain.challenge().map(str::to_owned))
}

fn outcome(req: &HttpRequest) -> Result<Option<Principal>, ApiError> {
    match req.extensions().get::<AuthOutcome>() {
        Some(AuthOutcome::Anonymous) => Ok(None),
        Some(AuthOutcome::Authenticated(principal)) => Ok(Some(principal.clone())),
        Some(AuthOutcome::Rejected(body)) => {
            Err(ApiError::Unauthorized { body: body.clone(), challenge: challenge(req) })
        }
        Some(AuthOutcome::Unavailable(cause)) => Err(ApiError::unavailable(Shared(Arc::clone(cause)))),
        None => Err(ApiError::internal("the authentication middleware is not installed on this app")),
    }
}

/// The outcome's user id, without cloning the principal (for code that only keys on it).
fn outcome_user_id(req: &HttpRequest) -> Result<Option<UserId>, ApiError> {
    match req.extensions().get::<AuthOutcome>() {
        Some(AuthOutcome::Anonymous) => return Ok(None),
        Some(AuthOutcome::Authenticated(principal)) => return Ok(Some(principal.user_id)),
        _ => {}
    }
    outcome(req).map(|principal| principal.map(|p| p.user_id))
}

impl Authenticated {
    /// [`Authenticated::require`] for the user's id only (a throttle's key): no clone.
    pub fn require_id(req: &HttpRequest) -> Result<UserId, ApiError> {
        match outcome_user_id(req)? {
            Some(id) => Ok(id),
            None => Err(ApiError::Unauthorized { body: AuthError::not_provided(), challenge: challenge(req) }),
        }
    }

    /// [`Authenticated`] outside an extractor, for code that checks before a handler runs.
    pub fn require(req: &HttpRequest) -> Result<Self, ApiError> {
        match outcome(req)? {
            Some(principal) => Ok(Authenticated(principal)),
            None => Err(ApiError::Unauthorized { body: AuthError::not_provided(), challenge: challenge(req) }),
        }
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Authenticated::require(req))
    }
}

impl MaybeAuthenticated {
    /// [`MaybeAuthenticated`] outside an extractor.
    pub fn extract_now(req: &HttpRequest) -> Result<Self, ApiError> {
        outcome(req).map(MaybeAuthenticated)
    }

    /// [`MaybeAuthenticated::extract_now`] for the user's id only: no clone.
    pub fn user_id(req: &HttpRequest) -> Result<Option<UserId>, ApiError> {
        outcome_user_id(req)
    }
}

impl FromRequest for MaybeAuthenticated {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(outcome(req).map(MaybeAuthenticated))
    }
}

/// The scheme's error, shared by every reader of the outcome, as a cause of its own.
#[derive(Debug)]
struct Shared(Arc<SchemeError>);

impl std::fmt::Display for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Shared {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(self.0.as_ref())
    }
}
