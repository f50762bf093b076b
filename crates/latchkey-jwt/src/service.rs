//! The four simplejwt views' logic (obtain pair, refresh, verify, blacklist) over a
//! [`RefreshTokenStore`]. Every method blocks on the store: run them off async workers.

use crate::claims::Claims;
use crate::codec::{JwtCodec, TimeClaims};
use crate::error::{JwtError, TokenError};
use crate::settings::JwtSettings;
use crate::token::{self, TokenKind};
use chrono::{DateTime, NaiveDateTime, Utc};
use latchkey_domain::{BlacklistOutcome, OutstandingToken, RefreshTokenStore, User, UserId, UserStore};
use std::fmt;
use std::sync::Arc;

/// What obtaining a pair answers, in simplejwt's key order.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenPair {
    pub refresh: String,
    pub access: String,
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

pub struct JwtService {
    codec: JwtCodec,
    store: Arc<dyn RefreshTokenStore>,
}

impl JwtService {
    pub fn new(settings: JwtSettings, store: Arc<dyn RefreshTokenStore>) -> Self {
        Self { codec: JwtCodec::new(settings), store }
    }

    pub fn settings(&self) -> &JwtSettings {
        self.codec.settings()
    }

    pub fn codec(&self) -> &JwtCodec {
        &self.codec
    }

    /// `TokenObtainPairView` once the credentials passed: a refresh token recorded as
    /// outstanding, and the access token made from it. Whether `user` may log in (active,
    /// right password) is the caller's decision, as it is the serializer's in simplejwt.
    pub fn obtain_pair(&self, user: &User) -> Result<TokenPair, JwtError> {
        let now = Utc::now();
        let settings = self.settings();
        let refresh = token::refresh_for(user.id, now, settings.refresh_lifetime)?;
        let access = token::access_from(&refresh, now, now, settings.access_lifetime)?;
        let pair = TokenPair { refresh: self.codec.encode(&refresh)?, access: self.codec.encode(&access)? };
        self.store.record_outstanding(&outstanding(&refresh, Some(user.id), Some(now.naive_utc()))?)?;
        Ok(pair)
    }

    /// `TokenRefreshView`. Unlike simplejwt 5.5.1, a token naming no active user (no
    /// `user_id`, an unknown or unparseable one, an inactive user) is refused with
    /// [`JwtError::NoActiveAccount`] rather than minting an access token for nobody or failing
    /// with a 500. Under rotation the old token is blacklisted (when configured) and the new
    /// one recorded in one store transaction, so of concurrent refreshes with one token
    /// exactly one wins; the others get [`TokenError::Blacklisted`].
    pub fn refresh(&self, token: &str, users: &dyn UserStore) -> Result<Refreshed, JwtError> {
        let now = Utc::now();
        let claims = self.decode_refresh(token, now)?;
        let user_id = claims.user_id().id().ok_or(JwtError::NoActiveAccount)?;
        let user = users.find_user_by_id(user_id)?.filter(|u| u.is_active).ok_or(JwtError::NoActiveAccount)?;
        let settings = self.settings();
        let access = token::access_from(&claims, now, now, settings.access_lifetime)?;
        let access = self.codec.encode(&access)?;
        let refresh = if settings.rotate_refresh_tokens { Some(self.rotate(&claims, user.id, now)?) } else { None };
        Ok(Refreshed { access, refresh })
    }

    /// The new refresh token, once the store has recorded it and (when configured)
    /// blacklisted the old one, all or nothing.
    fn rotate(&self, old: &Claims, user_id: UserId, now: DateTime<Utc>) -> Result<String, JwtError> {
        let settings = self.settings();
        let renewed = token::rotated(old, now, settings.refresh_lifetime)?;
        let encoded = self.codec.encode(&renewed)?;
        let old = outstanding(old, Some(user_id), None)?;
        let new = outstanding(&renewed, Some(user_id), Some(now.naive_utc()))?;
        match self.store.rotate(&old, &new, settings.blacklist_after_rotation)? {
            BlacklistOutcome::Blacklisted => Ok(encoded),
            BlacklistOutcome::AlreadyBlacklisted => Err(TokenError::Blacklisted.into()),
        }
    }

