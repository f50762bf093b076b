//! The four simplejwt views' logic (obtain pair, refresh, verify, blacklist) over a
//! [`RefreshTokenStore`]. Every method blocks on the store: run them off async workers.

use crate::claims::Claims;
use crate::clock::UnixNanos;
use crate::error::{JwtError, TokenError};
use crate::pair::{Refreshed, TokenPair, outstanding};
use crate::payload::{self, TokenKind};
use crate::settings::JwtSettings;
use crate::tokens::JwtTokens;
use chrono::{DateTime, TimeDelta, Utc};
use latchkey_domain::{
    BlacklistOutcome, OutstandingToken, RefreshReadStore, RefreshReads, RefreshTokenStore, Session, SessionStore,
    StoreError, User, UserId, UserStore, VerifiedLogin, session_tag,
};
use std::sync::Arc;
use std::time::Duration;

/// How often a session's `last_used` is written at most, when nothing else about it changes.
const TOUCH_EVERY: TimeDelta = TimeDelta::seconds(60);

/// Where a login came from, kept with its session (`GET /api/sessions/`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionClient {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

/// What needs the refresh-token store: recording issued refresh tokens, refresh with atomic
/// rotation, the blacklist check of verify, blacklisting, and flushing. Everything stateless
/// is [`JwtTokens`], which this holds and shares.
pub struct JwtService {
    tokens: Arc<JwtTokens>,
    store: Arc<dyn RefreshTokenStore>,
    sessions: Option<Sessions>,
    reads: Option<Arc<dyn RefreshReadStore>>,
}

struct Sessions {
    store: Arc<dyn SessionStore>,
    reuse_interval: TimeDelta,
}

impl JwtService {
    /// `tokens` is a [`JwtTokens`] or an `Arc` of one, to share it with a [`JwtScheme`](crate::JwtScheme).
    pub fn new(tokens: impl Into<Arc<JwtTokens>>, store: Arc<dyn RefreshTokenStore>) -> Self {
        Self { tokens: tokens.into(), store, sessions: None, reads: None }
    }

    /// A refresh reads the token's blacklist entry, its user and its session from `reads` in
    /// one call instead of asking the token store, the user store and the session store in
    /// turn: for a store that holds all three (one query instead of three). The `users` a
    /// refresh is given is then not asked.
    pub fn with_refresh_reads(mut self, reads: Arc<dyn RefreshReadStore>) -> Self {
        self.reads = Some(reads);
        self
    }

    /// Every login starts a session in `sessions`; a refresh token of an ended session, or one
    /// issued before the user's cutoff, is refused; and under rotation with blacklisting, a
    /// rotated-out refresh token presented again more than `reuse_interval` after its rotation
    /// ends its whole session (reuse detection: someone else holds a copy).
    pub fn with_sessions(mut self, sessions: Arc<dyn SessionStore>, reuse_interval: Duration) -> Self {
        let reuse_interval = TimeDelta::from_std(reuse_interval).unwrap_or(TimeDelta::MAX);
        self.sessions = Some(Sessions { store: sessions, reuse_interval });
        self
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
        self.obtain_pair_for(user_id, None, extra, &SessionClient::default())
    }

