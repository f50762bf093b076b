//! The four simplejwt views' logic (obtain pair, refresh, verify, blacklist) over a
//! [`RefreshTokenStore`]. Every method blocks on the store: run them off async workers.

use crate::claims::Claims;
use crate::clock::UnixNanos;
use crate::error::{JwtError, TokenError};
use crate::pair::{Refreshed, TokenPair, outstanding};
use crate::payload::{self, TokenKind};
use crate::settings::JwtSettings;
use crate::tokens::JwtTokens;
use chrono::{DateTime, Utc};
use latchkey_domain::{BlacklistOutcome, RefreshTokenStore, UserId, UserStore};
use std::sync::Arc;

/// What needs the refresh-token store: recording issued refresh tokens, refresh with atomic
/// rotation, the blacklist check of verify, blacklisting, and flushing. Everything stateless
/// is [`JwtTokens`], which this holds and shares.
pub struct JwtService {
    tokens: Arc<JwtTokens>,
    store: Arc<dyn RefreshTokenStore>,
}

impl JwtService {
    /// `tokens` is a [`JwtTokens`] or an `Arc` of one, to share it with a [`JwtScheme`](crate::JwtScheme).
    pub fn new(tokens: impl Into<Arc<JwtTokens>>, store: Arc<dyn RefreshTokenStore>) -> Self {
        Self { tokens: tokens.into(), store }
    }

    pub fn tokens(&self) -> &Arc<JwtTokens> {
        &self.tokens
    }

    pub fn settings(&self) -> &JwtSettings {
        self.tokens.settings()
    }

    /// `TokenObtainPairView` once the credentials passed: a refresh token recorded as
    /// outstanding, and the access token made from it. Whether the user may log in (active,
    /// right password) is the caller's decision, as it is the serializer's in simplejwt.
    pub fn obtain_pair(&self, user_id: UserId) -> Result<TokenPair, JwtError> {
        self.obtain_pair_with(user_id, &Claims::new())
    }

    /// [`obtain_pair`](Self::obtain_pair) with extra claims, as a `get_token(user)` override
    /// adds them (see [`JwtTokens::issue_pair`]).
    pub fn obtain_pair_with(&self, user_id: UserId, extra: &Claims) -> Result<TokenPair, JwtError> {
        let issued = self.tokens.issue_pair(user_id, extra)?;
        self.store.record_outstanding(&issued.outstanding)?;
        Ok(issued.tokens)
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
        let access = payload::access_from(&claims, now, now, settings.access_lifetime())?;
        let access = self.tokens.codec().encode(&access)?;
        let refresh = if settings.rotate_refresh_tokens() { Some(self.rotate(&claims, user.id, now)?) } else { None };
        Ok(Refreshed { access, refresh })
    }

    /// The new refresh token, once the store has recorded it and (when configured)
    /// blacklisted the old one, all or nothing.
    fn rotate(&self, old: &Claims, user_id: UserId, now: DateTime<Utc>) -> Result<String, JwtError> {
        let settings = self.settings();
        let renewed = payload::rotated(old, now, settings.refresh_lifetime())?;
        let encoded = self.tokens.codec().encode(&renewed)?;
        let old = outstanding(old, Some(user_id), None)?;
        let new = outstanding(&renewed, Some(user_id), Some(now.naive_utc()))?;
        match self.store.rotate(&old, &new, settings.blacklist_after_rotation())? {
            BlacklistOutcome::Blacklisted => Ok(encoded),
            BlacklistOutcome::AlreadyBlacklisted => Err(TokenError::Blacklisted.into()),
        }
    }

    /// `TokenVerifyView`: signature, expiry and id, of a token of any type. Unlike simplejwt,
    /// a blacklisted token is refused with the same 401 as elsewhere, unless
    /// [`JwtSettings::verify_checks_blacklist`] is off.
    pub fn verify(&self, token: &str) -> Result<(), JwtError> {
        let claims = self.tokens.codec().decode_at(token, UnixNanos::now())?;
        payload::verify_untyped(&claims)?;
        if self.settings().verify_checks_blacklist() {
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

    /// `flushexpiredtokens`: forgets outstanding (and blacklisted) tokens that have expired.
    pub fn flush_expired(&self) -> Result<u64, JwtError> {
        Ok(self.store.flush_expired(Utc::now().naive_utc())?)
    }

    /// `RefreshToken(token)`: decode, then the blacklist, then `Token.verify()`. The id is
    /// required before the blacklist is consulted (simplejwt 5.5.1 fails with a 500 there).
    fn decode_refresh(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, JwtError> {
        let claims = self.tokens.codec().decode_at(token, now.into())?;
        self.check_blacklist(&claims)?;
        payload::verify_typed(&claims, TokenKind::Refresh)?;
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

#[cfg(test)]
mod tests;
