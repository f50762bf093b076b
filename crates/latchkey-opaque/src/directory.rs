//! How the scheme finds the user behind a key digest, without knowing about threads or caches.

use crate::keys::OpaqueKeys;
use latchkey_engine::{BoxFuture, DirectoryError, UserState};
use std::sync::Arc;

/// Finds the user whose current key has a digest (see [`key_digest`](crate::key_digest)).
///
/// Servers implement it by running [`OpaqueKeys::user_for_digest`] on a blocking pool, with a
/// cache in front; whatever they add, that call is what decides, so that replaced and
/// rotated-out keys fail.
pub trait KeyDirectory: Send + Sync {
    /// `Ok(None)` when no current key has this digest.
    fn user_for_digest(&self, digest: &str) -> BoxFuture<'_, Result<Option<UserState>, DirectoryError>>;
}

/// A [`KeyDirectory`] that queries the store on the polling thread.
///
/// Right for in-memory stores, tests and examples. A server with a database should implement
/// its own directory that moves the call off its async workers (and caches), since this one
/// blocks the executor for the length of a query.
#[derive(Debug, Clone)]
pub struct StoreKeyDirectory {
    // The keys rather than the bare store: deciding whether a record is still current after a
    // secret rotation needs the deriver.
    keys: Arc<OpaqueKeys>,
}

impl StoreKeyDirectory {
    pub fn new(keys: Arc<OpaqueKeys>) -> Self {
        Self { keys }
    }
}

impl KeyDirectory for StoreKeyDirectory {
    fn user_for_digest(&self, digest: &str) -> BoxFuture<'_, Result<Option<UserState>, DirectoryError>> {
        // The future may not borrow `digest` (it lives only as long as `self`).
        let digest = digest.to_owned();
        Box::pin(async move {
            self.keys
                .user_for_digest(&digest)
                .map(|user| user.as_ref().map(UserState::from))
                .map_err(DirectoryError::new)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::{KeyDeriver, key_digest};
    use crate::testing::{FailingStore, store_with_users};

    #[test]
    fn finds_current_keys_only() {
        let (store, ids) = store_with_users(&[("alice", true)]);
        let keys = Arc::new(OpaqueKeys::new(KeyDeriver::new(b"secret").expect("deriver"), store));
        let key = keys.key_for_user(ids[0]).expect("key");
        let directory = StoreKeyDirectory::new(keys.clone());
        let found = pollster::block_on(directory.user_for_digest(&key_digest(&key))).expect("lookup");
        assert_eq!(found.map(|u| u.username), Some("alice".to_owned()));
        keys.reset(ids[0]).expect("reset");
        assert!(pollster::block_on(directory.user_for_digest(&key_digest(&key))).expect("lookup").is_none());
    }

    #[test]
    fn store_failures_are_directory_errors() {
        let keys = Arc::new(OpaqueKeys::new(KeyDeriver::new(b"secret").expect("deriver"), Arc::new(FailingStore)));
        let directory = StoreKeyDirectory::new(keys);
        let err = pollster::block_on(directory.user_for_digest(&key_digest("x"))).expect_err("unavailable");
        let chain = latchkey_domain::error_chain(&err);
        assert!(chain.contains("database unavailable"), "{chain}");
    }
}
