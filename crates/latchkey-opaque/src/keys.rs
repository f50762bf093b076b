//! Issuing, re-deriving, resetting and checking users' keys against an [`OpaqueKeyStore`].

use crate::derive::{KeyDeriver, digests_match, is_well_formed_key, key_digest, new_salt};
use crate::error::OpaqueError;
use chrono::Utc;
use latchkey_domain::{AccountError, OpaqueKeyRecord, OpaqueKeyStore, User, UserCreated, UserId};
use std::fmt;
use std::sync::Arc;

/// Users' opaque keys: DRF's `Token` model and its `get_or_create`, without storing keys.
///
/// Every method blocks on the store; in async code run them on a blocking pool.
#[derive(Clone)]
pub struct OpaqueKeys {
    deriver: KeyDeriver,
    store: Arc<dyn OpaqueKeyStore>,
}

impl OpaqueKeys {
    pub fn new(deriver: KeyDeriver, store: Arc<dyn OpaqueKeyStore>) -> Self {
        Self { deriver, store }
    }

    pub fn deriver(&self) -> &KeyDeriver {
        &self.deriver
    }

    /// Gives the user a key unless they have one (DRF's `post_save` recipe), and returns the
    /// key in force. When another request created the record first, that record's key comes
    /// back, so concurrent first logins agree. `StoreError::NotFound` for an unknown user.
    pub fn provision(&self, user_id: UserId) -> Result<String, OpaqueError> {
        let (fresh, fresh_key) = self.record_with_salt(user_id, new_salt()?);
        let in_force = self.store.insert_key_if_absent(&fresh)?;
        if in_force.salt == fresh.salt {
            return Ok(fresh_key);
        }
        self.current_key(in_force)
    }

    /// The user's key, creating it if needed: what `POST /auth/token/` answers after the
    /// password check (DRF's `Token.objects.get_or_create(user=user)`). The same key on every
    /// call, until a reset or a change of the server secret.
    ///
    /// After the secret changed, the stored record no longer derives to the key it holds the
    /// digest of; it is replaced by one with a new salt and the new key is returned.
    pub fn key_for_user(&self, user_id: UserId) -> Result<String, OpaqueError> {
        match self.store.key_for_user(user_id)? {
            Some(record) => self.current_key(record),
            None => self.provision(user_id),
        }
    }

    /// Replaces the user's key with a new one (`drf_create_token -r`); the old key stops
    /// working at once, except where a server still caches it (invalidate there too). A key
    /// brought over by an import ends too, so a reset always leaves the user one key.
    pub fn reset(&self, user_id: UserId) -> Result<String, OpaqueError> {
        let (record, key) = self.record_with_salt(user_id, new_salt()?);
        // The imported key goes first: should the second write fail, the user is left with
        // fewer working keys, never with one the reset was meant to end.
        self.store.delete_imported_key(user_id)?;
        self.store.put_key(&record)?;
        Ok(key)
    }

    /// The user a presented key belongs to, for blocking contexts (commands, tests). `None`
    /// for a malformed, unknown, replaced or rotated-out key. The user may be inactive:
    /// callers decide what that means (the scheme answers "User inactive or deleted.").
    pub fn authenticate_key(&self, presented: &str) -> Result<Option<User>, OpaqueError> {
        if !is_well_formed_key(presented) {
            return Ok(None);
        }
        self.user_for_digest(&key_digest(presented))
    }

    /// The user whose current key has `digest` (see [`key_digest`]): what a server's
    /// [`KeyDirectory`](crate::KeyDirectory) runs off its async workers.
    ///
    /// Besides the lookup, a derived record must still derive under the current secret to the
    /// key it holds the digest of. Without this check a key issued before a secret rotation
    /// would keep working until its user next logged in.
    ///
    /// A digest no derived key has is looked up among imported keys (DRF keys brought over from
    /// Django), which derive from nothing and so outlive a secret rotation: they end with a
    /// [`reset`](Self::reset). The second lookup costs only requests whose key is not a derived
    /// one: imported keys and unknown keys.
    pub fn user_for_digest(&self, digest: &str) -> Result<Option<User>, OpaqueError> {
        if let Some((record, user)) = self.store.find_key_by_digest(digest)? {
            let found = digests_match(&record.digest, digest) && self.is_current(&record);
            return Ok(found.then_some(user));
        }
        let Some((record, user)) = self.store.find_imported_key_by_digest(digest)? else {
            return Ok(None);
        };
        Ok(digests_match(&record.digest, digest).then_some(user))
    }

