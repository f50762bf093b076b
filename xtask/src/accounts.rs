//! Tasks on the database the server uses: migrations, users, opaque keys, token hygiene.

use latchkey_domain::accounts::AccountFlags;
use latchkey_domain::{AccountError, Accounts, PasswordHasher, RefreshTokenStore, UserStore};
use latchkey_opaque::OpaqueKeys;
use latchkey_server::config::Settings;
use latchkey_server::startup;
use latchkey_store::Database;
use std::io::{BufRead, IsTerminal};
use std::sync::Arc;

pub type TaskResult = Result<(), String>;

/// The database, opaque keys and account service, configured as the server configures them.
pub struct Context {
    pub database: Database,
    pub accounts: Accounts,
    pub opaque: Arc<OpaqueKeys>,
}

pub fn context() -> Result<Context, String> {
    let settings = Settings::from_env().map_err(|e| format!("configuration error: {e}"))?;
    let database = startup::connect(&settings).map_err(|e| e.to_string())?;
    let keys = startup::keys(&settings).map_err(|e| e.to_string())?;
    let hasher = Arc::new(PasswordHasher::new(settings.bcrypt_cost).map_err(|e| e.to_string())?);
    let opaque = startup::opaque_keys(Arc::new(database.clone()), &keys.opaque_secret);
    let accounts = startup::accounts(Arc::new(database.clone()), hasher, Arc::clone(&opaque));
    Ok(Context { database, accounts, opaque })
}

pub fn migrate() -> TaskResult {
    let settings = Settings::from_env().map_err(|e| format!("configuration error: {e}"))?;
    let settings = Settings { run_migrations: false, ..settings };
    let database = startup::connect(&settings).map_err(|e| e.to_string())?;
    let applied = database.run_migrations().map_err(|e| format!("migration failed: {e}"))?;
    if applied.is_empty() {
        println!("No migrations to apply.");
    }
    for version in applied {
        println!("Applied {version}");
    }
    Ok(())
}

pub fn createuser(username: &str, email: &str, staff: bool, superuser: bool) -> TaskResult {
    if !latchkey_domain::user::is_valid_username(username) {
        return Err(format!("Error: {}", latchkey_domain::user::USERNAME_INVALID));
    }
    if !email.is_empty() && !latchkey_domain::user::is_valid_email(email) {
        return Err(format!("Error: {}", latchkey_domain::user::EMAIL_INVALID));
    }
    let ctx = context()?;
    if ctx.database.find_user_by_username(username).map_err(|e| e.to_string())?.is_some() {
        return Err(format!("Error: That username is already taken: {username}"));
    }
    let password = read_password()?;
    let flags = AccountFlags { is_active: true, is_staff: staff || superuser, is_superuser: superuser };
    match ctx.accounts.create_user(username, email, &password, flags) {
        Ok(user) => {
            println!("User {} created (id {}).", user.username, user.id);
            Ok(())
        }
        Err(AccountError::UsernameTaken) => Err(format!("Error: That username is already taken: {username}")),
        Err(err) => Err(format!("Error: {err}")),
    }
}

fn read_password() -> Result<String, String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?;
        let second = rpassword::prompt_password("Password (again): ").map_err(|e| e.to_string())?;
        if first != second {
            return Err("Error: Your passwords didn't match.".into());
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| e.to_string())?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if password.is_empty() {
        return Err("Error: Blank passwords aren't allowed.".into());
    }
    Ok(password)
}

pub fn create_token(username: &str, reset: bool) -> TaskResult {
    let ctx = context()?;
    let Some(user) = ctx.database.find_user_by_username(username).map_err(|e| e.to_string())? else {
        return Err(format!("Cannot create the Token: user {username} does not exist"));
    };
    let key = if reset { ctx.opaque.reset(user.id) } else { ctx.opaque.key_for_user(user.id) }
        .map_err(|e| format!("Cannot create the Token: {e}"))?;
    println!("Generated token {key} for user {username}");
    Ok(())
}

pub fn flush_expired_tokens() -> TaskResult {
    let ctx = context()?;
    let now = chrono::Utc::now().naive_utc();
    let deleted = ctx.database.flush_expired(now).map_err(|e| e.to_string())?;
    println!("Deleted {deleted} expired outstanding token(s).");
    Ok(())
}
