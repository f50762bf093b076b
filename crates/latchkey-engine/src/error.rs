//! The catalogue of authentication failures, each with the exact body DRF or simplejwt
//! answers. A failure is always a 401; the server adds the chain's `WWW-Authenticate`.

use latchkey_domain::BoxError;
use serde::Serialize;
use thiserror::Error;

/// One entry of simplejwt's `messages` list: why a token failed one token class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenMessage {
    pub token_class: &'static str,
    pub token_type: &'static str,
    pub message: String,
}

/// A rejected credential. Serialises to the response body, keys in DRF's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Error)]
#[error("{detail}")]
pub struct AuthError {
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<TokenMessage>,
}

impl AuthError {
    pub fn new(detail: impl Into<String>, code: Option<&'static str>) -> Self {
        Self { detail: detail.into(), code, messages: Vec::new() }
    }

    /// No scheme recognised the request, and the view needs a user (DRF `NotAuthenticated`).
    pub fn not_provided() -> Self {
        Self::new("Authentication credentials were not provided.", None)
    }

    // simplejwt's JWTAuthentication.
    pub fn bad_authorization_header() -> Self {
        Self::new("Authorization header must contain two space-delimited values", Some("bad_authorization_header"))
    }

    pub fn not_valid_for_any_token_type(messages: Vec<TokenMessage>) -> Self {
        Self { detail: "Given token not valid for any token type".into(), code: Some("token_not_valid"), messages }
    }

    pub fn no_user_identification() -> Self {
        Self::new("Token contained no recognizable user identification", Some("token_not_valid"))
    }

    pub fn user_not_found() -> Self {
        Self::new("User not found", Some("user_not_found"))
    }

    pub fn user_inactive() -> Self {
        Self::new("User is inactive", Some("user_inactive"))
    }

    /// simplejwt's body for a token issued before the user's password changed.
    pub fn password_changed() -> Self {
        Self::new("The user's password has been changed.", Some("password_changed"))
    }

    // DRF's TokenAuthentication.
    pub fn token_header_without_credentials() -> Self {
        Self::new("Invalid token header. No credentials provided.", None)
    }

    pub fn token_header_with_spaces() -> Self {
        Self::new("Invalid token header. Token string should not contain spaces.", None)
    }

    pub fn token_header_with_invalid_characters() -> Self {
        Self::new("Invalid token header. Token string should not contain invalid characters.", None)
    }

    pub fn invalid_token() -> Self {
        Self::new("Invalid token.", None)
    }

    pub fn user_inactive_or_deleted() -> Self {
        Self::new("User inactive or deleted.", None)
    }
}

/// Why a scheme could not authenticate a request it recognised.
#[derive(Debug, Error)]
pub enum SchemeError {
    /// The credential is bad: a 401 with this body.
    #[error(transparent)]
    Rejected(#[from] AuthError),
    /// Something the scheme depends on failed (the database): not the client's fault.
    #[error("authentication backend unavailable")]
    Unavailable(#[source] BoxError),
}

impl From<crate::directory::DirectoryError> for SchemeError {
    fn from(err: crate::directory::DirectoryError) -> Self {
        SchemeError::Unavailable(Box::new(err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_match_simplejwt() {
        let body = serde_json::to_string(&AuthError::not_valid_for_any_token_type(vec![TokenMessage {
            token_class: "AccessToken",
            token_type: "access",
            message: "Token is invalid".into(),
        }]))
        .expect("json");
        assert_eq!(
            body,
            r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid"}]}"#
        );
        let body = serde_json::to_string(&AuthError::invalid_token()).expect("json");
        assert_eq!(body, r#"{"detail":"Invalid token."}"#);
    }
}