    /// `TokenVerifyView`: signature, expiry and id, of a token of any type. Unlike simplejwt,
    /// a blacklisted token is refused with the same 401 as elsewhere, unless
    /// [`JwtSettings::verify_checks_blacklist`] is off.
    pub fn verify(&self, token: &str) -> Result<(), JwtError> {
        let claims = self.codec.decode_at(token, Utc::now().timestamp())?;
        token::verify_untyped(&claims)?;
        if self.codec.settings().verify_checks_blacklist {
            self.check_blacklist(&claims)?;
        }
        Ok(())
    }

    /// `TokenBlacklistView`: puts a valid refresh token on the blacklist. Tokens minted
    /// elsewhere with the key are accepted too, also for ids of no user: the record's
    /// `user_id` is the claim's, when it is an integer, and the store is expected to keep
    /// no reference to a user that does not exist.
    pub fn blacklist(&self, token: &str) -> Result<(), JwtError> {
        let claims = self.decode_refresh(token, Utc::now())?;
        let record = outstanding(&claims, claims.user_id().id(), None)?;
        match self.store.blacklist(&record)? {
            BlacklistOutcome::Blacklisted => Ok(()),
            BlacklistOutcome::AlreadyBlacklisted => Err(TokenError::Blacklisted.into()),
        }
    }

    /// A Bearer token as `JWTAuthentication` checks it: an access token, signature, expiry,
    /// id and type. Access tokens are never looked up in the blacklist.
    pub fn decode_access(&self, token: &str) -> Result<Claims, TokenError> {
        let claims = self.codec.decode_at(token, Utc::now().timestamp())?;
        token::verify_typed(&claims, TokenKind::Access)?;
        Ok(claims)
    }

    /// The checks of [`decode_access`](Self::decode_access) that depend on the time (`exp`,
    /// `nbf`, `iat`), for a token that passed all the others already.
    pub(crate) fn check_access_times(&self, times: &TimeClaims) -> Result<(), TokenError> {
        self.codec.check_times(times, Utc::now().timestamp())
    }

    /// `flushexpiredtokens`: forgets outstanding (and blacklisted) tokens that have expired.
    pub fn flush_expired(&self) -> Result<u64, JwtError> {
        Ok(self.store.flush_expired(Utc::now().naive_utc())?)
    }

    /// `RefreshToken(token)`: decode, then the blacklist, then `Token.verify()`. The id is
    /// required before the blacklist is consulted (simplejwt 5.5.1 fails with a 500 there).
    fn decode_refresh(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, JwtError> {
        let claims = self.codec.decode_at(token, now.timestamp())?;
        self.check_blacklist(&claims)?;
        token::verify_typed(&claims, TokenKind::Refresh)?;
        Ok(claims)
    }

    fn check_blacklist(&self, claims: &Claims) -> Result<(), JwtError> {
        let jti = claims.jti().ok_or(TokenError::NoId)?;
        if self.store.is_blacklisted(jti)? {
            return Err(TokenError::Blacklisted.into());
        }
        Ok(())
    }
}

/// The store's record of a decoded refresh token. Its `exp` was checked on decoding.
fn outstanding(
    claims: &Claims,
    user_id: Option<UserId>,
    created_at: Option<NaiveDateTime>,
) -> Result<OutstandingToken, TokenError> {
    Ok(OutstandingToken {
        jti: claims.jti().ok_or(TokenError::NoId)?.to_owned(),
        user_id,
        created_at,
        expires_at: claims.expires_at().ok_or(TokenError::NoExp)?,
    })
}

#[cfg(test)]
mod tests;
