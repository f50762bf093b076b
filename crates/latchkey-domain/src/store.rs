//! The storage traits the token schemes and the server need. They are synchronous on purpose:
//! every real backend (Diesel, a file, a map) blocks, and callers in async code run them on a
//! blocking pool. All are object-safe so a deployment can hold them as `Arc<dyn …>`.

use crate::error::StoreError;
use crate::session::Session;
use crate::user::{NewUser, User, UserId};
use chrono::NaiveDateTime;

pub trait UserStore: Send + Sync {
    /// Inserts a user; a taken username is `StoreError::Conflict`.
    fn create_user(&self, user: NewUser) -> Result<User, StoreError>;
    fn find_user_by_username(&self, username: &str) -> Result<Option<User>, StoreError>;
    fn find_user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError>;
    fn set_password_hash(&self, id: UserId, password_hash: &str) -> Result<(), StoreError>;
    /// Replaces the user's hash with `new` only if it is still `expected` (the one a login just
    /// checked), so that re-hashing after a login never overwrites a password changed in the
    /// meantime. `Ok(false)` when the hash had changed (or the user is gone).
    fn replace_password_hash(&self, id: UserId, expected: &str, new: &str) -> Result<bool, StoreError>;
    fn set_active(&self, id: UserId, active: bool) -> Result<(), StoreError>;
}

/// A refresh token that was issued (simplejwt's `OutstandingToken`), identified by its `jti`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutstandingToken {
    pub jti: String,
    /// `None` when the token names no existing user (crafted tokens can be blacklisted too).
    pub user_id: Option<UserId>,
    pub created_at: Option<NaiveDateTime>,
    pub expires_at: NaiveDateTime,
    /// The refresh token this one was rotated from.
    pub parent_jti: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlacklistOutcome {
    Blacklisted,
    /// The token was on the blacklist already: another request got there first.
    AlreadyBlacklisted,
}

/// Outstanding and blacklisted refresh tokens.
pub trait RefreshTokenStore: Send + Sync {
    /// Records a freshly issued refresh token.
    fn record_outstanding(&self, token: &OutstandingToken) -> Result<(), StoreError>;
    /// When the token was blacklisted; `None` when it is not.
    fn blacklisted_at(&self, jti: &str) -> Result<Option<NaiveDateTime>, StoreError>;
    fn is_blacklisted(&self, jti: &str) -> Result<bool, StoreError> {
        Ok(self.blacklisted_at(jti)?.is_some())
    }
    /// Puts a token on the blacklist, recording it as outstanding first when it was not
    /// (a token minted elsewhere with the same key). The database decides who wins a race.
    fn blacklist(&self, token: &OutstandingToken) -> Result<BlacklistOutcome, StoreError>;
    /// In one transaction: blacklist `old` (when `blacklist_old`) and record `new`. When `old`
    /// is already blacklisted nothing is written and `AlreadyBlacklisted` comes back, so of
    /// many concurrent rotations of one token exactly one succeeds.
    fn rotate(
        &self,
        old: &OutstandingToken,
        new: &OutstandingToken,
        blacklist_old: bool,
    ) -> Result<BlacklistOutcome, StoreError>;
    /// Deletes outstanding tokens (and their blacklist entries) that expired at or before `now`.
    fn flush_expired(&self, now: NaiveDateTime) -> Result<u64, StoreError>;
}

/// What a refresh reads before it decides: the token's blacklist entry, its user, and its
/// session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefreshReads {
    /// When the token was blacklisted; `None` when it is not.
    pub blacklisted_at: Option<NaiveDateTime>,
    pub user: Option<User>,
    /// The session tagged so, when it belongs to that user.
    pub session: Option<Session>,
}

/// The reads of a refresh in one round trip, for a store that holds tokens, users and
/// sessions together. A refresh otherwise asks three stores one after another: on a database
/// that is three queries where one would do, and three snapshots where one is right.
pub trait RefreshReadStore: Send + Sync {
    /// When `jti` was blacklisted, the user `user_id` (none when `None`), and the session
    /// tagged `tag` (none when `None`) if it belongs to that user, read together.
    fn refresh_reads(&self, jti: &str, user_id: Option<UserId>, tag: Option<&str>) -> Result<RefreshReads, StoreError>;
}

/// What is stored for a user's opaque key: never the key, only what derives and finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpaqueKeyRecord {
    pub user_id: UserId,
    /// Random per-user salt the key is derived from (with the server secret).
    pub salt: String,
    /// SHA-256 of the key, hex: what a presented key is looked up by.
    pub digest: String,
    pub created: NaiveDateTime,
}

/// A key another system issued, brought over by an import (a DRF `authtoken_token` key): only
/// its digest is known, so unlike an [`OpaqueKeyRecord`] it can be checked but never derived
/// or handed out again. A user has at most one, beside their derived key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedKeyRecord {
    pub user_id: UserId,
    /// SHA-256 of the key, hex, as for derived keys.
    pub digest: String,
    /// When the other system issued it (DRF's `Token.created`).
    pub created: NaiveDateTime,
}

pub trait OpaqueKeyStore: Send + Sync {
    fn key_for_user(&self, user_id: UserId) -> Result<Option<OpaqueKeyRecord>, StoreError>;
    /// The record whose digest is `digest`, with its user.
    fn find_key_by_digest(&self, digest: &str) -> Result<Option<(OpaqueKeyRecord, User)>, StoreError>;
    /// Creates the user's record, or replaces it (a reset, a rotated secret).
    fn put_key(&self, record: &OpaqueKeyRecord) -> Result<(), StoreError>;
    /// Creates the record unless the user has one; returns the record in force.
    fn insert_key_if_absent(&self, record: &OpaqueKeyRecord) -> Result<OpaqueKeyRecord, StoreError>;
    /// The imported key whose digest is `digest`, with its user.
    fn find_imported_key_by_digest(&self, digest: &str) -> Result<Option<(ImportedKeyRecord, User)>, StoreError>;
    /// Deletes the user's imported key, if any; whether there was one.
    fn delete_imported_key(&self, user_id: UserId) -> Result<bool, StoreError>;
}
