use jsonwebtoken::Algorithm;
use latchkey_domain::StoreError;
use std::time::Duration;
use thiserror::Error;

/// The cause of an internal failure, whatever its type (serde_json's, jsonwebtoken's, ours).
type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

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
    /// The password changed while this login was checking it: the login is refused as a
    /// wrong password is (`No active account found with the given credentials`).
    #[error("the password changed while logging in")]
    LoginSuperseded,
    /// The refresh-token store failed: not the client's fault.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Extra claims given to issue a token name a claim Latchkey sets itself (one of
    /// [`RESERVED_CLAIMS`](crate::RESERVED_CLAIMS)): a mistake of the calling code, refused
    /// rather than letting either value win silently.
    #[error("the claim {0:?} is set by Latchkey and cannot be given as an extra claim")]
    ReservedClaim(String),
    /// Signing or serialising failed, or a lifetime overflows the clock, which a configuration
    /// that passed [`JwtSettings`](crate::JwtSettings)'s checks should not see. The cause is
    /// the source.
    #[error("a token could not be issued")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl JwtError {
    pub(crate) fn internal(cause: impl Into<Cause>) -> Self {
        JwtError::Internal(cause.into())
    }
}

/// A lifetime that, added to the issue time, leaves the range of dates.
#[derive(Debug, Error)]
#[error("a lifetime of {lifetime:?} overflows the clock")]
pub(crate) struct LifetimeOverflow {
    pub lifetime: Duration,
}

/// Why [`JwtTokens::verify_access_as`](crate::JwtTokens::verify_access_as) gave no claims.
#[derive(Debug, Error)]
pub enum ClaimsError {
    /// The token itself was refused, exactly as by
    /// [`verify_access`](crate::JwtTokens::verify_access).
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The token checked out, but its payload does not fit the caller's type (a claim the
    /// type requires is missing, or of another JSON type).
    #[error("the token's claims do not fit the expected type")]
    Deserialize(#[source] serde_json::Error),
}

impl ClaimsError {
    /// What to answer the client: a token that lacks what the application needs of it is as
    /// unusable as a forged one (simplejwt: `Token is invalid`, or DRF's "no recognizable user
    /// identification" when it is the user id that is missing).
    pub fn token_error(&self) -> TokenError {
        match self {
            ClaimsError::Token(err) => *err,
            ClaimsError::Deserialize(_) => TokenError::Invalid,
        }
    }
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
    /// jsonwebtoken refused the key (or could not sign or verify with it): its error is the
    /// source.
    #[error("the {which} key is not a usable {algorithm:?} PEM key")]
    InvalidPem {
        which: &'static str,
        algorithm: Algorithm,
        #[source]
        source: jsonwebtoken::errors::Error,
    },
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

    #[test]
    fn internal_errors_keep_their_cause() {
        use std::error::Error as _;
        let err = JwtError::internal(LifetimeOverflow { lifetime: Duration::MAX });
        assert_eq!(err.to_string(), "a token could not be issued");
        let source = err.source().expect("source");
        assert!(source.to_string().starts_with("a lifetime of "), "{source}");
        assert!(source.downcast_ref::<LifetimeOverflow>().is_some());
    }

    #[test]
    fn claims_errors_answer_as_tokens_do() {
        assert_eq!(ClaimsError::from(TokenError::Expired).token_error(), TokenError::Expired);
        assert_eq!(ClaimsError::from(TokenError::Expired).to_string(), "Token is expired");
        let shape = serde_json::from_str::<u8>("\"x\"").expect_err("not a number");
        assert_eq!(ClaimsError::Deserialize(shape).token_error(), TokenError::Invalid);
    }
}
