//! The shared state handlers use, built once at start-up.

use crate::hashing::HashingPool;
use crate::lockout::{Gate, LoginLockout};
use crate::products::Products;
use latchkey_actix::throttle::Throttles;
use latchkey_actix::{ApiError, StoreQueue};
use latchkey_domain::{Accounts, SessionStore, User, UserStore, error_chain};
use latchkey_drf::throttling::Throttled;
use latchkey_jwt::JwtService;
use latchkey_opaque::OpaqueKeys;
use std::sync::Arc;

#[derive(Clone)]
pub(crate) struct Services {
    pub accounts: Accounts,
    pub jwt: Arc<JwtService>,
    pub opaque: Arc<OpaqueKeys>,
    pub sessions: Arc<dyn SessionStore>,
    pub hashing: HashingPool,
    pub products: Products,
    /// For the readiness probe, and the probe's state.
    pub database: latchkey_store::Database,
    pub readiness: Arc<crate::routes::Readiness>,
    /// `LATCHKEY_NUM_PROXIES`: how far to trust `X-Forwarded-For`.
    pub num_proxies: usize,
    /// DRF's rate throttles, applied by each view's `routes::throttling` middleware.
    pub throttles: Arc<Throttles>,
    pub lockout: Arc<LoginLockout>,
    /// Every store call waits its turn here, as many at once as the pool has connections.
    pub store_queue: StoreQueue,
}

/// A password check the lockout counted; [`Services::login_checked`] settles it.
pub(crate) struct LoginAttempt {
    subject: Option<String>,
}

impl Services {
    pub fn users(&self) -> &Arc<dyn UserStore> {
        self.accounts.users()
    }

    /// Django's `authenticate()`: the active user with this password, or `None`. The lookup
    /// runs on the blocking pool and the hash check on the hashing pool; an unknown username
    /// still pays one verification, so timing does not reveal which usernames exist.
    ///
    /// A match whose stored hash is in another format than the preferred one, or was made
    /// with weaker parameters, is re-hashed in the same hashing job (Django's `must_update`)
    /// and written only if the stored hash is still the one checked. A failed upgrade is
    /// logged and does not fail the login: the old hash still works.
    ///
    /// The attempt is counted for the name as submitted, whether a user has it or not, before
    /// anything is hashed; a name the lockout holds is refused (429) without a check.
    pub async fn authenticate(&self, username: String, password: String) -> Result<Option<User>, ApiError> {
        let attempt = self.login_attempt(&username).await.inspect_err(|err| {
            if matches!(err, ApiError::Throttled(_)) {
                metrics::counter!("latchkey_logins_total", "outcome" => "locked").increment(1);
            }
        })?;
        let user = self.check_password(username, password).await?;
        self.login_checked(attempt, user.is_some()).await?;
        let outcome = if user.is_some() { "ok" } else { "failed" };
        metrics::counter!("latchkey_logins_total", "outcome" => outcome).increment(1);
        Ok(user)
    }

    /// Counts the attempt for `username` before any hashing, or refuses a locked name with
    /// DRF's 429.
    pub(crate) async fn login_attempt(&self, username: &str) -> Result<LoginAttempt, ApiError> {
        // No trip to the blocking pool when there is nothing to count.
        if self.lockout.policy().is_off() {
            return Ok(LoginAttempt { subject: None });
        }
        let lockout = Arc::clone(&self.lockout);
        let username = username.to_owned();
        match self.blocking(move || lockout.attempt(&username)).await?? {
            Gate::Locked(wait) => Err(ApiError::Throttled(Throttled::new(Some(wait.as_secs_f64())))),
            Gate::Open { subject } => Ok(LoginAttempt { subject }),
        }
    }

    /// After the check: a success forgets the name's count; a failure stays counted.
    pub(crate) async fn login_checked(&self, attempt: LoginAttempt, ok: bool) -> Result<(), ApiError> {
        let Some(subject) = attempt.subject.filter(|_| ok) else { return Ok(()) };
        let lockout = Arc::clone(&self.lockout);
        if let Err(err) = self.blocking(move || lockout.succeeded(&subject)).await? {
            // The login itself worked; the count left behind ends with the next success.
            log::warn!("could not clear the failed logins of a name: {}", error_chain(&err));
        }
        Ok(())
    }

    /// A name just registered starts with no count: a lock placed on it before it had an
    /// owner must not shut the owner out.
    pub(crate) async fn forget_failed_logins(&self, username: String) -> Result<(), ApiError> {
        if self.lockout.policy().is_off() {
            return Ok(());
        }
        let lockout = Arc::clone(&self.lockout);
        self.blocking(move || lockout.unlock(&username)).await??;
        Ok(())
    }

    async fn check_password(&self, username: String, password: String) -> Result<Option<User>, ApiError> {
        let users = Arc::clone(self.users());
        let found = self.blocking(move || users.find_user_by_username(&username)).await??;
        let hasher = Arc::clone(self.accounts.hasher());
        let checked = self
            .hashing
            .run(move || match found {
                Some(user) if hasher.verify(&password, &user.password_hash) => {
                    let upgrade = hasher.must_update(&user.password_hash).then(|| hasher.hash(&password));
                    Some((user, upgrade))
                }
                Some(_) => None,
                None => {
                    hasher.verify_dummy(&password);
                    None
                }
            })
            .await?;
        let Some((mut user, upgrade)) = checked else { return Ok(None) };
        match upgrade {
            // The user carries the hash now stored: a session starts only while it is current.
            Some(Ok(new_hash)) if self.replace_hash(&user, new_hash.clone()).await => user.password_hash = new_hash,
            Some(Ok(_)) => {}
            Some(Err(err)) => {
                log::warn!("could not re-hash the password of user {}: {}", user.id, error_chain(&err));
            }
            None => {}
        }
        Ok(user.is_active.then_some(user))
    }

    /// Whether the new hash was stored.
    async fn replace_hash(&self, user: &User, new_hash: String) -> bool {
        let users = Arc::clone(self.users());
        let (id, old) = (user.id, user.password_hash.clone());
        match self.store_queue.run(move || users.replace_password_hash(id, &old, &new_hash)).await {
            Ok(Ok(true)) => {
                log::info!("re-hashed the password of user {id} with the preferred hasher");
                true
            }
            // The password changed since it was read: the new one stands.
            Ok(Ok(false)) => false,
            Ok(Err(err)) => {
                log::warn!("could not store the re-hashed password of user {id}: {}", error_chain(&err));
                false
            }
            Err(err) => {
                log::warn!("could not store the re-hashed password of user {id}: {err}");
                false
            }
        }
    }

    /// Runs blocking work (storage) off the async workers, in turn ([`StoreQueue`]); a queue
    /// that stays full past the pool's checkout timeout is a 503, as the pool's own timeout is.
    pub async fn blocking<R, F>(&self, work: F) -> Result<R, ApiError>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.store_queue.run(work).await.map_err(|err| latchkey_domain::StoreError::from(err).into())
    }
}
