//! The one place where failures become HTTP responses, with DRF's status codes and bodies.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use latchkey_engine::AuthError;
use serde_json::{Map, Value, json};
use std::fmt;

/// Field errors in DRF's shape, `{"field": ["message", …]}`, in the order fields were declared.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldErrors(Map<String, Value>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        let entry = self.0.entry(field.to_owned()).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(messages) = entry {
            messages.push(Value::String(message.into()));
        }
    }

    pub fn non_field(message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add("non_field_errors", message);
        errors
    }

    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn contains(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when no field failed.
    pub fn into_result(self) -> Result<(), ApiError> {
        if self.is_empty() { Ok(()) } else { Err(ApiError::Validation(self)) }
    }

    pub fn to_value(&self) -> Value {
        Value::Object(self.0.clone())
    }
}

#[derive(Debug)]
pub enum ApiError {
    /// A credential was rejected, or a view needs a user and has none. `challenge` is the
    /// `WWW-Authenticate` of the scheme that answers; without one DRF answers 403.
    Unauthorized {
        body: AuthError,
        challenge: Option<String>,
    },
    /// 405, with the methods the resource allows.
    MethodNotAllowed {
        method: String,
        allow: &'static str,
    },
    UnsupportedMediaType(String),
    /// 400 `{"detail": …}` for a body that cannot be parsed.
    Parse(String),
    Validation(FieldErrors),
    NotFound(&'static str),
    PayloadTooLarge(usize),
    /// A dependency (the database) failed; the details go to the log, not to the client.
    Unavailable(String),
    Internal(String),
}

impl ApiError {
    pub fn internal(err: impl fmt::Display) -> Self {
        ApiError::Internal(err.to_string())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Unauthorized { body, .. } => write!(f, "unauthorized: {}", body.detail),
            ApiError::MethodNotAllowed { method, .. } => write!(f, "method {method} not allowed"),
            ApiError::UnsupportedMediaType(ct) => write!(f, "unsupported media type {ct:?}"),
            ApiError::Parse(detail) => write!(f, "parse error: {detail}"),
            ApiError::Validation(errors) => write!(f, "validation failed: {}", errors.to_value()),
            ApiError::NotFound(detail) => write!(f, "not found: {detail}"),
            ApiError::PayloadTooLarge(limit) => write!(f, "body over {limit} bytes"),
            ApiError::Unavailable(cause) => write!(f, "unavailable: {cause}"),
            ApiError::Internal(cause) => write!(f, "internal error: {cause}"),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized { challenge: Some(_), .. } => StatusCode::UNAUTHORIZED,
            ApiError::Unauthorized { challenge: None, .. } => StatusCode::FORBIDDEN,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Parse(_) | ApiError::Validation(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        let body = match self {
            ApiError::Unauthorized { body, challenge } => {
                if let Some(value) = challenge.as_deref().and_then(|c| HeaderValue::from_str(c).ok()) {
                    response.insert_header((header::WWW_AUTHENTICATE, value));
                }
                serde_json::to_value(body).unwrap_or_else(|_| json!({"detail": body.detail}))
            }
            ApiError::MethodNotAllowed { method, allow } => {
                response.insert_header((header::ALLOW, *allow));
                json!({"detail": format!("Method \"{method}\" not allowed.")})
            }
            ApiError::UnsupportedMediaType(ct) => {
                json!({"detail": format!("Unsupported media type \"{ct}\" in request.")})
            }
            ApiError::Parse(detail) => json!({"detail": detail}),
            ApiError::Validation(errors) => errors.to_value(),
            ApiError::NotFound(detail) => json!({"detail": detail}),
            ApiError::PayloadTooLarge(limit) => {
                json!({"detail": format!("Request body is larger than the limit of {limit} bytes.")})
            }
            ApiError::Unavailable(cause) => {
                log::error!("service unavailable: {cause}");
                json!({"detail": "Service temporarily unavailable, try again later."})
            }
            ApiError::Internal(cause) => {
                log::error!("internal error: {cause}");
                json!({"detail": "A server error occurred."})
            }
        };
        response.content_type("application/json").body(crate::render::to_json_bytes(&body))
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(err.to_string())
    }
}

impl From<crate::hashing::HashingError> for ApiError {
    fn from(err: crate::hashing::HashingError) -> Self {
        match err {
            crate::hashing::HashingError::Busy => ApiError::Unavailable(err.to_string()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<latchkey_domain::StoreError> for ApiError {
    fn from(err: latchkey_domain::StoreError) -> Self {
        match err {
            latchkey_domain::StoreError::Unavailable(cause) => ApiError::Unavailable(cause),
            other => ApiError::Internal(other.to_string()),
        }
    }
}
