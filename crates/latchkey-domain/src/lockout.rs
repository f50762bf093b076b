//! Soft lockout: a login name that keeps failing is refused for a while, whatever the password.
//!
//! Attempts are counted per submitted name, whether an account has it or not, so a lock says
//! nothing about which names exist. An attempt is counted *before* its password is checked and
//! a success forgets the count, so what is counted is failures in a row, and concurrent guesses
//! cannot slip past the limit while the first ones are being hashed: every `threshold`-th
//! attempt locks the name (the guesses that follow are refused unchecked), for the cool-off the
//! first time and twice as long each further time, up to [`LockoutPolicy::MAX_COOLOFF`]. A quiet
//! day (no attempt and no lock for [`LockoutPolicy::MAX_COOLOFF`]) forgets the record too.
//!
//! The counts are shared by every instance on one database (they live in a store), unlike a
//! rate throttle: a guesser spreading attempts over a load balancer meets one limit.

use crate::error::StoreError;
use chrono::{NaiveDateTime, TimeDelta};
use std::time::Duration;

/// When a name is locked, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    threshold: u32,
    cooloff: Duration,
}

impl LockoutPolicy {
    /// The longest lock, however many came before, and the quiet time after which a record
    /// is forgotten.
    pub const MAX_COOLOFF: Duration = Duration::from_secs(24 * 60 * 60);

    /// Locks after `threshold` failures in a row (0: never) for `cooloff`, doubling.
    pub fn new(threshold: u32, cooloff: Duration) -> Self {
        Self { threshold, cooloff: cooloff.min(Self::MAX_COOLOFF) }
    }

    /// No lockout.
    pub fn off() -> Self {
        Self::new(0, Duration::ZERO)
    }

    pub fn is_off(&self) -> bool {
        self.threshold == 0
    }

    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    pub fn cooloff(&self) -> Duration {
        self.cooloff
    }

    /// The lock that the `failures`-th failure in a row starts: each `threshold`-th does,
    /// for the cool-off doubled once per earlier lock, capped at [`Self::MAX_COOLOFF`].
    pub fn lock_after(&self, failures: u32) -> Option<Duration> {
        if self.is_off() || failures == 0 || !failures.is_multiple_of(self.threshold) {
            return None;
        }
        let earlier_locks = failures / self.threshold - 1;
        let factor = 2u32.checked_pow(earlier_locks).unwrap_or(u32::MAX);
        Some(self.cooloff.checked_mul(factor).map_or(Self::MAX_COOLOFF, |lock| lock.min(Self::MAX_COOLOFF)))
    }

    /// When the lock that the `failures`-th failure at `now` starts ends ([`Self::lock_after`]).
    pub fn lock_until(&self, now: NaiveDateTime, failures: u32) -> Option<NaiveDateTime> {
        let lock = self.lock_after(failures)?;
        // At most a day: no overflow.
        Some(now + TimeDelta::microseconds(lock.as_micros() as i64))
    }

    /// Records quiet since before this are forgotten at the next failure (or a flush).
    pub fn forget_before(now: NaiveDateTime) -> NaiveDateTime {
        now - TimeDelta::seconds(Self::MAX_COOLOFF.as_secs() as i64)
    }
}

/// What a store holds for one login name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    /// Attempts since the record began; a successful login ends the record, so these are the
    /// failures in a row (and the attempts still being checked).
    pub failures: u32,
    pub last_failure_at: NaiveDateTime,
    /// The end of the current or latest lock.
    pub locked_until: Option<NaiveDateTime>,
}

impl LoginFailures {
    /// How long the name stays locked after `now`; `None` when it is not locked.
    pub fn locked_for(&self, now: NaiveDateTime) -> Option<Duration> {
        let until = self.locked_until?;
        (until > now).then(|| (until - now).to_std().unwrap_or_default())
    }

    /// Whether the record is older than the policy keeps: no failure and no lock since `cutoff`.
    pub fn is_quiet_since(&self, cutoff: NaiveDateTime) -> bool {
        self.last_failure_at < cutoff && self.locked_until.is_none_or(|until| until < cutoff)
    }
}

/// What [`LockoutStore::count_login_attempt`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginAttempt {
    /// Counted: the password may be checked. The record includes this attempt (and the lock
    /// it started, if it is a `threshold`-th).
    Admitted(LoginFailures),
    /// The name was locked: nothing was counted, and nothing may be checked.
    Locked(LoginFailures),
}

/// Where login attempts are counted: shared by every instance that enforces one limit.
///
/// `subject` identifies a login name without being it (the server keys it with its secret, so
/// a name typed into the wrong field never reaches the database in the clear).
pub trait LockoutStore: Send + Sync {
    fn login_failures(&self, subject: &str) -> Result<Option<LoginFailures>, StoreError>;
    /// Counts an attempt at `now`, before its password is checked, atomically with every other
    /// writer: forgets a quiet record first ([`LoginFailures::is_quiet_since`] of
    /// [`LockoutPolicy::forget_before`]); if the name is locked at `now`, counts nothing and
    /// answers `Locked`; else adds one and locks the name when the new count is one
    /// [`LockoutPolicy::lock_after`] names.
    fn count_login_attempt(
        &self,
        subject: &str,
        now: NaiveDateTime,
        policy: &LockoutPolicy,
    ) -> Result<LoginAttempt, StoreError>;
    /// Forgets the count and any lock of `subject` (a successful login, an unlock, the name's
    /// registration); whether there was a record.
    fn clear_login_failures(&self, subject: &str) -> Result<bool, StoreError>;
    /// Deletes every record quiet since `cutoff`; how many.
    fn forget_login_failures(&self, cutoff: NaiveDateTime) -> Result<u64, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    #[test]
    fn every_threshold_th_failure_locks_twice_as_long() {
        let policy = LockoutPolicy::new(3, 5 * MIN);
        let locks: Vec<_> = (1..=12).map(|n| policy.lock_after(n)).collect();
        assert_eq!(
            locks,
            [
                None,
                None,
                Some(5 * MIN),
                None,
                None,
                Some(10 * MIN),
                None,
                None,
                Some(20 * MIN),
                None,
                None,
                Some(40 * MIN)
            ]
        );
        assert_eq!(policy.lock_after(3 * 40), Some(LockoutPolicy::MAX_COOLOFF), "capped");
        // u32::MAX is a multiple of 3: the last lock a count can reach.
        assert_eq!(policy.lock_after(u32::MAX), Some(LockoutPolicy::MAX_COOLOFF));
        assert_eq!(LockoutPolicy::off().lock_after(10), None);
        assert_eq!(LockoutPolicy::new(1, MIN).lock_after(1), Some(MIN));
    }

    #[test]
    fn locked_for_and_quiet() {
        let t = |s: i64| chrono::DateTime::UNIX_EPOCH.naive_utc() + TimeDelta::seconds(s);
        let record = LoginFailures { failures: 3, last_failure_at: t(100), locked_until: Some(t(400)) };
        assert_eq!(record.locked_for(t(100)), Some(Duration::from_secs(300)));
        assert_eq!(record.locked_for(t(400)), None);
        assert!(!record.is_quiet_since(t(400)));
        assert!(record.is_quiet_since(t(401)));
        let unlocked = LoginFailures { locked_until: None, ..record };
        assert!(unlocked.is_quiet_since(t(101)));
    }
}
