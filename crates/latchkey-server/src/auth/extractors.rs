use super::middleware::{AuthOutcome, Challenge};
use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use latchkey_engine::{AuthError, Principal};
use std::future::{Ready, ready};

/// A handler parameter that requires an authenticated user (DRF's `IsAuthenticated`).
#[derive(Debug, Clone)]
pub struct Authenticated(pub Principal);

/// A handler parameter for views open to anyone (`AllowAny`) that still refuse a bad
/// credential, as DRF authenticates before checking permissions.
#[derive(Debug, Clone)]
pub struct MaybeAuthenticated(pub Option<Principal>);

fn outcome(req: &HttpRequest) -> Result<Option<Principal>, ApiError> {
    let extensions = req.extensions();
    let challenge = extensions.get::<Challenge>().and_then(|c| c.0.clone());
    match extensions.get::<AuthOutcome>() {
        Some(AuthOutcome::Anonymous) => Ok(None),
        Some(AuthOutcome::Authenticated(principal)) => Ok(Some(principal.clone())),
        Some(AuthOutcome::Rejected(body)) => Err(ApiError::Unauthorized { body: body.clone(), challenge }),
        Some(AuthOutcome::Unavailable(cause)) => Err(ApiError::Unavailable(cause.clone())),
        None => Err(ApiError::Internal("the authentication middleware is not installed on this app".into())),
    }
}

impl Authenticated {
    pub(crate) fn require(req: &HttpRequest) -> Result<Self, ApiError> {
        match outcome(req)? {
            Some(principal) => Ok(Authenticated(principal)),
            None => {
                let challenge = req.extensions().get::<Challenge>().and_then(|c| c.0.clone());
                Err(ApiError::Unauthorized { body: AuthError::not_provided(), challenge })
            }
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
    pub(crate) fn extract_now(req: &HttpRequest) -> Result<Self, ApiError> {
        outcome(req).map(MaybeAuthenticated)
    }
}

impl FromRequest for MaybeAuthenticated {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(outcome(req).map(MaybeAuthenticated))
    }
}
