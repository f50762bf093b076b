//! The directories the schemes look users up through ([`UserDirectory`] for JWTs,
//! [`KeyDirectory`] for opaque keys): from the [`AuthCaches`], else from the store on actix's
//! blocking pool, so a database call never runs on an async worker.

use crate::caches::AuthCaches;
use crate::store_queue::StoreQueue;
use latchkey_domain::{SessionStore, User, UserId, UserStore};
use latchkey_engine::{BoxFuture, DirectoryError, SessionDirectory, SessionState, UserDirectory, UserState};
use latchkey_opaque::{KeyDirectory, OpaqueKeys};
use std::sync::Arc;

pub struct AuthLookup {
    users: Arc<dyn UserStore>,
    keys: Arc<OpaqueKeys>,
    sessions: Option<Arc<dyn SessionStore>>,
    caches: Arc<AuthCaches>,
    queue: StoreQueue,
}

impl AuthLookup {
    pub fn new(users: Arc<dyn UserStore>, keys: Arc<OpaqueKeys>, caches: Arc<AuthCaches>) -> Self {
        Self { users, keys, sessions: None, caches, queue: StoreQueue::unbounded() }
    }

    /// Store lookups wait their turn in `queue` (one shared with the rest of the app's store
    /// work, sized to the pool) instead of each taking a blocking thread at once.
    pub fn with_queue(mut self, queue: StoreQueue) -> Self {
        self.queue = queue;
        self
    }

    /// Sessions to look tags up in ([`SessionDirectory`]); without, every tag names no session.
    pub fn with_sessions(mut self, sessions: Arc<dyn SessionStore>) -> Self {
        self.sessions = Some(sessions);
        self
    }
}

impl SessionDirectory for AuthLookup {
    fn session(&self, tag: &str) -> BoxFuture<'_, Result<Option<SessionState>, DirectoryError>> {
        if let Some(state) = self.caches.session(tag) {
            return Box::pin(std::future::ready(Ok(state)));
        }
        let Some(sessions) = self.sessions.clone() else {
            return Box::pin(std::future::ready(Ok(None)));
        };
        let wanted = tag.to_owned();
        Box::pin(async move {
            let generation = self.caches.generation();
            let tag = wanted.clone();
            let found = self
                .queue
                .run(move || sessions.find_session(&tag))
                .await
                .map_err(DirectoryError::new)?
                .map_err(DirectoryError::new)?;
            let state = found.as_ref().map(SessionState::from);
            self.caches.remember_session(generation, wanted, state.clone());
            Ok(state)
        })
    }
}

/// Runs a store lookup on the blocking pool. Not finding is not remembered by the callers:
/// an unknown id or digest costs a query each time.
async fn fetch<E>(
    queue: &StoreQueue,
    lookup: impl FnOnce() -> Result<Option<User>, E> + Send + 'static,
) -> Result<Option<UserState>, DirectoryError>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let found = queue.run(lookup).await.map_err(DirectoryError::new)?.map_err(DirectoryError::new)?;
    Ok(found.as_ref().map(UserState::from))
}

impl UserDirectory for AuthLookup {
    fn user(&self, id: UserId) -> BoxFuture<'_, Result<Option<UserState>, DirectoryError>> {
        if let Some(state) = self.caches.user_by_id(id) {
            return Box::pin(std::future::ready(Ok(Some(state))));
        }
        Box::pin(async move {
            let generation = self.caches.generation();
            let users = Arc::clone(&self.users);
            let state = fetch(&self.queue, move || users.find_user_by_id(id)).await?;
            if let Some(state) = &state {
                self.caches.remember_by_id(generation, state);
            }
            Ok(state)
        })
    }
}

impl KeyDirectory for AuthLookup {
    fn user_for_digest(&self, digest: &str) -> BoxFuture<'_, Result<Option<UserState>, DirectoryError>> {
        // A hit answers from the cache at once: the digest is copied only for a fetch.
        if let Some(state) = self.caches.user_by_digest(digest) {
            return Box::pin(std::future::ready(Ok(Some(state))));
        }
        let wanted = digest.to_owned();
        Box::pin(async move {
            let generation = self.caches.generation();
            let keys = Arc::clone(&self.keys);
            let digest = wanted.clone();
            // OpaqueKeys compares digests in constant time and refuses keys derived from a
            // secret that has since been rotated.
            let state = fetch(&self.queue, move || keys.user_for_digest(&digest)).await?;
            if let Some(state) = &state {
                self.caches.remember_by_digest(generation, wanted, state);
            }
            Ok(state)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::InvalidatingStore;
    use latchkey_domain::NewUser;
    use latchkey_domain::memory::MemoryStore;
    use latchkey_opaque::KeyDeriver;
    use std::time::Duration;

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
        let keys = Arc::new(OpaqueKeys::new(KeyDeriver::new(b"test-secret").expect("deriver"), store.clone()));
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
