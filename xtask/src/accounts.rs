//! Tasks on the database the server uses: migrations, users, opaque keys, token hygiene.

use anyhow::{Context as _, bail};
use latchkey_domain::accounts::AccountFlags;
use latchkey_domain::{
    AccountError, Accounts, CutoffReason, LockoutPolicy, LockoutStore, RefreshTokenStore, SessionStore, UserStore,
};
use latchkey_opaque::OpaqueKeys;
use latchkey_server::config::Settings;
use latchkey_server::startup;
use latchkey_store::Database;
use std::io::{BufRead, IsTerminal};
use std::sync::Arc;

pub type TaskResult = anyhow::Result<()>;

/// The database, opaque keys and account service, configured as the server configures them.
pub struct Context {
    pub database: Database,
    pub accounts: Accounts,
    pub opaque: Arc<OpaqueKeys>,
}

pub fn context() -> anyhow::Result<Context> {
    let settings = Settings::from_env().context("configuration error")?;
    let database = startup::connect(&settings)?;
    let keys = startup::keys(&settings)?;
    let hasher = startup::password_hasher(&settings)?;
    let opaque = startup::opaque_keys(Arc::new(database.clone()), &keys.opaque_secret)?;
    let accounts = startup::accounts(Arc::new(database.clone()), hasher, Arc::clone(&opaque));
    Ok(Context { database, accounts, opaque })
}

pub fn migrate() -> TaskResult {
    let settings = Settings::from_env().context("configuration error")?;
    let settings = Settings { run_migrations: false, ..settings };
    let database = startup::connect(&settings)?;
    let applied = database.run_migrations()?;
    if applied.is_empty() {
        println!("No migrations to apply.");
    }
    for version in applied {
        println!("Applied {version}");
    }
    Ok(())
}

pub fn createuser(username: &str, email: &str, staff: bool, superuser: bool) -> TaskResult {
    let username = &latchkey_domain::user::normalize_username(username);
    if !latchkey_domain::user::is_valid_username(username) {
        bail!("Error: {}", latchkey_domain::user::USERNAME_INVALID);
    }
    if !email.is_empty() && !latchkey_drf::fields::is_valid_email(email) {
        bail!("Error: {}", latchkey_drf::fields::EMAIL_INVALID);
    }
    let ctx = context()?;
    if ctx.database.find_user_by_username(username)?.is_some() {
        bail!("Error: That username is already taken: {username}");
    }
    let password = read_password()?;
    let flags = AccountFlags { is_active: true, is_staff: staff || superuser, is_superuser: superuser };
    match ctx.accounts.create_user(username, email, &password, flags) {
        Ok(user) => {
            println!("User {} created (id {}).", user.username, user.id);
            Ok(())
        }
        Err(AccountError::UsernameTaken) => bail!("Error: That username is already taken: {username}"),
        Err(err) => Err(anyhow::Error::new(err).context("Error")),
    }
}

fn read_password() -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").context("cannot read the password")?;
        let second = rpassword::prompt_password("Password (again): ").context("cannot read the password")?;
        if first != second {
            bail!("Error: Your passwords didn't match.");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("cannot read the password from stdin")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if password.is_empty() {
        bail!("Error: Blank passwords aren't allowed.");
    }
    Ok(password)
}

pub fn create_token(username: &str, reset: bool) -> TaskResult {
    let ctx = context()?;
    let Some(user) = ctx.database.find_user_by_username(username)? else {
        bail!("Cannot create the Token: user {username} does not exist");
    };
    let key = if reset { ctx.opaque.reset(user.id) } else { ctx.opaque.key_for_user(user.id) }
        .context("Cannot create the Token")?;
    println!("Generated token {key} for user {username}");
    Ok(())
}

pub fn flush_expired_tokens() -> TaskResult {
    let ctx = context()?;
    let settings = Settings::from_env().context("configuration error")?;
    // Past `exp` by more than the leeway only: until then a token is still accepted, and its
    // blacklist entry must stay.
    let leeway = chrono::TimeDelta::from_std(settings.jwt.leeway).context("LATCHKEY_JWT_LEEWAY")?;
    let before = chrono::Utc::now().naive_utc() - leeway;
    let deleted = ctx.database.flush_expired(before)?;
    println!("Deleted {deleted} expired outstanding token(s).");
    let now = chrono::Utc::now().naive_utc();
    let forgotten = ctx.database.forget_login_failures(LockoutPolicy::forget_before(now))?;
    println!("Deleted {forgotten} failed-login record(s) quiet for a day.");
    Ok(())
}

pub fn unlock(username: &str) -> TaskResult {
    let settings = Settings::from_env().context("configuration error")?;
    if startup::unlock_login(&settings, username)? {
        println!("Unlocked {username}: its failed logins are forgotten, on every instance at once.");
    } else {
        println!("{username} had no failed logins to forget.");
    }
    Ok(())
}

pub fn revoke_sessions(username: &str) -> TaskResult {
    let ctx = context()?;
    let Some(user) = ctx.database.find_user_by_username(username)? else {
        bail!("Cannot revoke sessions: user {username} does not exist");
    };
    let cutoff = ctx.database.cut_off(user.id, CutoffReason::LogoutAll)?;
    ctx.opaque.reset(user.id).context("Cannot reset the opaque key")?;
    println!(
        "Ended every session of {username}; every token issued before {} UTC is refused, and the opaque key was reset.",
        cutoff.at.format("%Y-%m-%d %H:%M:%S%.6f")
    );
    println!(
        "Running servers on PostgreSQL are told at once; on SQLite they see it within LATCHKEY_AUTH_CACHE_TTL_MS."
    );
    Ok(())
}
