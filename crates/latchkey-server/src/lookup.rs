//! What authentication reads on every request, cached. A protected request in steady state
//! makes no database round trip: user states and key digests are served from memory for at
//! most the configured TTL. Writes made through this process go through [`InvalidatingStore`],
//! which forgets the affected entries at once; changes made by another process (another
//! instance, `cargo xtask`) are seen within the TTL.

use actix_web::web;
use chrono::NaiveDateTime;
use latchkey_domain::{
    BlacklistOutcome, NewUser, OpaqueKeyRecord, OpaqueKeyStore, OutstandingToken, RefreshTokenStore, StoreError, User,
    UserId, UserStore,
};
use latchkey_engine::{BoxFuture, DirectoryError, TtlCache, UserDirectory, UserState};
use latchkey_opaque::{KeyDirectory, OpaqueKeys};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const CACHE_CAPACITY: usize = 100_000;

/// The two caches authentication reads through.
pub struct AuthCaches {
    by_id: TtlCache<UserId, UserState>,
    by_digest: TtlCache<String, UserState>,
    /// Bumped by every invalidation. A fetch that began before an invalidation may have read
    /// the old row; it must not store what it read.
    generation: AtomicU64,
}

impl AuthCaches {
    pub fn new(ttl: Duration) -> Self {
        Self {
            by_id: TtlCache::new(ttl, CACHE_CAPACITY),
            by_digest: TtlCache::new(ttl, CACHE_CAPACITY),
            generation: AtomicU64::new(0),
        }
    }

    /// Forget everything cached about a user.
    pub fn user_changed(&self, id: UserId) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.by_id.invalidate(&id);
        self.by_digest.invalidate_where(|state| state.id == id);
    }
}

/// The directories the schemes use: from the caches, else from storage on the blocking pool.
pub struct AuthLookup {
    users: Arc<dyn UserStore>,
    keys: Arc<OpaqueKeys>,
    caches: Arc<AuthCaches>,
}

impl AuthLookup {
    pub fn new(users: Arc<dyn UserStore>, keys: Arc<OpaqueKeys>, caches: Arc<AuthCaches>) -> Self {
        Self { users, keys, caches }
    }
}

impl AuthLookup {
    /// `key`'s entry in `cache`, else `fetch` on the blocking pool, remembering what it finds
    /// (not finding is not remembered: an unknown id or digest costs a query each time).
    async fn cached_or_fetched<K, F>(
        &self,
        cache: &TtlCache<K, UserState>,
        key: K,
        fetch: F,
    ) -> Result<Option<UserState>, DirectoryError>
    where
        K: Eq + std::hash::Hash + Clone,
        F: FnOnce() -> Result<Option<User>, String> + Send + 'static,
    {
        if let Some(state) = cache.get(&key) {
            return Ok(Some(state));
        }
        let generation = self.caches.generation.load(Ordering::SeqCst);
        let found = web::block(fetch).await.map_err(|e| DirectoryError(e.to_string()))?.map_err(DirectoryError)?;
        let state = found.as_ref().map(UserState::from);
        if let Some(state) = &state
            && self.caches.generation.load(Ordering::SeqCst) == generation
        {
            cache.insert(key, state.clone());
        }
        Ok(state)
    }
}

impl UserDirectory for AuthLookup {
    fn user(&self, id: UserId) -> BoxFuture<'_, Result<Option<UserState>, DirectoryError>> {
        let users = Arc::clone(&self.users);
        Box::pin(
            self.cached_or_fetched(&self.caches.by_id, id, move || {
                users.find_user_by_id(id).map_err(|e| e.to_string())
            }),
        )
    }
}

impl KeyDirectory for AuthLookup {
    fn user_for_digest(&self, digest: &str) -> BoxFuture<'_, Result<Option<UserState>, DirectoryError>> {
        let keys = Arc::clone(&self.keys);
        let wanted = digest.to_owned();
        // OpaqueKeys compares digests in constant time and refuses keys derived from a secret
        // that has since been rotated.
        Box::pin(self.cached_or_fetched(&self.caches.by_digest, digest.to_owned(), move || {
            keys.user_for_digest(&wanted).map_err(|e| e.to_string())
        }))
    }
}

/// A store whose writes to a user's state or key forget what the caches hold about that user,
/// so that a deactivation, a password change or a key reset made through this process takes
/// effect on the next request.
pub struct InvalidatingStore<S> {
    inner: S,
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
}

// Refresh tokens are not cached (access tokens are never blacklisted): plain delegation, so one
// store value can serve every trait.
impl<S: RefreshTokenStore> RefreshTokenStore for InvalidatingStore<S> {
    fn record_outstanding(&self, token: &OutstandingToken) -> Result<(), StoreError> {
        self.inner.record_outstanding(token)
    }

    fn is_blacklisted(&self, jti: &str) -> Result<bool, StoreError> {
        self.inner.is_blacklisted(jti)
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

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_domain::memory::MemoryStore;
    use latchkey_opaque::KeyDeriver;

    fn user(store: &MemoryStore, name: &str) -> User {
        store.create_user(NewUser::new(name, "", "!")).expect("user")
    }

    struct Fixture {
        store: Arc<InvalidatingStore<MemoryStore>>,
        keys: Arc<OpaqueKeys>,
        lookup: AuthLookup,
        alice: User,
    }

    fn fixture() -> Fixture {
        let memory = MemoryStore::new();
        let alice = user(&memory, "alice");
        // A TTL far longer than the test: only invalidation can make a change visible.
        let caches = Arc::new(AuthCaches::new(Duration::from_secs(3600)));
        let store = Arc::new(InvalidatingStore::new(memory, Arc::clone(&caches)));
        let keys = Arc::new(OpaqueKeys::new(KeyDeriver::new(b"test-secret"), store.clone()));
        let lookup = AuthLookup::new(store.clone(), Arc::clone(&keys), caches);
        Fixture { store, keys, lookup, alice }
    }

    #[actix_web::test]
    async fn deactivation_through_this_process_is_seen_at_once() {
        let f = fixture();
        assert!(f.lookup.user(f.alice.id).await.expect("lookup").expect("found").is_active);
        f.store.set_active(f.alice.id, false).expect("deactivate");
        assert!(!f.lookup.user(f.alice.id).await.expect("lookup").expect("found").is_active);
    }

    #[actix_web::test]
    async fn a_key_reset_through_this_process_is_seen_at_once() {
        let f = fixture();
        let old = f.keys.provision(f.alice.id).expect("key");
        let digest = latchkey_opaque::key_digest(&old);
        assert!(f.lookup.user_for_digest(&digest).await.expect("lookup").is_some());
        f.keys.reset(f.alice.id).expect("reset");
        assert!(f.lookup.user_for_digest(&digest).await.expect("lookup").is_none());
    }

    #[actix_web::test]
    async fn other_processes_are_seen_only_after_the_ttl() {
        let f = fixture();
        assert!(f.lookup.user(f.alice.id).await.expect("lookup").expect("found").is_active);
        // A write that bypasses this process's store, as another instance's would.
        f.store.inner.set_active(f.alice.id, false).expect("deactivate elsewhere");
        assert!(f.lookup.user(f.alice.id).await.expect("lookup").expect("found").is_active);
    }
}
