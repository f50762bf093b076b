//! The access tokens [`JwtScheme`](crate::JwtScheme) has verified lately, so that a client that
//! sends its token on every request pays for the signature check and the JSON once.

use crate::claims::UserIdClaim;
use crate::codec::TimeClaims;
use foldhash::quality::RandomState;
use moka::sync::Cache;
use std::sync::Arc;
use std::time::Duration;

/// What a request needs of an access token that checked out, read once.
#[derive(Debug, Clone)]
pub(crate) struct VerifiedAccess {
    pub user_id: UserIdClaim,
    pub jti: Option<String>,
    /// Kept to check again on every use: a remembered token still expires.
    pub times: TimeClaims,
}

/// Verified access tokens by their exact bytes (as sent, so that a hit skips even the UTF-8
/// check), each for at most `ttl` after it was verified, at most `capacity` of them (moka
/// evicts those least likely to be used again). A token's
/// signature gives the same answer for the same bytes under the same key, so serving it from
/// here changes no answer as long as the time claims are checked on each use, which the
/// caller does. Only successes are stored: a failure costs its full check every time, so a
/// flood of bad tokens cannot push good ones out.
///
/// Keys are hashed with foldhash rather than SipHash: a token is a few hundred bytes and this
/// lookup is on every authenticated request's path, where SipHash alone costs about as much
/// as the rest of the lookup. SipHash's resistance to chosen collisions buys nothing here:
/// only tokens that passed the signature check are inserted, so nobody without the signing
/// key can choose the keys, and foldhash's per-instance random seed keeps the layout unknown.
pub(crate) struct VerifiedCache {
    /// `None` when the cache is off (a zero TTL or capacity).
    entries: Option<Cache<Box<[u8]>, Arc<VerifiedAccess>, RandomState>>,
}

/// moka refuses (panics on) a time to live beyond 1000 years; a year is already "as long as
/// the token lives", since each use checks `exp` anyway.
const LONGEST_TTL: Duration = Duration::from_secs(365 * 24 * 60 * 60);

impl VerifiedCache {
    pub(crate) fn new(ttl: Duration, capacity: usize) -> Self {
        let entries = (!ttl.is_zero() && capacity > 0).then(|| {
            Cache::builder()
                .max_capacity(u64::try_from(capacity).unwrap_or(u64::MAX))
                .time_to_live(ttl.min(LONGEST_TTL))
                .build_with_hasher(RandomState::default())
        });
        Self { entries }
    }

    /// By the borrowed token, so that a hit allocates nothing (it bumps the `Arc`'s count).
    pub(crate) fn get(&self, token: &[u8]) -> Option<Arc<VerifiedAccess>> {
        self.entries.as_ref()?.get(token)
    }

    pub(crate) fn insert(&self, token: &[u8], verified: Arc<VerifiedAccess>) {
        if let Some(entries) = &self.entries {
            entries.insert(token.into(), verified);
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> u64 {
        self.entries.as_ref().map_or(0, |entries| {
            entries.run_pending_tasks();
            entries.entry_count()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_domain::UserId;

    fn verified(id: i64) -> Arc<VerifiedAccess> {
        Arc::new(VerifiedAccess {
            user_id: UserIdClaim::Id(UserId(id)),
            jti: None,
            times: TimeClaims { iat: None, nbf: None, exp: None },
        })
    }

    #[test]
    fn serves_what_was_stored_until_the_ttl_passes() {
        let cache = VerifiedCache::new(Duration::from_millis(100), 10);
        cache.insert(b"a", verified(1));
        assert_eq!(cache.get(b"a").map(|v| v.user_id), Some(UserIdClaim::Id(UserId(1))));
        assert!(cache.get(b"b").is_none());
        std::thread::sleep(Duration::from_millis(150));
        assert!(cache.get(b"a").is_none());
    }

    #[test]
    fn zero_ttl_or_capacity_turns_it_off() {
        for cache in [VerifiedCache::new(Duration::ZERO, 10), VerifiedCache::new(Duration::from_secs(60), 0)] {
            cache.insert(b"a", verified(1));
            assert!(cache.get(b"a").is_none());
            assert_eq!(cache.len(), 0);
        }
    }

    #[test]
    fn any_ttl_and_capacity_are_accepted() {
        let cache = VerifiedCache::new(Duration::MAX, usize::MAX);
        cache.insert(b"a", verified(1));
        assert!(cache.get(b"a").is_some());
    }

    #[test]
    fn capacity_bounds_it_by_eviction() {
        let cache = VerifiedCache::new(Duration::from_secs(60), 50);
        for i in 0..1_000 {
            cache.insert(format!("token-{i}").as_bytes(), verified(i));
        }
        let len = cache.len();
        assert!(len <= 50, "{len} entries");
        // Eviction, not a clear-all: something is still there.
        assert!(len > 0);
    }
}