    /// [`obtain_pair_with`](Self::obtain_pair_with) for a login: with
    /// [`with_sessions`](Self::with_sessions), the session it starts records where it came from,
    /// and with `login` (the hash the password was checked against) it starts only if the user
    /// still has that hash, else [`JwtError::LoginSuperseded`]: a login that raced a password
    /// change never outlives it.
    ///
    /// The session is recorded first and the tokens are issued at the time the store gave it,
    /// so a login just after a logout everywhere gets tokens newer than the cutoff.
    pub fn obtain_pair_for(
        &self,
        user_id: UserId,
        login: Option<VerifiedLogin<'_>>,
        extra: &Claims,
        client: &SessionClient,
    ) -> Result<TokenPair, JwtError> {
        let Some(sessions) = &self.sessions else {
            let issued = self.tokens.issue_pair(user_id, extra)?;
            self.store.record_outstanding(&issued.outstanding)?;
            return Ok(issued.tokens);
        };
        let now = Utc::now().naive_utc();
        let session = Session {
            tag: payload::new_session_tag(),
            user_id,
            created_at: now,
            last_used_at: now,
            expires_at: self.refresh_expiry(now),
            user_agent: client.user_agent.clone(),
            ip: client.ip.clone(),
            revoked_at: None,
        };
        let started = match sessions.store.start_session(&session, login) {
            Ok(started) => started,
            Err(StoreError::Conflict(what)) if what.contains("password") => return Err(JwtError::LoginSuperseded),
            Err(other) => return Err(other.into()),
        };
        let issued = self.tokens.issue_pair_in(user_id, extra, started.created_at.and_utc(), Some(&started.tag))?;
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
        let claims = self.tokens.codec().decode_at(token, now.into())?;
        let jti = claims.jti().ok_or(TokenError::NoId)?;
        let user_id = claims.user_id().id();
        let reads = self.refresh_reads(jti, user_id, users)?;
        if let Some(blacklisted_at) = reads.blacklisted_at {
            self.detect_reuse(jti, blacklisted_at, now)?;
            return Err(TokenError::Blacklisted.into());
        }
        payload::verify_typed(&claims, TokenKind::Refresh)?;
        // No `user_id` claim reads no user: the same refusal.
        let user = reads.user.filter(|u| u.is_active).ok_or(JwtError::NoActiveAccount)?;
        let session = self.check_live(&claims, &user, reads.session)?;
        let settings = self.settings();
        let access = payload::access_from(&claims, now, now, settings.access_lifetime())?;
        let access = self.tokens.codec().encode(&access)?;
        let refresh = if settings.rotate_refresh_tokens() { Some(self.rotate(&claims, user.id, now)?) } else { None };
        if let (Some(sessions), Some(session)) = (&self.sessions, session) {
            let now = now.naive_utc();
            let expires_at = if refresh.is_some() { self.refresh_expiry(now) } else { session.expires_at };
            if expires_at > session.expires_at || now - session.last_used_at >= TOUCH_EVERY {
                sessions.store.touch_session(&session.tag, now, expires_at)?;
            }
        }
        Ok(Refreshed { access, refresh })
    }

    /// What a refresh decides on: from [`with_refresh_reads`](Self::with_refresh_reads) in
    /// one call, else from each store in turn, stopping at a blacklisted token. The session is
    /// read only with [`with_sessions`](Self::with_sessions).
    fn refresh_reads(
        &self,
        jti: &str,
        user_id: Option<UserId>,
        users: &dyn UserStore,
    ) -> Result<RefreshReads, JwtError> {
        let tag = self.sessions.as_ref().and(session_tag(jti));
        if let Some(reads) = &self.reads {
            return Ok(reads.refresh_reads(jti, user_id, tag)?);
        }
        let blacklisted_at = self.store.blacklisted_at(jti)?;
        if blacklisted_at.is_some() {
            return Ok(RefreshReads { blacklisted_at, ..RefreshReads::default() });
        }
        let user = user_id.map(|id| users.find_user_by_id(id)).transpose()?.flatten();
        let session = match &user {
            Some(user) => self.own_session(tag, user)?,
            None => None,
        };
        Ok(RefreshReads { blacklisted_at: None, user, session })
    }

    /// When a refresh token issued at `from` expires: where a session's expiry moves to.
    fn refresh_expiry(&self, from: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
        TimeDelta::from_std(self.settings().refresh_lifetime())
            .ok()
            .and_then(|lifetime| from.checked_add_signed(lifetime))
            .unwrap_or(chrono::NaiveDateTime::MAX)
    }

    /// The session of a token that checked out, read from the session store, refusing the
    /// token as [`check_live`](Self::check_live) does.
    fn live_session(&self, claims: &Claims, user: &User) -> Result<Option<Session>, JwtError> {
        let session = self.own_session(claims.jti().and_then(session_tag), user)?;
        self.check_live(claims, user, session)
    }

    /// The session tagged `tag` from the session store, when it is `user`'s; none without
    /// [`with_sessions`](Self::with_sessions) or a tag.
    fn own_session(&self, tag: Option<&str>, user: &User) -> Result<Option<Session>, JwtError> {
        match (&self.sessions, tag) {
            (Some(sessions), Some(tag)) => Ok(sessions.store.find_session(tag)?.filter(|s| s.user_id == user.id)),
            _ => Ok(None),
        }
    }

    /// Refuses a token whose session (the user's, read already) ended, or whose user's cutoff
    /// came after it; without [`with_sessions`](Self::with_sessions) nothing is refused.
    fn check_live(&self, claims: &Claims, user: &User, session: Option<Session>) -> Result<Option<Session>, JwtError> {
        if self.sessions.is_none() {
            return Ok(None);
        }
        if session.as_ref().is_some_and(|s| s.revoked_at.is_some()) {
            return Err(TokenError::Blacklisted.into());
        }
        if let Some(cutoff) = &user.tokens_cutoff {
            // Read as the Bearer scheme reads it; a token without one cannot show it is newer.
            let iat = claims.get("iat").and_then(crate::claims::numeric_date).unwrap_or(i64::MIN);
            if cutoff.ends(iat, session.as_ref().map(|s| s.created_at)) {
                return Err(TokenError::Blacklisted.into());
            }
        }
        Ok(session)
    }