    /// Whether `record` was written under the current secret. Its digest is SHA-256 of the
    /// key it was issued with; if re-deriving from its salt gives another key, the secret
    /// changed since.
    fn is_current(&self, record: &OpaqueKeyRecord) -> bool {
        digests_match(&key_digest(&self.deriver.derive(&record.salt)), &record.digest)
    }

    /// The key of a stored record, replacing the record first when it is stale.
    fn current_key(&self, record: OpaqueKeyRecord) -> Result<String, OpaqueError> {
        let key = self.deriver.derive(&record.salt);
        if digests_match(&key_digest(&key), &record.digest) {
            return Ok(key);
        }
        // A deterministic replacement: concurrent logins write the same record, so no login
        // hands out a key that a racing one has already overwritten.
        let (replacement, key) = self.record_with_salt(record.user_id, self.deriver.resalt(&record.salt));
        self.store.put_key(&replacement)?;
        Ok(key)
    }

    fn record_with_salt(&self, user_id: UserId, salt: String) -> (OpaqueKeyRecord, String) {
        let key = self.deriver.derive(&salt);
        let record = OpaqueKeyRecord { user_id, digest: key_digest(&key), salt, created: Utc::now().naive_utc() };
        (record, key)
    }
}

impl fmt::Debug for OpaqueKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpaqueKeys").field("deriver", &self.deriver).finish_non_exhaustive()
    }
}

/// Gives every new user a key as they are created, like DRF's documented `post_save`
/// receiver. Register it with [`Accounts::with_hook`](latchkey_domain::Accounts::with_hook).
#[derive(Debug, Clone)]
pub struct ProvisionOnCreate(pub Arc<OpaqueKeys>);

