//! The lockout as the server applies it (`latchkey_domain::lockout` has the rules): each login
//! attempt is counted for its name before any password hashing (or refused, while the name is
//! locked), and a successful check forgets the count. Names are stored as a keyed digest, never
//! as typed.

use hmac::{Hmac, Mac};
use latchkey_domain::{LockoutPolicy, LockoutStore, LoginAttempt, StoreError};
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;

/// Separates these digests from any other MAC under the same secret.
const SUBJECT_CONTEXT: &[u8] = b"latchkey-lockout-subject-v1:";

/// What a login may do after [`LoginLockout::attempt`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Counted: go on and check the password; `subject` is `None` when the lockout is off.
    Open { subject: Option<String> },
    /// Refused without a check: the name is locked this much longer.
    Locked(Duration),
}

pub struct LoginLockout {
    store: Arc<dyn LockoutStore>,
    policy: LockoutPolicy,
    mac: Hmac<Sha256>,
}

impl LoginLockout {
    /// HMAC takes keys of any length, so the error (the `hmac` crate's general signature)
    /// does not happen in practice.
    pub fn new(
        store: Arc<dyn LockoutStore>,
        policy: LockoutPolicy,
        secret: &[u8],
    ) -> Result<Self, hmac::digest::InvalidLength> {
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)?;
        Ok(Self { store, policy, mac })
    }

    pub fn policy(&self) -> &LockoutPolicy {
        &self.policy
    }

    /// The key `username` is counted under: `hex(HMAC-SHA256(secret, context || username))`.
    /// Every instance with the same secret finds the same row.
    pub fn subject(&self, username: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(SUBJECT_CONTEXT);
        mac.update(username.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Before a password check: counts the attempt, or refuses it while the name is locked.
    /// Touches nothing when the lockout is off.
    pub fn attempt(&self, username: &str) -> Result<Gate, StoreError> {
        if self.policy.is_off() {
            return Ok(Gate::Open { subject: None });
        }
        let subject = self.subject(username);
        let now = now();
        match self.store.count_login_attempt(&subject, now, &self.policy)? {
            LoginAttempt::Locked(record) => Ok(Gate::Locked(record.locked_for(now).unwrap_or_default())),
            LoginAttempt::Admitted(record) => {
                if self.policy.lock_after(record.failures).is_some() {
                    metrics::counter!("latchkey_lockouts_total").increment(1);
                    // The subject, not the name: what was typed may be a password.
                    log::warn!(
                        "login name {}… locked for {} s after {} failed logins in a row",
                        subject.get(..12).unwrap_or(&subject),
                        record.locked_for(now).unwrap_or_default().as_secs(),
                        record.failures
                    );
                }
                Ok(Gate::Open { subject: Some(subject) })
            }
        }
    }

    /// After a successful check: the name's count (this attempt included) is forgotten.
    pub fn succeeded(&self, subject: &str) -> Result<(), StoreError> {
        self.store.clear_login_failures(subject).map(drop)
    }

    /// `unlock USERNAME`, and a registration (a lock placed on a name before anyone had it
    /// must not shut out its new owner): forgets the name's count and lock, whether the
    /// lockout is on or not.
    pub fn unlock(&self, username: &str) -> Result<bool, StoreError> {
        self.store.clear_login_failures(&self.subject(username))
    }
}

/// The database's time resolution (microseconds), so a lock reads back as written.
fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    chrono::Timelike::with_nanosecond(&now, chrono::Timelike::nanosecond(&now) / 1_000 * 1_000).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_domain::memory::MemoryStore;

    fn lockout(threshold: u32) -> LoginLockout {
        LoginLockout::new(Arc::new(MemoryStore::new()), LockoutPolicy::new(threshold, Duration::from_secs(300)), b"k")
            .expect("any key")
    }

    #[test]
    fn subjects_are_keyed_digests() {
        let a = lockout(3);
        assert_eq!(a.subject("alice"), a.subject("alice"));
        assert_ne!(a.subject("alice"), a.subject("Alice"));
        assert_eq!(a.subject("alice").len(), 64);
        assert!(!a.subject("alice").contains("alice"));
        let other =
            LoginLockout::new(Arc::new(MemoryStore::new()), LockoutPolicy::off(), b"other secret").expect("any key");
        assert_ne!(a.subject("alice"), other.subject("alice"));
    }

    #[test]
    fn locks_at_the_threshold_and_unlocks() {
        let lockout = lockout(3);
        for _ in 0..3 {
            assert!(matches!(lockout.attempt("mallory"), Ok(Gate::Open { subject: Some(_) })), "locked too early");
        }
        let Gate::Locked(wait) = lockout.attempt("mallory").expect("attempt") else { panic!("not locked") };
        assert!(wait > Duration::from_secs(298) && wait <= Duration::from_secs(300), "{wait:?}");
        assert!(matches!(lockout.attempt("someone-else"), Ok(Gate::Open { .. })));
        assert!(lockout.unlock("mallory").expect("unlock"));
        let Gate::Open { subject: Some(subject) } = lockout.attempt("mallory").expect("attempt") else {
            panic!("still locked")
        };
        // A success forgets the attempts before it.
        lockout.attempt("mallory").expect("attempt");
        lockout.succeeded(&subject).expect("success");
        for _ in 0..3 {
            assert!(matches!(lockout.attempt("mallory"), Ok(Gate::Open { .. })));
        }
    }

    #[test]
    fn off_reads_nothing() {
        assert_eq!(lockout(0).attempt("x").expect("attempt"), Gate::Open { subject: None });
    }
}
