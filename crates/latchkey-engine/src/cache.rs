//! A small time-bounded cache, so that a protected request in steady state needs no database
//! round trip. Entries older than the TTL are never served: the TTL is the staleness bound for
//! changes made by other processes; changes made through this process invalidate at once.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::time::{Duration, Instant};

pub struct TtlCache<K, V> {
    ttl: Duration,
    capacity: usize,
    entries: RwLock<HashMap<K, (V, Instant)>>,
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    /// A zero TTL disables caching.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self { ttl, capacity: capacity.max(1), entries: RwLock::new(HashMap::new()) }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        self.get_by(key)
    }

    /// [`get`](Self::get) by a borrowed form of the key (`&str` for `String` keys), so a
    /// lookup allocates nothing.
    pub fn get_by<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        entries.get(key).filter(|(_, at)| at.elapsed() < self.ttl).map(|(v, _)| v.clone())
    }

    pub fn insert(&self, key: K, value: V) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            // Drop what has expired; if that frees nothing, start over rather than grow.
            let ttl = self.ttl;
            entries.retain(|_, (_, at)| at.elapsed() < ttl);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (value, Instant::now()));
    }

    pub fn invalidate(&self, key: &K) {
        self.entries.write().unwrap_or_else(|p| p.into_inner()).remove(key);
    }

    /// Drops every entry whose value matches (for caches keyed by something else than the
    /// thing that changed, such as key digests of one user).
    pub fn invalidate_where(&self, mut matches: impl FnMut(&V) -> bool) {
        self.entries.write().unwrap_or_else(|p| p.into_inner()).retain(|_, (v, _)| !matches(v));
    }

    pub fn clear(&self) {
        self.entries.write().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_until_ttl_then_forgets() {
        let cache = TtlCache::new(Duration::from_millis(30), 10);
        cache.insert(1, "a");
        assert_eq!(cache.get(&1), Some("a"));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(cache.get(&1), None);
    }

    #[test]
    fn invalidation_and_capacity() {
        let cache = TtlCache::new(Duration::from_secs(60), 2);
        cache.insert(1, "a");
        cache.insert(2, "b");
        cache.invalidate(&1);
        assert_eq!(cache.get(&1), None);
        cache.insert(3, "c");
        cache.insert(4, "d");
        assert!(cache.get(&4).is_some());
        cache.invalidate_where(|v| *v == "d");
        assert_eq!(cache.get(&4), None);
    }

    #[test]
    fn zero_ttl_disables() {
        let cache = TtlCache::new(Duration::ZERO, 10);
        cache.insert(1, 1);
        assert_eq!(cache.get(&1), None);
    }
}
