//! Creating accounts, and telling whoever must react (DRF's `post_save` signal).

use crate::error::AccountError;
use crate::password::PasswordHasher;
use crate::store::UserStore;
use crate::user::{NewUser, User};
use std::sync::Arc;

/// Something that reacts to a new user, such as the opaque scheme provisioning a key.
pub trait UserCreated: Send + Sync {
    fn user_created(&self, user: &User) -> Result<(), AccountError>;
}

/// The one path through which users come to exist: registration, seeding and the
/// `createuser` command all go through [`Accounts::create_user`], so every hook runs.
#[derive(Clone)]
pub struct Accounts {
    users: Arc<dyn UserStore>,
    hasher: Arc<dyn PasswordHasher>,
    hooks: Vec<Arc<dyn UserCreated>>,
}

/// The flags of a new account.
#[derive(Debug, Clone, Copy)]
pub struct AccountFlags {
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
}

impl Default for AccountFlags {
    fn default() -> Self {
        Self { is_active: true, is_staff: false, is_superuser: false }
    }
}

impl Accounts {
    pub fn new(users: Arc<dyn UserStore>, hasher: Arc<dyn PasswordHasher>) -> Self {
        Self { users, hasher, hooks: Vec::new() }
    }

    pub fn with_hook(mut self, hook: Arc<dyn UserCreated>) -> Self {
        self.hooks.push(hook);
        self
    }

    pub fn users(&self) -> &Arc<dyn UserStore> {
        &self.users
    }

    pub fn hasher(&self) -> &Arc<dyn PasswordHasher> {
        &self.hasher
    }

    /// Hashes the password, stores the user and runs every hook. Blocking (hashing, storage).
    pub fn create_user(
        &self,
        username: &str,
        email: &str,
        password: &str,
        flags: AccountFlags,
    ) -> Result<User, AccountError> {
        let password_hash = self.hasher.hash(password)?;
        self.create_user_with_hash(username, email, password_hash, flags)
    }

    /// [`create_user`](Self::create_user) for a password already hashed with
    /// [`Accounts::hasher`], so that hashing and storage can run on different threads.
    pub fn create_user_with_hash(
        &self,
        username: &str,
        email: &str,
        password_hash: String,
        flags: AccountFlags,
    ) -> Result<User, AccountError> {
        let user = self.users.create_user(NewUser {
            is_active: flags.is_active,
            is_staff: flags.is_staff,
            is_superuser: flags.is_superuser,
            ..NewUser::new(crate::user::normalize_username(username), email, password_hash)
        })?;
        for hook in &self.hooks {
            hook.user_created(&user)?;
        }
        Ok(user)
    }

    /// Django's `authenticate()`: the active user whose password matches, else `None`. An
    /// unknown username still costs one full verification.
    pub fn authenticate(&self, username: &str, password: &str) -> Result<Option<User>, AccountError> {
        match self.users.find_user_by_username(username)? {
            Some(user) => {
                let matches = self.hasher.verify(password, &user.password_hash);
                Ok((matches && user.is_active).then_some(user))
            }
            None => {
                self.hasher.verify_dummy(password);
                Ok(None)
            }
        }
    }
}
