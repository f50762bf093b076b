use jsonwebtoken::Algorithm;
use latchkey_domain::StoreError;
use thiserror::Error;

/// Why a token was refused. The messages are simplejwt's, word for word: they end up in
/// response bodies (`detail`, or `messages[].message` on protected views).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TokenError {
    /// Bad signature or format, another algorithm, or a registered claim (`iat`, `nbf`, `aud`,
    /// `iss`, …) that does not check out.
    #[error("Token is invalid")]
    Invalid,
    #[error("Token is expired")]
    Expired,
    #[error("Token has no 'exp' claim")]
    NoExp,
    #[error("Token has no id")]
    NoId,
    #[error("Token has no type")]
    NoType,
    #[error("Token has wrong type")]
    WrongType,
    #[error("Token is blacklisted")]
    Blacklisted,
}

/// The body simplejwt's refresh view answers (with a 401) when the token's user cannot
/// use it; DRF renders it without a `code`.
pub const NO_ACTIVE_ACCOUNT_FOR_TOKEN: &str = "No active account found for the given token.";

/// Failures of the token endpoints.
#[derive(Debug, Error)]
pub enum JwtError {
    /// The token itself was refused: a 401 `{"detail": <message>, "code": "token_not_valid"}`.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The token is sound but names no usable account: a 401 `{"detail": <message>}`.
    #[error("{}", NO_ACTIVE_ACCOUNT_FOR_TOKEN)]
    NoActiveAccount,
    /// The refresh-token store failed: not the client's fault.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Signing or serialising failed, which a configuration that passed
    /// [`JwtSettings`](crate::JwtSettings)'s checks should never see.
    #[error("internal error: {0}")]
    Internal(String),
}

/// A key or algorithm that [`JwtSettings`](crate::JwtSettings) cannot sign with.
#[derive(Debug, Error)]
pub enum KeyError {
    #[error("{0:?} is not an HMAC algorithm: give it a key pair (JwtSettings::from_pem)")]
    NotHmac(Algorithm),
    #[error("{0:?} is an HMAC algorithm: give it a secret (JwtSettings::hmac)")]
    NotAsymmetric(Algorithm),
    #[error("the HMAC secret is empty")]
    EmptySecret,
    #[error("the {which} key is not a usable {algorithm:?} PEM key: {reason}")]
    InvalidPem { which: &'static str, algorithm: Algorithm, reason: String },
    #[error("the public key does not verify what the private key signs")]
    Mismatch,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_simplejwts() {
        let cases = [
            (TokenError::Invalid, "Token is invalid"),
            (TokenError::Expired, "Token is expired"),
            (TokenError::NoExp, "Token has no 'exp' claim"),
            (TokenError::NoId, "Token has no id"),
            (TokenError::NoType, "Token has no type"),
            (TokenError::WrongType, "Token has wrong type"),
            (TokenError::Blacklisted, "Token is blacklisted"),
        ];
        for (err, message) in cases {
            assert_eq!(err.to_string(), message);
            assert_eq!(JwtError::from(err).to_string(), message);
        }
        assert_eq!(JwtError::NoActiveAccount.to_string(), "No active account found for the given token.");
    }
}
