//! Opaque `Authorization: Token <key>` authentication with the behaviour of Django REST
//! framework's `rest_framework.authtoken`: one key per user, 40 lowercase hex digits, the
//! same key on every login (`get_or_create`), replaced only by a reset
//! (`drf_create_token -r`), and DRF's exact error bodies.
//!
//! Unlike DRF, keys are never stored. A user's record holds a random salt and the SHA-256
//! digest of the key; the key itself is `HMAC-SHA256(server secret, salt)` cut to 40 hex
//! digits, so it can be handed out again at the next login without being kept anywhere. A
//! database dump gives neither usable keys nor a way to compute them without the secret.
//!
//! * [`KeyDeriver`]: the secret, and how a salt becomes a key.
//! * [`OpaqueKeys`]: provisioning, login (`key_for_user`), reset and blocking checks.
//! * [`ProvisionOnCreate`]: the `post_save` recipe, as an account-creation hook.
//! * [`TokenScheme`]: the [`AuthScheme`](latchkey_engine::AuthScheme) named `token`, which
//!   finds users through a [`KeyDirectory`]; [`StoreKeyDirectory`] is the simple one.
//!
//! # Rotating the server secret
//!
//! Changing the secret invalidates every existing key at once: a record's salt no longer
//! derives to the key whose digest it holds, and such records never authenticate. Nothing
//! needs to be migrated. Each user gets a new key at their next login (`POST /auth/token/`),
//! which replaces the stale record with one under a new salt, or at a reset. Clients holding
//! a key must log in again, exactly as if every token had been reset.
//!
//! The replacement salt is computed from the stale salt under the new secret, so concurrent
//! logins agree on the new key, and switching back to an earlier secret does not revive keys
//! that were replaced in the meantime. (Keys of users who did not log in while the other
//! secret was in force do work again, since their records were never touched.)
//!
//! # Example
//!
//! ```
//! use latchkey_domain::memory::MemoryStore;
//! use latchkey_domain::Accounts;
//! use latchkey_password::{DjangoHashers, PreferredHasher};
//! use latchkey_engine::{AuthScheme, AuthorizationHeader, SchemeError};
//! use latchkey_opaque::{KeyDeriver, OpaqueKeys, ProvisionOnCreate, StoreKeyDirectory, TokenScheme};
//! use std::sync::Arc;
//!
//! let store = Arc::new(MemoryStore::new());
//! let keys = Arc::new(OpaqueKeys::new(KeyDeriver::new(b"a long random server secret")?, store.clone()));
//! let accounts = Accounts::new(store.clone(), Arc::new(DjangoHashers::new(PreferredHasher::BcryptSha256 { rounds: 4 })?))
//!     .with_hook(Arc::new(ProvisionOnCreate(keys.clone())));
//!
//! // Creating the user provisions a key; every login returns that same key.
//! let alice = accounts.create_user("alice", "alice@example.com", "s3cret-pass", Default::default())?;
//! let key = keys.key_for_user(alice.id)?;
//! assert_eq!(keys.key_for_user(alice.id)?, key);
//! assert_eq!(key.len(), 40);
//!
//! // The scheme authenticates `Token <key>`.
//! let scheme = TokenScheme::new(Arc::new(StoreKeyDirectory::new(keys.clone())));
//! let authenticate = |raw: String| {
//!     let header = AuthorizationHeader::parse(raw.as_bytes()).expect("a non-empty header");
//!     assert!(scheme.recognizes(header.keyword()));
//!     pollster::block_on(scheme.authenticate(&header))
//! };
//! let principal = authenticate(format!("Token {key}"))?;
//! assert_eq!((principal.user_id, principal.scheme), (alice.id, "token"));
//!
//! // A reset hands out a new key, and the old one stops working.
//! let new_key = keys.reset(alice.id)?;
//! assert_ne!(new_key, key);
//! match authenticate(format!("Token {key}")) {
//!     Err(SchemeError::Rejected(err)) => assert_eq!(err.detail, "Invalid token."),
//!     other => panic!("old key accepted: {other:?}"),
//! }
//! assert!(authenticate(format!("Token {new_key}")).is_ok());
//!
//! // What is stored (what a database dump would show) holds no key.
//! let dump = format!("{:?}", store.key_records());
//! assert!(!dump.contains(&key) && !dump.contains(&new_key));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod derive;
mod directory;
mod error;
mod keys;
mod scheme;

pub use derive::{KEY_LENGTH, KeyDeriver, is_well_formed_key, key_digest};
pub use directory::{KeyDirectory, StoreKeyDirectory};
pub use error::OpaqueError;
pub use keys::{OpaqueKeys, ProvisionOnCreate};
pub use scheme::TokenScheme;

#[cfg(test)]
mod testing {
    //! Fixtures shared by the unit tests.

    use latchkey_domain::memory::MemoryStore;
    use latchkey_domain::{
        ImportedKeyRecord, NewUser, OpaqueKeyRecord, OpaqueKeyStore, StoreError, User, UserId, UserStore,
    };
    use std::sync::Arc;

    /// A memory store holding users with these names and `is_active` flags, and their ids.
    pub fn store_with_users(users: &[(&str, bool)]) -> (Arc<MemoryStore>, Vec<UserId>) {
        let store = Arc::new(MemoryStore::new());
        let ids = users
            .iter()
            .map(|(username, is_active)| {
                let user = store
                    .create_user(NewUser {
                        is_active: *is_active,
                        ..NewUser::new(*username, format!("{username}@example.com"), "unusable")
                    })
                    .expect("create user");
                user.id
            })
            .collect();
        (store, ids)
    }

    /// A key store whose database is always down.
    pub struct FailingStore;

    fn down() -> StoreError {
        StoreError::unavailable("database unavailable")
    }

    impl OpaqueKeyStore for FailingStore {
        fn key_for_user(&self, _: UserId) -> Result<Option<OpaqueKeyRecord>, StoreError> {
            Err(down())
        }
        fn find_key_by_digest(&self, _: &str) -> Result<Option<(OpaqueKeyRecord, User)>, StoreError> {
            Err(down())
        }
        fn put_key(&self, _: &OpaqueKeyRecord) -> Result<(), StoreError> {
            Err(down())
        }
        fn insert_key_if_absent(&self, _: &OpaqueKeyRecord) -> Result<OpaqueKeyRecord, StoreError> {
            Err(down())
        }
        fn find_imported_key_by_digest(&self, _: &str) -> Result<Option<(ImportedKeyRecord, User)>, StoreError> {
            Err(down())
        }
        fn delete_imported_key(&self, _: UserId) -> Result<bool, StoreError> {
            Err(down())
        }
    }
}
