//! An in-memory implementation of every storage trait, for tests, examples and services that
//! keep their users elsewhere. It honours the same uniqueness rules as the SQL stores.

use crate::error::StoreError;
use crate::lockout::{LockoutPolicy, LockoutStore, LoginAttempt, LoginFailures};
use crate::session::{CutoffReason, Session, SessionStore, TokenCutoff, VerifiedLogin};
use crate::store::{
    BlacklistOutcome, ImportedKeyRecord, OpaqueKeyRecord, OpaqueKeyStore, OutstandingToken, RefreshReadStore,
    RefreshReads, RefreshTokenStore, UserStore,
};
use crate::user::{NewUser, User, UserId};
use chrono::NaiveDateTime;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

#[derive(Default)]
struct State {
    users: BTreeMap<i64, User>,
    outstanding: HashMap<String, OutstandingToken>,
    blacklisted: HashMap<String, NaiveDateTime>,
    keys: HashMap<UserId, OpaqueKeyRecord>,
    imported_keys: HashMap<UserId, ImportedKeyRecord>,
    sessions: HashMap<String, Session>,
    login_failures: HashMap<String, LoginFailures>,
}

/// Users, refresh tokens and opaque keys in one mutex.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind, still consistent per entry.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every stored opaque-key record (what a database dump would show).
    pub fn key_records(&self) -> Vec<OpaqueKeyRecord> {
        self.lock().keys.values().cloned().collect()
    }

    /// Stores a key another system issued, as an import does. `NotFound` for an unknown user,
    /// `Conflict` when another user's imported key has the same digest.
    pub fn put_imported_key(&self, record: ImportedKeyRecord) -> Result<(), StoreError> {
        let mut state = self.lock();
        if !state.users.contains_key(&record.user_id.0) {
            return Err(StoreError::NotFound);
        }
        if state.imported_keys.values().any(|r| r.digest == record.digest && r.user_id != record.user_id) {
            return Err(StoreError::Conflict("imported_keys.digest".into()));
        }
        state.imported_keys.insert(record.user_id, record);
        Ok(())
    }
}

impl UserStore for MemoryStore {
    fn create_user(&self, user: NewUser) -> Result<User, StoreError> {
        let mut state = self.lock();
        if state.users.values().any(|u| u.username == user.username) {
            return Err(StoreError::Conflict("username".into()));
        }
        let id = state.users.keys().next_back().map_or(1, |last| last + 1);
        let stored = User {
            id: UserId(id),
            username: user.username,
            email: user.email,
            password_hash: user.password_hash,
            is_active: user.is_active,
            is_staff: user.is_staff,
            is_superuser: user.is_superuser,
            date_joined: user.date_joined,
            last_login: None,
            tokens_cutoff: None,
        };
        state.users.insert(id, stored.clone());
        Ok(stored)
    }

