//! What issuing and refreshing answer.

use crate::claims::Claims;
use crate::error::TokenError;
use chrono::NaiveDateTime;
use latchkey_domain::{OutstandingToken, UserId};
use std::fmt;

/// What obtaining a pair answers, in simplejwt's key order.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenPair {
    pub refresh: String,
    pub access: String,
}

/// A pair just issued by [`JwtTokens::issue_pair`](crate::JwtTokens::issue_pair), with what a
/// [`RefreshTokenStore`](latchkey_domain::RefreshTokenStore) records of its refresh token
/// (never the token itself): its `jti`, user, issue and expiry times.
/// [`JwtService::obtain_pair`](crate::JwtService::obtain_pair) records it for you.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedPair {
    pub tokens: TokenPair,
    pub outstanding: OutstandingToken,
}

/// What a refresh answers: a new access token, and a new refresh token under rotation.
#[derive(Clone, PartialEq, Eq)]
pub struct Refreshed {
    pub access: String,
    pub refresh: Option<String>,
}

// Tokens are credentials: they stay out of Debug output.
impl fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenPair").finish_non_exhaustive()
    }
}

impl fmt::Debug for Refreshed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Refreshed").field("rotated", &self.refresh.is_some()).finish_non_exhaustive()
    }
}

/// The store's record of a refresh token whose claims checked out (or that was just minted):
/// its `exp` and `jti` are there and well formed.
pub(crate) fn outstanding(
    claims: &Claims,
    user_id: Option<UserId>,
    created_at: Option<NaiveDateTime>,
) -> Result<OutstandingToken, TokenError> {
    Ok(OutstandingToken {
        jti: claims.jti().ok_or(TokenError::NoId)?.to_owned(),
        user_id,
        created_at,
        expires_at: claims.expires_at().ok_or(TokenError::NoExp)?,
        parent_jti: None,
    })
}
