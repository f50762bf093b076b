//! What authentication reads on every request, held in memory so that a protected request in
//! steady state makes no database round trip.
//!
//! The caches are moka's: bounded in size with real eviction, and entries older than the TTL
//! are never served. The TTL is the staleness bound for changes made by other processes
//! (another instance, a command); changes made through this process are forgotten at once by
//! [`InvalidatingStore`](crate::InvalidatingStore).

use latchkey_domain::UserId;
use latchkey_engine::{SessionState, UserState};
use moka::sync::Cache;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Entries per cache at most; a user state is a few dozen bytes.
const CACHE_CAPACITY: u64 = 100_000;

/// The two caches authentication reads through: user states by id (for JWTs, which carry the
/// id) and by opaque-key digest (for `Token` keys).
pub struct AuthCaches {
    /// `None` with a zero TTL: caching off.
    by_id: Option<Cache<UserId, UserState>>,
    by_digest: Option<Cache<String, UserState>>,
    /// Sessions by tag, `None` remembered too: tokens of no session (imported, minted
    /// elsewhere) would otherwise cost a query on every request. A tag names a session from its
    /// login on, before any token carries it, so a remembered `None` never hides a session.
    by_session: Option<Cache<String, Option<SessionState>>>,
    /// Bumped by every invalidation. A fetch that began before an invalidation may have read
    /// the old row; it must not store what it read.
    generation: AtomicU64,
}

impl AuthCaches {
    /// Caches whose entries live at most `ttl`; a zero `ttl` disables caching.
    pub fn new(ttl: Duration) -> Self {
        let enabled = !ttl.is_zero();
        Self {
            by_id: enabled.then(|| Cache::builder().max_capacity(CACHE_CAPACITY).time_to_live(ttl).build()),
            // Keyed by digest but invalidated by user: moka evaluates the invalidation
            // predicate lazily, on reads and in its housekeeping, instead of scanning here.
            by_digest: enabled.then(|| {
                Cache::builder().max_capacity(CACHE_CAPACITY).time_to_live(ttl).support_invalidation_closures().build()
            }),
            by_session: enabled.then(|| {
                Cache::builder().max_capacity(CACHE_CAPACITY).time_to_live(ttl).support_invalidation_closures().build()
            }),
            generation: AtomicU64::new(0),
        }
    }

    /// Forget everything (after a gap in the invalidations heard from other instances).
    pub fn invalidate_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(cache) = &self.by_id {
            cache.invalidate_all();
        }
        if let Some(cache) = &self.by_digest {
            cache.invalidate_all();
        }
        if let Some(cache) = &self.by_session {
            cache.invalidate_all();
        }
    }

    /// Forget what is cached about a session (it was ended).
    pub fn session_changed(&self, tag: &str) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(by_session) = &self.by_session {
            by_session.invalidate(tag);
        }
    }

    pub(crate) fn session(&self, tag: &str) -> Option<Option<SessionState>> {
        counted("session", self.by_session.as_ref().and_then(|cache| cache.get(tag)))
    }

    pub(crate) fn remember_session(&self, generation: u64, tag: String, state: Option<SessionState>) {
        self.remember(self.by_session.as_ref(), generation, tag, state);
    }

    /// Forget everything cached about a user.
    pub fn user_changed(&self, id: UserId) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(by_id) = &self.by_id {
            by_id.invalidate(&id);
        }
        if let Some(by_digest) = &self.by_digest {
            // Fails only when the cache was built without invalidation closures; fall back to
            // forgetting everything, which is always safe.
            if by_digest.invalidate_entries_if(move |_, state| state.id == id).is_err() {
                by_digest.invalidate_all();
            }
        }
        if let Some(by_session) = &self.by_session
            && by_session
                .invalidate_entries_if(move |_, state| state.as_ref().is_some_and(|s| s.user_id == id))
                .is_err()
        {
            by_session.invalidate_all();
        }
    }

    pub(crate) fn user_by_id(&self, id: UserId) -> Option<UserState> {
        counted("user", self.by_id.as_ref().and_then(|cache| cache.get(&id)))
    }

    pub(crate) fn user_by_digest(&self, digest: &str) -> Option<UserState> {
        counted("key", self.by_digest.as_ref().and_then(|cache| cache.get(digest)))
    }

    /// The generation to pass to [`remember_by_id`](Self::remember_by_id) and
    /// [`remember_by_digest`](Self::remember_by_digest), read before fetching.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Caches `state` unless something was invalidated since `generation` was read.
    pub(crate) fn remember_by_id(&self, generation: u64, state: &UserState) {
        self.remember(self.by_id.as_ref(), generation, state.id, state.clone());
    }

    pub(crate) fn remember_by_digest(&self, generation: u64, digest: String, state: &UserState) {
        self.remember(self.by_digest.as_ref(), generation, digest, state.clone());
    }

    /// Inserts unless the generation moved since `generation` was read, and checks again after
    /// the insert: an invalidation that slipped in between the first check and the insert (it
    /// bumps the generation before it forgets) is caught, and the entry goes.
    fn remember<K, V>(&self, cache: Option<&Cache<K, V>>, generation: u64, key: K, value: V)
    where
        K: std::hash::Hash + Eq + Clone + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
    {
        let Some(cache) = cache else { return };
        if self.generation() != generation {
            return;
        }
        cache.insert(key.clone(), value);
        if self.generation() != generation {
            cache.invalidate(&key);
        }
    }
}

