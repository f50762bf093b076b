//! The instant the time claims are compared with.

use chrono::{DateTime, Utc};
use std::time::{SystemTime, UNIX_EPOCH};

const NANOS_PER_SEC: i128 = 1_000_000_000;

/// A Unix time in nanoseconds. PyJWT compares the time claims with `now` as a float
/// timestamp; whole nanoseconds in an `i128` give the same answers, and no claim, leeway or
/// clock reading can overflow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct UnixNanos(pub i128);

impl UnixNanos {
    /// Read from the system clock directly: this is on every authenticated request's path,
    /// and going through chrono's calendar arithmetic costs more than the clock itself.
    pub(crate) fn now() -> Self {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => Self(nanos(since.as_nanos())),
            // A clock set before 1970: as far before the epoch as it says.
            Err(before) => Self(-nanos(before.duration().as_nanos())),
        }
    }

    /// A claim's Unix seconds.
    pub(crate) fn from_secs(secs: i64) -> Self {
        Self(i128::from(secs) * NANOS_PER_SEC)
    }
}

impl From<DateTime<Utc>> for UnixNanos {
    fn from(at: DateTime<Utc>) -> Self {
        Self(UnixNanos::from_secs(at.timestamp()).0 + i128::from(at.timestamp_subsec_nanos()))
    }
}

/// A `Duration`'s nanoseconds fit an `i128` (they stay below 2^94); saturate rather than trust it.
pub(crate) fn nanos(n: u128) -> i128 {
    i128::try_from(n).unwrap_or(i128::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_agrees_with_chrono() {
        let before = UnixNanos::from(Utc::now());
        let now = UnixNanos::now();
        let after = UnixNanos::from(Utc::now());
        assert!(before <= now && now <= after, "{before:?} {now:?} {after:?}");
    }

    #[test]
    fn datetimes_and_seconds() {
        let at = DateTime::from_timestamp(1_800_000_000, 250).expect("time");
        assert_eq!(UnixNanos::from(at), UnixNanos(1_800_000_000_000_000_250));
        assert_eq!(UnixNanos::from_secs(-2), UnixNanos(-2_000_000_000));
        let before_epoch = DateTime::from_timestamp(-2, 500_000_000).expect("time");
        assert_eq!(UnixNanos::from(before_epoch), UnixNanos(-1_500_000_000));
    }
}