    /// A blacklisted refresh token came back. Under rotation with blacklisting, past the reuse
    /// interval, that means two parties hold it: its session ends, with every token of it.
    /// Within the interval it is a racing tab or a retried request, and nothing happens.
    fn detect_reuse(
        &self,
        jti: &str,
        blacklisted_at: chrono::NaiveDateTime,
        now: DateTime<Utc>,
    ) -> Result<(), JwtError> {
        let settings = self.settings();
        let Some(sessions) = &self.sessions else { return Ok(()) };
        if !(settings.rotate_refresh_tokens() && settings.blacklist_after_rotation()) {
            return Ok(());
        }
        let now = now.naive_utc();
        if now - blacklisted_at <= sessions.reuse_interval {
            return Ok(());
        }
        if let Some(tag) = session_tag(jti)
            && sessions.store.revoke_session(tag, now)?
        {
            // The `metrics` facade records nothing unless the application installed a recorder.
            metrics::counter!("latchkey_refresh_reuse_detected_total").increment(1);
            log::warn!("a rotated-out refresh token was used again: its session was ended");
        }
        Ok(())
    }

    /// The new refresh token, once the store has recorded it and (when configured)
    /// blacklisted the old one, all or nothing.
    fn rotate(&self, old: &Claims, user_id: UserId, now: DateTime<Utc>) -> Result<String, JwtError> {
        let settings = self.settings();
        let renewed = payload::rotated(old, now, settings.refresh_lifetime())?;
        let encoded = self.tokens.codec().encode(&renewed)?;
        let old = outstanding(old, Some(user_id), None)?;
        let new = OutstandingToken {
            parent_jti: Some(old.jti.clone()),
            ..outstanding(&renewed, Some(user_id), Some(now.naive_utc()))?
        };
        match self.store.rotate(&old, &new, settings.blacklist_after_rotation())? {
            BlacklistOutcome::Blacklisted => Ok(encoded),
            BlacklistOutcome::AlreadyBlacklisted => Err(TokenError::Blacklisted.into()),
        }
    }

    /// `TokenVerifyView`: signature, expiry and id, of a token of any type. Unlike simplejwt,
    /// a blacklisted token is refused with the same 401 as elsewhere, unless
    /// [`JwtSettings::verify_checks_blacklist`] is off.
    pub fn verify(&self, token: &str) -> Result<(), JwtError> {
        self.verified_claims(token).map(drop)
    }

    /// The checks of [`verify`](Self::verify), giving the claims.
    fn verified_claims(&self, token: &str) -> Result<Claims, JwtError> {
        let claims = self.tokens.codec().decode_at(token, UnixNanos::now())?;
        payload::verify_untyped(&claims)?;
        if self.settings().verify_checks_blacklist() {
            self.check_blacklist(&claims)?;
        }
        Ok(claims)
    }

    /// [`verify`](Self::verify), and with [`with_sessions`](Self::with_sessions) also refusing
    /// (as blacklisted) a token of an ended session or from before its user's cutoff, so a
    /// service that asks this endpoint whether a token is good gets the answer the protected
    /// views give.
    pub fn verify_live(&self, token: &str, users: &dyn UserStore) -> Result<(), JwtError> {
        let claims = self.verified_claims(token)?;
        if self.sessions.is_none() {
            return Ok(());
        }
        if let Some(user) = claims.user_id().id().map(|id| users.find_user_by_id(id)).transpose()?.flatten() {
            self.live_session(&claims, &user)?;
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

    /// The claims of a refresh token whose signature, expiry, id and type check out, blacklisted
    /// or not: what ending its session needs.
    pub fn refresh_claims(&self, token: &str) -> Result<Claims, JwtError> {
        let claims = self.tokens.codec().decode_at(token, UnixNanos::now())?;
        payload::verify_typed(&claims, TokenKind::Refresh)?;
        Ok(claims)
    }

    /// `flushexpiredtokens`: forgets outstanding (and blacklisted) tokens that have expired.
    ///
    /// A token is only forgotten once it is past its `exp` by more than the leeway: until then
    /// it is still accepted, and forgetting its blacklist entry would let it refresh again.
    pub fn flush_expired(&self) -> Result<u64, JwtError> {
        let leeway = TimeDelta::from_std(self.settings().leeway()).unwrap_or(TimeDelta::MAX);
        let before = Utc::now().naive_utc().checked_sub_signed(leeway).unwrap_or(chrono::NaiveDateTime::MIN);
        Ok(self.store.flush_expired(before)?)
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