/// Counts a lookup as a hit or a miss (`latchkey_auth_cache_lookups_total`, a no-op unless
/// the application installed a `metrics` recorder). Literal labels only: the facade then
/// builds each key once, statically, and a lookup allocates nothing.
fn counted<V>(cache: &'static str, found: Option<V>) -> Option<V> {
    macro_rules! lookup {
        ($cache:literal, $result:literal) => {
            metrics::counter!("latchkey_auth_cache_lookups_total", "cache" => $cache, "result" => $result).increment(1)
        };
    }
    match (cache, found.is_some()) {
        ("user", true) => lookup!("user", "hit"),
        ("user", false) => lookup!("user", "miss"),
        ("key", true) => lookup!("key", "hit"),
        ("key", false) => lookup!("key", "miss"),
        (_, true) => lookup!("session", "hit"),
        (_, false) => lookup!("session", "miss"),
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(id: i64) -> UserState {
        UserState {
            id: UserId(id),
            username: format!("u{id}"),
            is_active: true,
            is_staff: false,
            is_superuser: false,
            tokens_cutoff: None,
        }
    }

    #[test]
    fn serves_until_ttl_then_forgets() {
        let caches = AuthCaches::new(Duration::from_millis(50));
        caches.remember_by_id(caches.generation(), &state(1));
        assert_eq!(caches.user_by_id(UserId(1)), Some(state(1)));
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(caches.user_by_id(UserId(1)), None);
    }

    #[test]
    fn invalidation_forgets_by_id_and_by_digest() {
        let caches = AuthCaches::new(Duration::from_secs(60));
        let generation = caches.generation();
        caches.remember_by_id(generation, &state(1));
        caches.remember_by_digest(generation, "d1".into(), &state(1));
        caches.remember_by_digest(generation, "d2".into(), &state(2));
        caches.user_changed(UserId(1));
        assert_eq!(caches.user_by_id(UserId(1)), None);
        assert_eq!(caches.user_by_digest("d1"), None);
        assert_eq!(caches.user_by_digest("d2"), Some(state(2)));
    }

    #[test]
    fn a_fetch_that_raced_an_invalidation_is_not_stored() {
        let caches = AuthCaches::new(Duration::from_secs(60));
        let before = caches.generation();
        caches.user_changed(UserId(1));
        caches.remember_by_id(before, &state(1));
        assert_eq!(caches.user_by_id(UserId(1)), None);
    }

    #[test]
    fn zero_ttl_disables() {
        let caches = AuthCaches::new(Duration::ZERO);
        caches.remember_by_id(caches.generation(), &state(1));
        assert_eq!(caches.user_by_id(UserId(1)), None);
    }
}