impl UserCreated for ProvisionOnCreate {
    fn user_created(&self, user: &User) -> Result<(), AccountError> {
        match self.0.provision(user.id) {
            Ok(_) => Ok(()),
            // Built directly rather than through `From<StoreError>`, which would report a
            // conflict as a taken username.
            Err(OpaqueError::Store(err)) => Err(AccountError::Store(err)),
            Err(other) => Err(AccountError::Hook(Box::new(other))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{FailingStore, store_with_users};
    use latchkey_domain::memory::MemoryStore;
    use latchkey_domain::{Accounts, ImportedKeyRecord, StoreError, UserStore};
    use latchkey_password::{DjangoHashers, PreferredHasher};

    fn keys(store: &Arc<MemoryStore>, secret: &[u8]) -> OpaqueKeys {
        OpaqueKeys::new(KeyDeriver::new(secret).expect("deriver"), store.clone())
    }

    #[test]
    fn same_key_on_every_call() {
        let (store, ids) = store_with_users(&[("alice", true)]);
        let keys = keys(&store, b"secret");
        let first = keys.key_for_user(ids[0]).expect("key");
        assert!(is_well_formed_key(&first));
        for _ in 0..3 {
            assert_eq!(keys.key_for_user(ids[0]).expect("key"), first);
        }
        assert_eq!(keys.provision(ids[0]).expect("provision"), first);
        assert_eq!(store.key_records().len(), 1);
    }

    #[test]
    fn provision_then_login_agree() {
        let (store, ids) = store_with_users(&[("alice", true)]);
        let keys = keys(&store, b"secret");
        let provisioned = keys.provision(ids[0]).expect("provision");
        assert_eq!(keys.key_for_user(ids[0]).expect("key"), provisioned);
    }

    #[test]
    fn users_get_different_keys() {
        let (store, ids) = store_with_users(&[("alice", true), ("bob", true)]);
        let keys = keys(&store, b"secret");
        let alice = keys.key_for_user(ids[0]).expect("key");
        let bob = keys.key_for_user(ids[1]).expect("key");
        assert_ne!(alice, bob);
        assert_eq!(keys.authenticate_key(&alice).expect("auth").map(|u| u.username), Some("alice".into()));
        assert_eq!(keys.authenticate_key(&bob).expect("auth").map(|u| u.username), Some("bob".into()));
    }

    #[test]
    fn reset_replaces_the_key() {
        let (store, ids) = store_with_users(&[("alice", true)]);
        let keys = keys(&store, b"secret");
        let old = keys.key_for_user(ids[0]).expect("key");
        let new = keys.reset(ids[0]).expect("reset");
        assert_ne!(old, new);
        assert!(keys.authenticate_key(&old).expect("auth").is_none());
        assert!(keys.authenticate_key(&new).expect("auth").is_some());
        assert_eq!(keys.key_for_user(ids[0]).expect("key"), new);
    }

    #[test]
    fn rotating_the_secret_replaces_every_key() {
        let (store, ids) = store_with_users(&[("alice", true)]);
        let before = keys(&store, b"secret A");
        let old = before.key_for_user(ids[0]).expect("key");
        let stale = store.key_records().remove(0);

        let after = keys(&store, b"secret B");
        // The old key fails at once, before its user logs in again.
        assert!(after.authenticate_key(&old).expect("auth").is_none());
        let new = after.key_for_user(ids[0]).expect("key");
        assert_ne!(new, old);
        let replaced = store.key_records().remove(0);
        assert_ne!(replaced.salt, stale.salt);
        assert!(after.authenticate_key(&new).expect("auth").is_some());
        assert!(after.authenticate_key(&old).expect("auth").is_none());
        // Stable again from then on.
        assert_eq!(after.key_for_user(ids[0]).expect("key"), new);

        // A second server that found the same stale record writes the same replacement.
        store.put_key(&stale).expect("restore stale");
        assert_eq!(keys(&store, b"secret B").key_for_user(ids[0]).expect("key"), new);

        // Going back to secret A does not bring the first key back.
        let back = before.key_for_user(ids[0]).expect("key");
        assert_ne!(back, old);
        assert!(before.authenticate_key(&old).expect("auth").is_none());
        assert!(after.authenticate_key(&new).expect("auth").is_none());
    }

    #[test]
    fn provision_repairs_a_stale_record() {
        let (store, ids) = store_with_users(&[("alice", true)]);
        keys(&store, b"secret A").provision(ids[0]).expect("provision");
        let after = keys(&store, b"secret B");
        let key = after.provision(ids[0]).expect("provision");
        assert!(after.authenticate_key(&key).expect("auth").is_some());
    }

    #[test]
    fn unknown_and_malformed_keys_find_nobody() {
        let (store, ids) = store_with_users(&[("alice", true)]);
        let keys = keys(&store, b"secret");
        let key = keys.key_for_user(ids[0]).expect("key");
        for presented in ["0".repeat(40), key.to_uppercase(), format!("{key}0"), String::new(), key_digest(&key)] {
            assert!(keys.authenticate_key(&presented).expect("auth").is_none(), "{presented}");
        }
        // Someone holding a dump has digests, and a digest is not a key.
        assert!(keys.user_for_digest(&key_digest(&key)).expect("lookup").is_some());
        assert!(keys.user_for_digest(&store.key_records()[0].salt).expect("lookup").is_none());
    }

    #[test]
    fn inactive_users_are_returned_for_the_caller_to_judge() {
        let (store, ids) = store_with_users(&[("carol", false)]);
        let keys = keys(&store, b"secret");
        let key = keys.key_for_user(ids[0]).expect("key");
        let user = keys.authenticate_key(&key).expect("auth").expect("user");
        assert!(!user.is_active);
    }

    fn import_key(store: &MemoryStore, user_id: UserId, key: &str) {
        let record = ImportedKeyRecord { user_id, digest: key_digest(key), created: Utc::now().naive_utc() };
        store.put_imported_key(record).expect("import key");
    }

    #[test]
    fn an_imported_key_works_beside_the_derived_one_until_a_reset() {
        let (store, ids) = store_with_users(&[("alice", true), ("bob", true)]);
        let django_key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b";
        import_key(&store, ids[0], django_key);
        let rotated = keys(&store, b"another secret");
        let keys = keys(&store, b"secret");
        assert_eq!(keys.authenticate_key(django_key).expect("auth").map(|u| u.id), Some(ids[0]));

        // A login hands out a derived key (the imported one cannot be derived again); both work.
        let derived = keys.key_for_user(ids[0]).expect("key");
        assert_ne!(derived, django_key);
        assert_eq!(keys.authenticate_key(django_key).expect("auth").map(|u| u.id), Some(ids[0]));
        assert_eq!(keys.authenticate_key(&derived).expect("auth").map(|u| u.id), Some(ids[0]));

        // A rotated secret ends derived keys only: nothing derives an imported key.
        assert!(rotated.authenticate_key(&derived).expect("auth").is_none());
        assert_eq!(rotated.authenticate_key(django_key).expect("auth").map(|u| u.id), Some(ids[0]));

        // A reset ends every key of the user, and no other user's.
        import_key(&store, ids[1], "1111111111111111111111111111111111111111");
        let fresh = keys.reset(ids[0]).expect("reset");
        assert!(keys.authenticate_key(django_key).expect("auth").is_none());
        assert!(keys.authenticate_key(&derived).expect("auth").is_none());
        assert_eq!(keys.authenticate_key(&fresh).expect("auth").map(|u| u.id), Some(ids[0]));
        let bob = keys.authenticate_key("1111111111111111111111111111111111111111").expect("auth");
        assert_eq!(bob.map(|u| u.id), Some(ids[1]));
    }

    #[test]
    fn unknown_users_are_store_not_found() {
        let (store, _) = store_with_users(&[]);
        let keys = keys(&store, b"secret");
        assert!(matches!(keys.key_for_user(UserId(99)), Err(OpaqueError::Store(StoreError::NotFound))));
        assert!(matches!(keys.reset(UserId(99)), Err(OpaqueError::Store(StoreError::NotFound))));
    }

    #[test]
    fn store_failures_propagate() {
        let keys = OpaqueKeys::new(KeyDeriver::new(b"secret").expect("deriver"), Arc::new(FailingStore));
        assert!(matches!(keys.key_for_user(UserId(1)), Err(OpaqueError::Store(StoreError::Unavailable(_)))));
        assert!(matches!(keys.authenticate_key(&"0".repeat(40)), Err(OpaqueError::Store(_))));
        // A malformed key needs no store at all.
        assert!(keys.authenticate_key("short").expect("no lookup").is_none());
    }

    #[test]
    fn stored_records_never_hold_a_key() {
        let (store, ids) = store_with_users(&[("alice", true), ("bob", true)]);
        let keys = keys(&store, b"secret");
        let mut issued = vec![keys.key_for_user(ids[0]).expect("key"), keys.key_for_user(ids[1]).expect("key")];
        issued.push(keys.reset(ids[1]).expect("reset"));
        let dump = format!("{:?}", store.key_records());
        for key in &issued {
            assert!(!dump.contains(key.as_str()), "{key} in {dump}");
        }
    }

    #[test]
    fn provision_on_create_is_the_post_save_recipe() {
        let store = Arc::new(MemoryStore::new());
        let keys = Arc::new(keys(&store, b"secret"));
        let accounts = Accounts::new(
            store.clone(),
            Arc::new(DjangoHashers::new(PreferredHasher::BcryptSha256 { rounds: 4 }).expect("hashers")),
        )
        .with_hook(Arc::new(ProvisionOnCreate(keys.clone())));
        let user = accounts.create_user("dave", "dave@example.com", "pw-12345", Default::default()).expect("user");
        let records = store.key_records();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].user_id, user.id);
        let key = keys.key_for_user(user.id).expect("key");
        assert_eq!(keys.authenticate_key(&key).expect("auth").map(|u| u.id), Some(user.id));
        assert!(store.find_user_by_id(user.id).expect("find").is_some());
    }

    #[test]
    fn provision_on_create_reports_store_errors_as_they_are() {
        let hook = ProvisionOnCreate(Arc::new(OpaqueKeys::new(
            KeyDeriver::new(b"s").expect("deriver"),
            Arc::new(FailingStore),
        )));
        let (store, ids) = store_with_users(&[("alice", true)]);
        let user = store.find_user_by_id(ids[0]).expect("find").expect("user");
        assert!(matches!(hook.user_created(&user), Err(AccountError::Store(StoreError::Unavailable(_)))));
    }
}
