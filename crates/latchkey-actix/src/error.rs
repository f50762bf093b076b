//! The one place where failures become HTTP responses, with DRF's status codes and bodies.
//!
//! Every library error converts into [`ApiError`] through a `From` impl, so handlers use `?`
//! and never map errors by hand. Failures that are not the client's (a store that is down, a
//! bug) keep their whole cause chain: it is logged once, on one line, when the response is
//! rendered, and the client gets DRF's generic body.

use crate::render;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use latchkey_domain::{AccountError, BoxError, StoreError, error_chain};
use latchkey_drf::{FieldErrors, RequestError};
use latchkey_engine::AuthError;
use latchkey_jwt::{CHALLENGE, JwtError, NO_ACTIVE_ACCOUNT_FOR_TOKEN};
use latchkey_opaque::OpaqueError;
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A credential was rejected, or a view needs a user and has none. `challenge` is the
    /// `WWW-Authenticate` of the scheme that answers; without one DRF answers 403.
    #[error("unauthorized: {}", body.detail)]
    Unauthorized { body: AuthError, challenge: Option<String> },
    /// 405, with the methods the resource allows.
    #[error("method {method} not allowed")]
    MethodNotAllowed { method: String, allow: &'static str },
    /// DRF refused the body (415, or 400 for a parse error or field errors).
    #[error(transparent)]
    Request(#[from] RequestError),
    #[error("not found: {0}")]
    NotFound(&'static str),
    #[error("body over {0} bytes")]
    PayloadTooLarge(usize),
    /// The declared body did not arrive within the deadline (see [`BodyTimeout`](crate::BodyTimeout)).
    #[error("body not received within {0:?}")]
    BodyTimeout(std::time::Duration),
    /// A throttle or a lockout refused the request: 429 with DRF's detail and `Retry-After`.
    #[error("throttled: {}", .0.detail())]
    Throttled(latchkey_drf::throttling::Throttled),
    /// A dependency (the database) failed; the cause goes to the log, not to the client.
    #[error("service unavailable")]
    Unavailable(#[source] BoxError),
    #[error("internal error")]
    Internal(#[source] BoxError),
}

impl ApiError {
    /// A 500 caused by `cause`.
    pub fn internal(cause: impl Into<BoxError>) -> Self {
        ApiError::Internal(cause.into())
    }

    /// A 503 caused by `cause`.
    pub fn unavailable(cause: impl Into<BoxError>) -> Self {
        ApiError::Unavailable(cause.into())
    }

    /// A 401 with simplejwt's own `Bearer realm="api"` challenge, as its token views answer.
    pub fn token_view(body: AuthError) -> Self {
        ApiError::Unauthorized { body, challenge: Some(CHALLENGE.to_owned()) }
    }

    /// The body DRF sends for this error.
    fn body(&self) -> Value {
        match self {
            ApiError::Unauthorized { body, .. } => {
                serde_json::to_value(body).unwrap_or_else(|_| json!({"detail": body.detail}))
            }
            ApiError::MethodNotAllowed { method, .. } => json!({"detail": format!("Method \"{method}\" not allowed.")}),
            ApiError::Request(err) => err.body(),
            ApiError::NotFound(detail) => json!({"detail": detail}),
            ApiError::PayloadTooLarge(limit) => {
                json!({"detail": format!("Request body is larger than the limit of {limit} bytes.")})
            }
            ApiError::BodyTimeout(deadline) => {
                let secs = deadline.as_secs().max(1);
                let unit = if secs == 1 { "second" } else { "seconds" };
                json!({"detail": format!("The request body did not arrive within {secs} {unit}.")})
            }
            ApiError::Throttled(throttled) => json!({"detail": throttled.detail()}),
            ApiError::Unavailable(_) => json!({"detail": "Service temporarily unavailable, try again later."}),
            ApiError::Internal(_) => json!({"detail": "A server error occurred."}),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized { challenge: Some(_), .. } => StatusCode::UNAUTHORIZED,
            ApiError::Unauthorized { challenge: None, .. } => StatusCode::FORBIDDEN,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Request(err) => StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::BAD_REQUEST),
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Unavailable(_) | ApiError::Internal(_) => log::error!("{}", error_chain(self)),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::Unauthorized { challenge: Some(challenge), .. } => {
                if let Ok(value) = HeaderValue::from_str(challenge) {
                    response.insert_header((header::WWW_AUTHENTICATE, value));
                }
            }
            ApiError::MethodNotAllowed { allow, .. } => {
                response.insert_header((header::ALLOW, *allow));
            }
            ApiError::Throttled(throttled) => {
                if let Some(secs) = throttled.retry_after() {
                    response.insert_header((header::RETRY_AFTER, secs.to_string()));
                }
            }
            _ => {}
        }
        response.content_type(render::CONTENT_TYPE).body(latchkey_drf::to_json_bytes(&self.body()))
    }
}

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        ApiError::Request(RequestError::ValidationError(errors))
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(_) => ApiError::Unavailable(Box::new(err)),
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(err: AccountError) -> Self {
        match err {
            AccountError::Store(err) => err.into(),
            other => ApiError::internal(other),
        }
    }
}

impl From<OpaqueError> for ApiError {
    fn from(err: OpaqueError) -> Self {
        match err {
            OpaqueError::Store(err) => err.into(),
            other => ApiError::internal(other),
        }
    }
}

/// simplejwt's token views: a refused token is a 401 with its message and code, a token
/// naming no usable account a 401 without a code.
impl From<JwtError> for ApiError {
    fn from(err: JwtError) -> Self {
        match err {
            JwtError::Token(reason) => {
                ApiError::token_view(AuthError::new(reason.to_string(), Some("token_not_valid")))
            }
            JwtError::NoActiveAccount => ApiError::token_view(AuthError::new(NO_ACTIVE_ACCOUNT_FOR_TOKEN, None)),
            JwtError::LoginSuperseded => {
                ApiError::token_view(AuthError::new("No active account found with the given credentials", None))
            }
            JwtError::Store(err) => err.into(),
            other => ApiError::internal(other),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        ApiError::internal(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn rendered(err: ApiError) -> (u16, String) {
        let response = err.error_response();
        let status = response.status().as_u16();
        let bytes = response.into_body().try_into_bytes().unwrap_or_default();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[test]
    fn outages_keep_their_cause_and_hide_it_from_the_client() {
        let err = ApiError::from(StoreError::unavailable(std::io::Error::other("connection refused")));
        assert_eq!(error_chain(&err), "service unavailable: storage unavailable: connection refused");
        assert_eq!(rendered(err), (503, r#"{"detail":"Service temporarily unavailable, try again later."}"#.into()));
        let err = ApiError::from(StoreError::other("disk I/O error"));
        assert_eq!(rendered(err), (500, r#"{"detail":"A server error occurred."}"#.into()));
    }

    #[test]
    fn drf_bodies() {
        assert_eq!(
            rendered(RequestError::UnsupportedMediaType("text/plain".into()).into()),
            (415, r#"{"detail":"Unsupported media type \"text/plain\" in request."}"#.into())
        );
        assert_eq!(
            rendered(FieldErrors::single("username", "This field is required.").into()),
            (400, r#"{"username":["This field is required."]}"#.into())
        );
        assert_eq!(
            rendered(ApiError::MethodNotAllowed { method: "PUT".into(), allow: "GET, OPTIONS" }),
            (405, r#"{"detail":"Method \"PUT\" not allowed."}"#.into())
        );
        assert_eq!(
            rendered(JwtError::NoActiveAccount.into()),
            (401, r#"{"detail":"No active account found for the given token."}"#.into())
        );
    }

    #[test]
    fn throttled_is_drfs_429_with_retry_after() {
        let throttled = latchkey_drf::throttling::Throttled::new(Some(41.2));
        let response = ApiError::Throttled(throttled).error_response();
        assert_eq!(response.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()), Some("42"));
        assert_eq!(
            rendered(ApiError::Throttled(throttled)),
            (429, r#"{"detail":"Request was throttled. Expected available in 42 seconds."}"#.into())
        );
        let response = ApiError::Throttled(latchkey_drf::throttling::Throttled::new(None)).error_response();
        assert!(response.headers().get(header::RETRY_AFTER).is_none());
    }
}
