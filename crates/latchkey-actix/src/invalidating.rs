//! A store wrapper whose writes forget what the [`AuthCaches`] hold about the user they
//! change, so a deactivation, a password change or a key reset made through this process takes
//! effect on the next request.

use crate::caches::AuthCaches;
use chrono::NaiveDateTime;
use latchkey_domain::{
    BlacklistOutcome, CutoffReason, ImportedKeyRecord, NewUser, OpaqueKeyRecord, OpaqueKeyStore, OutstandingToken,
    RefreshTokenStore, Session, SessionStore, StoreError, TokenCutoff, User, UserId, UserStore, VerifiedLogin,
};
use std::sync::Arc;

/// A store whose writes to a user's state or key forget what the caches hold about that user,
/// so that a deactivation, a password change or a key reset made through this process takes
/// effect on the next request.
pub struct InvalidatingStore<S> {
    pub(crate) inner: S,
    caches: Arc<AuthCaches>,
}

impl<S> InvalidatingStore<S> {
    pub fn new(inner: S, caches: Arc<AuthCaches>) -> Self {
        Self { inner, caches }
    }
}

impl<S: UserStore> UserStore for InvalidatingStore<S> {
    fn create_user(&self, user: NewUser) -> Result<User, StoreError> {
        self.inner.create_user(user)
    }

    fn find_user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        self.inner.find_user_by_username(username)
    }

    fn find_user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        self.inner.find_user_by_id(id)
    }

    fn set_password_hash(&self, id: UserId, password_hash: &str) -> Result<(), StoreError> {
        let result = self.inner.set_password_hash(id, password_hash);
        self.caches.user_changed(id);
        result
    }

    fn replace_password_hash(&self, id: UserId, expected: &str, new: &str) -> Result<bool, StoreError> {
        let result = self.inner.replace_password_hash(id, expected, new);
        self.caches.user_changed(id);
        result
    }

    fn set_active(&self, id: UserId, active: bool) -> Result<(), StoreError> {
        let result = self.inner.set_active(id, active);
        self.caches.user_changed(id);
        result
    }
}

impl<S: OpaqueKeyStore> OpaqueKeyStore for InvalidatingStore<S> {
    fn key_for_user(&self, user_id: UserId) -> Result<Option<OpaqueKeyRecord>, StoreError> {
        self.inner.key_for_user(user_id)
    }

    fn find_key_by_digest(&self, digest: &str) -> Result<Option<(OpaqueKeyRecord, User)>, StoreError> {
        self.inner.find_key_by_digest(digest)
    }

    fn put_key(&self, record: &OpaqueKeyRecord) -> Result<(), StoreError> {
        let result = self.inner.put_key(record);
        self.caches.user_changed(record.user_id);
        result
    }

    fn insert_key_if_absent(&self, record: &OpaqueKeyRecord) -> Result<OpaqueKeyRecord, StoreError> {
        self.inner.insert_key_if_absent(record)
    }

    fn find_imported_key_by_digest(&self, digest: &str) -> Result<Option<(ImportedKeyRecord, User)>, StoreError> {
        self.inner.find_imported_key_by_digest(digest)
    }

    fn delete_imported_key(&self, user_id: UserId) -> Result<bool, StoreError> {
        let result = self.inner.delete_imported_key(user_id);
        self.caches.user_changed(user_id);
        result
    }
}

impl<S: SessionStore> SessionStore for InvalidatingStore<S> {
    fn start_session(&self, session: &Session, login: Option<VerifiedLogin<'_>>) -> Result<Session, StoreError> {
        self.inner.start_session(session, login)
    }

    fn find_session(&self, tag: &str) -> Result<Option<Session>, StoreError> {
        self.inner.find_session(tag)
    }

    fn live_sessions(&self, user_id: UserId, now: NaiveDateTime) -> Result<Vec<Session>, StoreError> {
        self.inner.live_sessions(user_id, now)
    }

    // What is cached of a session (its user, start, whether it ended) does not change here.
    fn touch_session(&self, tag: &str, at: NaiveDateTime, expires_at: NaiveDateTime) -> Result<(), StoreError> {
        self.inner.touch_session(tag, at, expires_at)
    }

    fn revoke_session(&self, tag: &str, at: NaiveDateTime) -> Result<bool, StoreError> {
        let result = self.inner.revoke_session(tag, at);
        self.caches.session_changed(tag);
        result
    }

    fn cut_off(&self, user_id: UserId, reason: CutoffReason) -> Result<TokenCutoff, StoreError> {
        let result = self.inner.cut_off(user_id, reason);
        self.caches.user_changed(user_id);
        result
    }

    fn change_password(&self, user_id: UserId, password_hash: &str) -> Result<TokenCutoff, StoreError> {
        let result = self.inner.change_password(user_id, password_hash);
        self.caches.user_changed(user_id);
        result
    }
}

// Refresh tokens are not cached (access tokens are never blacklisted): plain delegation, so one
// store value can serve every trait.
impl<S: RefreshTokenStore> RefreshTokenStore for InvalidatingStore<S> {
    fn record_outstanding(&self, token: &OutstandingToken) -> Result<(), StoreError> {
        self.inner.record_outstanding(token)
    }

    fn blacklisted_at(&self, jti: &str) -> Result<Option<NaiveDateTime>, StoreError> {
        self.inner.blacklisted_at(jti)
    }

    fn blacklist(&self, token: &OutstandingToken) -> Result<BlacklistOutcome, StoreError> {
        self.inner.blacklist(token)
    }

    fn rotate(
        &self,
        old: &OutstandingToken,
        new: &OutstandingToken,
        blacklist_old: bool,
    ) -> Result<BlacklistOutcome, StoreError> {
        self.inner.rotate(old, new, blacklist_old)
    }

    fn flush_expired(&self, now: NaiveDateTime) -> Result<u64, StoreError> {
        self.inner.flush_expired(now)
    }
}
