//! The `username` and `password` of the two login views, read as their serializers declare them.

use latchkey_actix::ApiError;
use latchkey_drf::CharField;
use latchkey_drf::FieldErrors;
use serde_json::{Map, Value};

pub(super) struct Credentials {
    pub username: String,
    pub password: String,
}

/// Whether surrounding whitespace is stripped from the password: simplejwt's serializer does,
/// DRF's `AuthTokenSerializer` keeps the password exactly as sent.
#[derive(Clone, Copy)]
pub(super) enum Password {
    Trimmed,
    AsSent,
}

impl Credentials {
    pub(super) fn read(data: &Map<String, Value>, password: Password) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::new();
        let username = CharField::new("username").read(data, &mut errors);
        let password =
            CharField::new("password").trim_whitespace(matches!(password, Password::Trimmed)).read(data, &mut errors);
        errors.into_result()?;
        match (username, password) {
            (Some(username), Some(password)) => Ok(Self { username, password }),
            _ => Err(ApiError::internal("validated credentials missing")),
        }
    }
}
