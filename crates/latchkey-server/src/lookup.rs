//! What authentication reads on every request, cached. A protected request in steady state
//! makes no database round trip: user states and key digests are served from memory for at
//! most the configured TTL. Changes made through this process (deactivation, password change,
//! key reset) invalidate at once; changes made by another instance are seen within the TTL.

use actix_web::web;
use latchkey_domain::{UserId, UserStore};
use latchkey_engine::{BoxFuture, DirectoryError, TtlCache, UserDirectory, UserState};
use latchkey_opaque::{KeyDirectory, OpaqueKeys};
use std::sync::Arc;
use std::time::Duration;

const CACHE_CAPACITY: usize = 100_000;

pub struct AuthLookup {
    users: Arc<dyn UserStore>,
    keys: Arc<OpaqueKeys>,
    by_id: TtlCache<UserId, UserState>,
    by_digest: TtlCache<String, UserState>,
}

impl AuthLookup {
    pub fn new(users: Arc<dyn UserStore>, keys: Arc<OpaqueKeys>, ttl: Duration) -> Self {
        Self { users, keys, by_id: TtlCache::new(ttl, CACHE_CAPACITY), by_digest: TtlCache::new(ttl, CACHE_CAPACITY) }
    }

    /// Forget everything cached about a user: call after any change to the user or its key.
    pub fn user_changed(&self, id: UserId) {
        self.by_id.invalidate(&id);
        self.by_digest.invalidate_where(|state| state.id == id);
    }
}

impl UserDirectory for AuthLookup {
    fn user(&self, id: UserId) -> BoxFuture<'_, Result<Option<UserState>, DirectoryError>> {
        Box::pin(async move {
            if let Some(state) = self.by_id.get(&id) {
                return Ok(Some(state));
            }
            let users = Arc::clone(&self.users);
            let found = web::block(move || users.find_user_by_id(id))
                .await
                .map_err(|e| DirectoryError(e.to_string()))?
                .map_err(|e| DirectoryError(e.to_string()))?;
            let state = found.as_ref().map(UserState::from);
            if let Some(state) = &state {
                self.by_id.insert(id, state.clone());
            }
            Ok(state)
        })
    }
}

impl KeyDirectory for AuthLookup {
    fn user_for_digest(&self, digest: &str) -> BoxFuture<'_, Result<Option<UserState>, DirectoryError>> {
        let digest = digest.to_owned();
        Box::pin(async move {
            if let Some(state) = self.by_digest.get(&digest) {
                return Ok(Some(state));
            }
            let keys = Arc::clone(&self.keys);
            let wanted = digest.clone();
            // OpaqueKeys compares digests in constant time and refuses keys derived from a
            // secret that has since been rotated.
            let found = web::block(move || keys.user_for_digest(&wanted))
                .await
                .map_err(|e| DirectoryError(e.to_string()))?
                .map_err(|e| DirectoryError(e.to_string()))?;
            let state = found.as_ref().map(UserState::from);
            if let Some(state) = &state {
                self.by_digest.insert(digest, state.clone());
            }
            Ok(state)
        })
    }
}
