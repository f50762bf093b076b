//! `cargo xtask seed FILE`: users and products from a fixture, idempotently. Users that exist
//! (by username) are left as they are; so are products that exist (by name).

use anyhow::{Context as _, bail};
use latchkey_domain::UserStore;
use latchkey_domain::accounts::AccountFlags;
use latchkey_server::commands::Context;
use latchkey_server::config::Settings;
use latchkey_server::products::{NewProduct, Price, Products};
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    #[serde(default)]
    users: Vec<FixtureUser>,
    #[serde(default)]
    products: Vec<FixtureProduct>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureUser {
    username: String,
    password: String,
    #[serde(default)]
    email: String,
    #[serde(default = "yes")]
    is_active: bool,
    #[serde(default)]
    is_staff: bool,
    #[serde(default)]
    is_superuser: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureProduct {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub price: String,
}

fn yes() -> bool {
    true
}

pub fn run(file: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let fixture: Fixture =
        serde_json::from_str(&text).with_context(|| format!("{} is not a valid fixture", file.display()))?;
    for user in &fixture.users {
        if !latchkey_domain::user::is_valid_username(&user.username) {
            bail!("fixture user {:?}: {}", user.username, latchkey_domain::user::USERNAME_INVALID);
        }
    }
    let settings = Settings::from_env().context("configuration error")?;
    let ctx = Context::open(&settings)?;
    let (mut created, mut kept) = (0, 0);
    for user in fixture.users {
        if ctx.database.find_user_by_username(&user.username)?.is_some() {
            kept += 1;
            continue;
        }
        let flags =
            AccountFlags { is_active: user.is_active, is_staff: user.is_staff, is_superuser: user.is_superuser };
        ctx.accounts
            .create_user(&user.username, &user.email, &user.password, flags)
            .with_context(|| format!("cannot create user {}", user.username))?;
        created += 1;
    }
    println!("Users: {created} created, {kept} already present.");
    let (created, kept) = crate::seed::products(&ctx, &fixture.products)?;
    println!("Products: {created} created, {kept} already present.");
    Ok(())
}

pub fn products(ctx: &Context, products: &[FixtureProduct]) -> anyhow::Result<(usize, usize)> {
    let (mut created, mut kept) = (0, 0);
    let repository = Products::new(ctx.database.clone());
    for product in products {
        let price = Price::parse(&product.price)
            .with_context(|| format!("product {:?}: bad price {:?}", product.name, product.price))?;
        if repository.exists_with_name(&product.name)? {
            kept += 1;
            continue;
        }
        repository.create(&NewProduct {
            name: product.name.clone(),
            description: product.description.clone(),
            price,
        })?;
        created += 1;
    }
    Ok((created, kept))
}