    fn find_user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        Ok(self.lock().users.values().find(|u| u.username == username).cloned())
    }

    fn find_user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        Ok(self.lock().users.get(&id.0).cloned())
    }

    fn set_password_hash(&self, id: UserId, password_hash: &str) -> Result<(), StoreError> {
        let mut state = self.lock();
        let user = state.users.get_mut(&id.0).ok_or(StoreError::NotFound)?;
        user.password_hash = password_hash.to_owned();
        Ok(())
    }

    fn replace_password_hash(&self, id: UserId, expected: &str, new: &str) -> Result<bool, StoreError> {
        let mut state = self.lock();
        match state.users.get_mut(&id.0) {
            Some(user) if user.password_hash == expected => {
                user.password_hash = new.to_owned();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn set_active(&self, id: UserId, active: bool) -> Result<(), StoreError> {
        let mut state = self.lock();
        let user = state.users.get_mut(&id.0).ok_or(StoreError::NotFound)?;
        user.is_active = active;
        Ok(())
    }
}

impl RefreshTokenStore for MemoryStore {
    fn record_outstanding(&self, token: &OutstandingToken) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state.outstanding.contains_key(&token.jti) {
            return Err(StoreError::Conflict("jti".into()));
        }
        state.outstanding.insert(token.jti.clone(), token.clone());
        Ok(())
    }

    fn blacklisted_at(&self, jti: &str) -> Result<Option<NaiveDateTime>, StoreError> {
        Ok(self.lock().blacklisted.get(jti).copied())
    }

    fn blacklist(&self, token: &OutstandingToken) -> Result<BlacklistOutcome, StoreError> {
        let mut state = self.lock();
        state.outstanding.entry(token.jti.clone()).or_insert_with(|| token.clone());
        if state.blacklisted.contains_key(&token.jti) {
            return Ok(BlacklistOutcome::AlreadyBlacklisted);
        }
        state.blacklisted.insert(token.jti.clone(), chrono::Utc::now().naive_utc());
        Ok(BlacklistOutcome::Blacklisted)
    }

    fn rotate(
        &self,
        old: &OutstandingToken,
        new: &OutstandingToken,
        blacklist_old: bool,
    ) -> Result<BlacklistOutcome, StoreError> {
        let mut state = self.lock();
        if state.blacklisted.contains_key(&old.jti) {
            return Ok(BlacklistOutcome::AlreadyBlacklisted);
        }
        if blacklist_old {
            state.outstanding.entry(old.jti.clone()).or_insert_with(|| old.clone());
            state.blacklisted.insert(old.jti.clone(), chrono::Utc::now().naive_utc());
        }
        state.outstanding.insert(new.jti.clone(), new.clone());
        Ok(BlacklistOutcome::Blacklisted)
    }

    fn flush_expired(&self, now: NaiveDateTime) -> Result<u64, StoreError> {
        let mut state = self.lock();
        let expired: Vec<String> =
            state.outstanding.values().filter(|t| t.expires_at <= now).map(|t| t.jti.clone()).collect();
        for jti in &expired {
            state.outstanding.remove(jti);
            state.blacklisted.remove(jti);
        }
        Ok(expired.len() as u64)
    }
}

impl OpaqueKeyStore for MemoryStore {
    fn key_for_user(&self, user_id: UserId) -> Result<Option<OpaqueKeyRecord>, StoreError> {
        Ok(self.lock().keys.get(&user_id).cloned())
    }

    fn find_key_by_digest(&self, digest: &str) -> Result<Option<(OpaqueKeyRecord, User)>, StoreError> {
        let state = self.lock();
        let Some(record) = state.keys.values().find(|r| r.digest == digest) else {
            return Ok(None);
        };
        Ok(state.users.get(&record.user_id.0).map(|user| (record.clone(), user.clone())))
    }

    fn put_key(&self, record: &OpaqueKeyRecord) -> Result<(), StoreError> {
        let mut state = self.lock();
        if !state.users.contains_key(&record.user_id.0) {
            return Err(StoreError::NotFound);
        }
        state.keys.insert(record.user_id, record.clone());
        Ok(())
    }

    fn insert_key_if_absent(&self, record: &OpaqueKeyRecord) -> Result<OpaqueKeyRecord, StoreError> {
        let mut state = self.lock();
        if !state.users.contains_key(&record.user_id.0) {
            return Err(StoreError::NotFound);
        }
        Ok(state.keys.entry(record.user_id).or_insert_with(|| record.clone()).clone())
    }

    fn find_imported_key_by_digest(&self, digest: &str) -> Result<Option<(ImportedKeyRecord, User)>, StoreError> {
        let state = self.lock();
        let Some(record) = state.imported_keys.values().find(|r| r.digest == digest) else {
            return Ok(None);
        };
        Ok(state.users.get(&record.user_id.0).map(|user| (record.clone(), user.clone())))
    }

    fn delete_imported_key(&self, user_id: UserId) -> Result<bool, StoreError> {
        Ok(self.lock().imported_keys.remove(&user_id).is_some())
    }
}

impl RefreshReadStore for MemoryStore {
    fn refresh_reads(&self, jti: &str, user_id: Option<UserId>, tag: Option<&str>) -> Result<RefreshReads, StoreError> {
        let state = self.lock();
        let user = user_id.and_then(|id| state.users.get(&id.0)).cloned();
        let session = match (&user, tag) {
            (Some(user), Some(tag)) => state.sessions.get(tag).filter(|s| s.user_id == user.id).cloned(),
            _ => None,
        };
        Ok(RefreshReads { blacklisted_at: state.blacklisted.get(jti).copied(), user, session })
    }
}

impl SessionStore for MemoryStore {
    fn start_session(&self, session: &Session, login: Option<VerifiedLogin<'_>>) -> Result<Session, StoreError> {
        let mut state = self.lock();
        let user = state.users.get(&session.user_id.0).ok_or(StoreError::NotFound)?;
        if login.is_some_and(|login| login.password_hash != user.password_hash) {
            return Err(StoreError::Conflict("users.password".into()));
        }
        if state.sessions.contains_key(&session.tag) {
            return Err(StoreError::Conflict("sessions.tag".into()));
        }
        let now = chrono::Utc::now().naive_utc();
        let started = Session { created_at: now, last_used_at: now, ..session.clone() };
        state.sessions.insert(started.tag.clone(), started.clone());
        Ok(started)
    }

    fn find_session(&self, tag: &str) -> Result<Option<Session>, StoreError> {
        Ok(self.lock().sessions.get(tag).cloned())
    }

    fn live_sessions(&self, user_id: UserId, now: NaiveDateTime) -> Result<Vec<Session>, StoreError> {
        let mut live: Vec<Session> =
            self.lock().sessions.values().filter(|s| s.user_id == user_id && s.is_live(now)).cloned().collect();
        live.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| b.tag.cmp(&a.tag)));
        Ok(live)
    }

    fn touch_session(&self, tag: &str, at: NaiveDateTime, expires_at: NaiveDateTime) -> Result<(), StoreError> {
        if let Some(session) = self.lock().sessions.get_mut(tag) {
            session.last_used_at = at;
            session.expires_at = session.expires_at.max(expires_at);
        }
        Ok(())
    }

    fn revoke_session(&self, tag: &str, at: NaiveDateTime) -> Result<bool, StoreError> {
        match self.lock().sessions.get_mut(tag) {
            Some(session) if session.revoked_at.is_none() => {
                session.revoked_at = Some(at);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn cut_off(&self, user_id: UserId, reason: CutoffReason) -> Result<TokenCutoff, StoreError> {
        let mut state = self.lock();
        cut_off_in(&mut state, user_id, reason)
    }

    fn change_password(&self, user_id: UserId, password_hash: &str) -> Result<TokenCutoff, StoreError> {
        let mut state = self.lock();
        let cutoff = cut_off_in(&mut state, user_id, CutoffReason::PasswordChanged)?;
        if let Some(user) = state.users.get_mut(&user_id.0) {
            user.password_hash = password_hash.to_owned();
        }
        Ok(cutoff)
    }
}

fn cut_off_in(state: &mut State, user_id: UserId, reason: CutoffReason) -> Result<TokenCutoff, StoreError> {
    let cutoff = TokenCutoff { at: chrono::Utc::now().naive_utc(), reason };
    let user = state.users.get_mut(&user_id.0).ok_or(StoreError::NotFound)?;
    user.tokens_cutoff = Some(cutoff);
    for session in state.sessions.values_mut().filter(|s| s.user_id == user_id && s.revoked_at.is_none()) {
        session.revoked_at = Some(cutoff.at);
    }
    Ok(cutoff)
}

impl LockoutStore for MemoryStore {
    fn login_failures(&self, subject: &str) -> Result<Option<LoginFailures>, StoreError> {
        Ok(self.lock().login_failures.get(subject).copied())
    }

    fn count_login_attempt(
        &self,
        subject: &str,
        now: NaiveDateTime,
        policy: &LockoutPolicy,
    ) -> Result<LoginAttempt, StoreError> {
        let mut state = self.lock();
        let cutoff = LockoutPolicy::forget_before(now);
        let kept = state.login_failures.get(subject).copied().filter(|record| !record.is_quiet_since(cutoff));
        if let Some(record) = kept.filter(|record| record.locked_for(now).is_some()) {
            return Ok(LoginAttempt::Locked(record));
        }
        let failures = kept.map_or(0, |record| record.failures).saturating_add(1);
        let locked_until = policy.lock_until(now, failures).or(kept.and_then(|r| r.locked_until));
        let record = LoginFailures { failures, last_failure_at: now, locked_until };
        state.login_failures.insert(subject.to_owned(), record);
        Ok(LoginAttempt::Admitted(record))
    }

    fn clear_login_failures(&self, subject: &str) -> Result<bool, StoreError> {
        Ok(self.lock().login_failures.remove(subject).is_some())
    }

    fn forget_login_failures(&self, cutoff: NaiveDateTime) -> Result<u64, StoreError> {
        let mut state = self.lock();
        let before = state.login_failures.len();
        state.login_failures.retain(|_, record| !record.is_quiet_since(cutoff));
        Ok((before - state.login_failures.len()) as u64)
    }
}
