//! The stateless half of simplejwt: issuing pairs and verifying access tokens need only the
//! settings and keys, never the refresh-token store.

use crate::access_claims::AccessClaims;
use crate::claims::Claims;
use crate::clock::UnixNanos;
use crate::codec::{JwtCodec, TimeClaims};
use crate::error::{ClaimsError, JwtError, TokenError};
use crate::pair::{IssuedPair, TokenPair, outstanding};
use crate::payload::{self, TokenKind};
use crate::settings::JwtSettings;
use chrono::{DateTime, Utc};
use latchkey_domain::UserId;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Issues and verifies simplejwt tokens under one [`JwtSettings`], without storage: what a
/// service that only checks Bearer tokens needs, and the part of
/// [`JwtService`](crate::JwtService) that does not touch the store. Share one `Arc` of it
/// between the service and [`JwtScheme`](crate::JwtScheme).
#[derive(Debug)]
pub struct JwtTokens {
    codec: JwtCodec,
}

impl JwtTokens {
    pub fn new(settings: JwtSettings) -> Self {
        Self { codec: JwtCodec::new(settings) }
    }

    pub fn settings(&self) -> &JwtSettings {
        self.codec.settings()
    }

    /// An access token as `JWTAuthentication` checks it: signature, algorithm, PyJWT's rules
    /// for `exp`, `nbf`, `iat`, `aud`, `iss`, `sub` and `jti` (with the leeway), then
    /// `Token.verify()`: `exp`, id, and type `access`. Access tokens are never looked up in
    /// the blacklist (simplejwt's blacklist holds refresh tokens only), so this needs no store.
    pub fn verify_access(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let (claims, times) = self.decode_access_at(token, UnixNanos::now())?;
        AccessClaims::from_checked(claims, &times)
    }

    /// [`verify_access`](Self::verify_access), then the payload deserialized into the caller's
    /// own type (every claim is there, the checked ones included). A payload that does not
    /// fit `C` is [`ClaimsError::Deserialize`]; [`ClaimsError::token_error`] says what to
    /// answer. A `user_id` field of type [`UserIdClaim`](crate::UserIdClaim) reads it as
    /// simplejwt does, string or integer.
    pub fn verify_access_as<C: DeserializeOwned>(&self, token: &str) -> Result<C, ClaimsError> {
        let (claims, _) = self.decode_access_at(token, UnixNanos::now())?;
        serde_json::from_value(Value::Object(claims.into_map())).map_err(ClaimsError::Deserialize)
    }

    /// A refresh token for `user_id` and the access token made from it, as
    /// `TokenObtainPairSerializer` does, with `extra` added to the refresh token the way a
    /// `get_token(user)` override adds claims (after `user_id`, in `extra`'s order) and so
    /// copied into every access token made from it, now and on refresh. `extra` may not
    /// name one of [`RESERVED_CLAIMS`](crate::RESERVED_CLAIMS)
    /// ([`JwtError::ReservedClaim`]).
    ///
    /// Nothing is recorded: a deployment with a blacklist records
    /// [`IssuedPair::outstanding`] in its store, which
    /// [`JwtService::obtain_pair`](crate::JwtService::obtain_pair) does.
    pub fn issue_pair(&self, user_id: UserId, extra: &Claims) -> Result<IssuedPair, JwtError> {
        self.issue_pair_at(user_id, extra, Utc::now())
    }

    pub(crate) fn issue_pair_at(
        &self,
        user_id: UserId,
        extra: &Claims,
        now: DateTime<Utc>,
    ) -> Result<IssuedPair, JwtError> {
        self.issue_pair_in(user_id, extra, now, None)
    }

    /// [`issue_pair_at`](Self::issue_pair_at) in the session tagged `tag` (a fresh tag when
    /// `None`): the refresh token's jti, and so every jti made from it, starts with it.
    pub(crate) fn issue_pair_in(
        &self,
        user_id: UserId,
        extra: &Claims,
        now: DateTime<Utc>,
        tag: Option<&str>,
    ) -> Result<IssuedPair, JwtError> {
        let settings = self.settings();
        let mut refresh = payload::refresh_for(user_id, extra, now, settings.refresh_lifetime())?;
        if let Some(tag) = tag {
            refresh.insert(crate::claims::JTI_CLAIM, payload::jti_in_session(tag));
        }
        if let Some(name) = settings.session_claim() {
            // Copied into every access token made from it, and kept by rotation.
            let tag = refresh.jti().and_then(latchkey_domain::session_tag).map(str::to_owned);
            refresh.insert(name, tag);
        }
        let access = payload::access_from(&refresh, now, now, settings.access_lifetime())?;
        let tokens = TokenPair { refresh: self.codec.encode(&refresh)?, access: self.codec.encode(&access)? };
        let outstanding = outstanding(&refresh, Some(user_id), Some(now.naive_utc()))?;
        Ok(IssuedPair { tokens, outstanding })
    }

    /// The checks of [`verify_access`](Self::verify_access), giving the untyped payload and its
    /// time claims.
    pub(crate) fn decode_access_at(&self, token: &str, now: UnixNanos) -> Result<(Claims, TimeClaims), TokenError> {
        let (claims, times) = self.codec.decode_timed(token, now)?;
        payload::verify_typed(&claims, TokenKind::Access)?;
        Ok((claims, times))
    }

    /// The checks of [`verify_access`](Self::verify_access) that depend on the time (`exp`,
    /// `nbf`, `iat`), for a token that passed all the others already.
    pub(crate) fn check_times(&self, times: &TimeClaims, now: UnixNanos) -> Result<(), TokenError> {
        self.codec.check_times(times, now)
    }

    pub(crate) fn codec(&self) -> &JwtCodec {
        &self.codec
    }
}

impl From<JwtSettings> for JwtTokens {
    fn from(settings: JwtSettings) -> Self {
        Self::new(settings)
    }
}

#[cfg(test)]
mod tests;
