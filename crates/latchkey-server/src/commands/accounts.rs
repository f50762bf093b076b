//! Commands on the database the server uses: migrations, users, opaque keys, sessions, the
//! lockout, token hygiene.

use super::CommandError;
use crate::config::Settings;
use crate::startup;
use latchkey_domain::accounts::AccountFlags;
use latchkey_domain::{AccountError, Accounts, CutoffReason, SessionStore, UserStore};
use latchkey_opaque::OpaqueKeys;
use latchkey_store::Database;
use std::io::{BufRead, IsTerminal};
use std::sync::Arc;

/// The database, opaque keys and account service, configured as the server configures them.
pub struct Context {
    pub database: Database,
    pub accounts: Accounts,
    pub opaque: Arc<OpaqueKeys>,
}

impl Context {
    pub fn open(settings: &Settings) -> Result<Context, CommandError> {
        let database = startup::connect(settings)?;
        let keys = startup::keys(settings)?;
        let hasher = startup::password_hasher(settings)?;
        let opaque = startup::opaque_keys(Arc::new(database.clone()), &keys.opaque_secret)?;
        let accounts = startup::accounts(Arc::new(database.clone()), hasher, Arc::clone(&opaque));
        Ok(Context { database, accounts, opaque })
    }
}

pub(super) fn migrate(settings: &Settings) -> Result<(), CommandError> {
    let settings = Settings { run_migrations: false, ..settings.clone() };
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

pub(super) fn createuser(
    settings: &Settings,
    username: &str,
    email: &str,
    staff: bool,
    superuser: bool,
) -> Result<(), CommandError> {
    let username = &latchkey_domain::user::normalize_username(username);
    if !latchkey_domain::user::is_valid_username(username) {
        return Err(CommandError::Refused(format!("Error: {}", latchkey_domain::user::USERNAME_INVALID)));
    }
    if !email.is_empty() && !latchkey_drf::fields::is_valid_email(email) {
        return Err(CommandError::Refused(format!("Error: {}", latchkey_drf::fields::EMAIL_INVALID)));
    }
    let ctx = Context::open(settings)?;
    if ctx.database.find_user_by_username(username)?.is_some() {
        return Err(CommandError::Refused(format!("Error: That username is already taken: {username}")));
    }
    let password = read_password()?;
    let flags = AccountFlags { is_active: true, is_staff: staff || superuser, is_superuser: superuser };
    match ctx.accounts.create_user(username, email, &password, flags) {
        Ok(user) => {
            println!("User {} created (id {}).", user.username, user.id);
            Ok(())
        }
        Err(AccountError::UsernameTaken) => {
            Err(CommandError::Refused(format!("Error: That username is already taken: {username}")))
        }
        Err(err) => Err(CommandError::failed("Error", err)),
    }
}

/// Django's `createsuperuser` prompts: twice on a terminal, one line from a pipe.
fn read_password() -> Result<String, CommandError> {
    let unreadable = |err| CommandError::failed("cannot read the password", err);
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(unreadable)?;
        let second = rpassword::prompt_password("Password (again): ").map_err(unreadable)?;
        if first != second {
            return Err(CommandError::Refused("Error: Your passwords didn't match.".into()));
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(unreadable)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if password.is_empty() {
        return Err(CommandError::Refused("Error: Blank passwords aren't allowed.".into()));
    }
    Ok(password)
}

pub(super) fn create_token(settings: &Settings, username: &str, reset: bool) -> Result<(), CommandError> {
    let ctx = Context::open(settings)?;
    let Some(user) = ctx.database.find_user_by_username(username)? else {
        return Err(CommandError::Refused(format!("Cannot create the Token: user {username} does not exist")));
    };
    let key = if reset { ctx.opaque.reset(user.id) } else { ctx.opaque.key_for_user(user.id) }
        .map_err(|err| CommandError::failed("Cannot create the Token", err))?;
    println!("Generated token {key} for user {username}");
    Ok(())
}

pub(super) fn flush_expired_tokens(settings: &Settings) -> Result<(), CommandError> {
    let database = startup::connect(settings)?;
    let flushed = crate::maintenance::flush_expired(&database, settings.jwt.leeway, chrono::Utc::now().naive_utc())?;
    println!("Deleted {} expired outstanding token(s).", flushed.tokens);
    println!("Deleted {} failed-login record(s) quiet for a day.", flushed.login_records);
    Ok(())
}

pub(super) fn revoke_sessions(settings: &Settings, username: &str) -> Result<(), CommandError> {
    let ctx = Context::open(settings)?;
    let Some(user) = ctx.database.find_user_by_username(username)? else {
        return Err(CommandError::Refused(format!("Cannot revoke sessions: user {username} does not exist")));
    };
    let cutoff = ctx.database.cut_off(user.id, CutoffReason::LogoutAll)?;
    ctx.opaque.reset(user.id).map_err(|err| CommandError::failed("Cannot reset the opaque key", err))?;
    println!(
        "Ended every session of {username}; every token issued before {} UTC is refused, and the opaque key was reset.",
        cutoff.at.format("%Y-%m-%d %H:%M:%S%.6f")
    );
    println!(
        "Running servers on PostgreSQL are told at once; on SQLite they see it within LATCHKEY_AUTH_CACHE_TTL_MS."
    );
    Ok(())
}

pub(super) fn unlock(settings: &Settings, username: &str) -> Result<(), CommandError> {
    if startup::unlock_login(settings, username)? {
        println!("Unlocked {username}: its failed logins are forgotten, on every instance at once.");
    } else {
        println!("{username} had no failed logins to forget (under this LATCHKEY_SECRET_KEY).");
    }
    Ok(())
}
