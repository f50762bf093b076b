//! The users of the contract's fixture (`../shared/contract/fixture.json`), and seeding them.

use crate::app::TestApp;
use latchkey_domain::accounts::AccountFlags;
use latchkey_server::config::Settings;
use latchkey_server::startup;
use std::sync::Arc;

/// A user of the contract's fixture.
#[derive(Debug, Clone, Copy)]
pub struct FixtureUser {
    pub username: &'static str,
    pub password: &'static str,
    pub email: &'static str,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
}

pub const ALICE: FixtureUser = FixtureUser {
    username: "alice",
    password: "alice-pass-123",
    email: "alice@example.com",
    is_active: true,
    is_staff: false,
    is_superuser: false,
};
pub const BOB: FixtureUser = FixtureUser {
    username: "bob",
    password: "bob-pass-123",
    email: "bob@example.com",
    is_active: true,
    is_staff: false,
    is_superuser: false,
};
/// Inactive: can neither log in nor authenticate.
pub const CAROL: FixtureUser = FixtureUser {
    username: "carol",
    password: "carol-pass-123",
    email: "carol@example.com",
    is_active: false,
    is_staff: false,
    is_superuser: false,
};
pub const ADMIN: FixtureUser = FixtureUser {
    username: "admin",
    password: "admin-pass-123",
    email: "admin@example.com",
    is_active: true,
    is_staff: true,
    is_superuser: true,
};
pub const FIXTURE_USERS: [FixtureUser; 4] = [ALICE, BOB, CAROL, ADMIN];

impl TestApp {
    /// Creates the fixture users (alice, bob, carol inactive, admin) the way `cargo xtask seed`
    /// does: through the account service with every "user created" hook, so each gets an
    /// opaque key.
    pub async fn seed_fixture(&self) {
        self.create_users(&FIXTURE_USERS).await;
    }

    pub async fn create_users(&self, users: &[FixtureUser]) {
        let settings = Settings { db_pool_size: 1, run_migrations: false, ..self.settings.clone() };
        let users = users.to_vec();
        let created = actix_web::rt::task::spawn_blocking(move || create_users(&settings, &users)).await;
        match created {
            Ok(Ok(())) => {}
            Ok(Err(err)) => panic!("seeding failed: {err}"),
            Err(err) => panic!("seeding task failed: {err}"),
        }
    }
}

fn create_users(settings: &Settings, users: &[FixtureUser]) -> Result<(), String> {
    let database = startup::connect(settings).map_err(|e| e.to_string())?;
    let keys = startup::keys(settings).map_err(|e| e.to_string())?;
    let hasher = startup::password_hasher(settings).map_err(|e| e.to_string())?;
    let opaque = startup::opaque_keys(Arc::new(database.clone()), &keys.opaque_secret).map_err(|e| e.to_string())?;
    let accounts = startup::accounts(Arc::new(database.clone()), hasher, opaque);
    for user in users {
        let flags =
            AccountFlags { is_active: user.is_active, is_staff: user.is_staff, is_superuser: user.is_superuser };
        accounts
            .create_user(user.username, user.email, user.password, flags)
            .map_err(|e| format!("cannot create user {}: {e}", user.username))?;
    }
    Ok(())
}
