//! The shared state handlers use, built once at start-up.

use crate::hashing::HashingPool;
use crate::products::Products;
use actix_web::web;
use latchkey_actix::ApiError;
use latchkey_domain::{Accounts, User, UserStore};
use latchkey_jwt::JwtService;
use latchkey_opaque::OpaqueKeys;
use std::sync::Arc;

#[derive(Clone)]
pub(crate) struct Services {
    pub accounts: Accounts,
    pub jwt: Arc<JwtService>,
    pub opaque: Arc<OpaqueKeys>,
    pub hashing: HashingPool,
    pub products: Products,
}

impl Services {
    pub fn users(&self) -> &Arc<dyn UserStore> {
        self.accounts.users()
    }

    /// Django's `authenticate()`: the active user with this password, or `None`. The lookup
    /// runs on the blocking pool and the hash check on the hashing pool; an unknown username
    /// still pays one verification, so timing does not reveal which usernames exist.
    pub async fn authenticate(&self, username: String, password: String) -> Result<Option<User>, ApiError> {
        let users = Arc::clone(self.users());
        let found = web::block(move || users.find_user_by_username(&username)).await??;
        let hasher = Arc::clone(self.accounts.hasher());
        self.hashing
            .run(move || match found {
                Some(user) => (hasher.verify(&password, &user.password_hash) && user.is_active).then_some(user),
                None => {
                    hasher.verify_dummy(&password);
                    None
                }
            })
            .await
            .map_err(ApiError::from)
    }

    /// Runs blocking work (storage) off the async workers.
    pub async fn blocking<R, F>(&self, work: F) -> Result<R, ApiError>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        Ok(web::block(work).await?)
    }
}
