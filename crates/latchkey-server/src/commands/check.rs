//! `check`: the configuration is valid (it was read to get here), the database answers, its
//! migrations are as the server needs them, and everything serving builds (keys, hasher,
//! schemes; `startup::verify`). It applies no migration and generates no key; like the server,
//! it creates a missing SQLite file and Diesel's table of applied migrations when there is none.

use super::CommandError;
use crate::config::{Settings, SigningKey};
use crate::startup;

pub(super) fn run(settings: &Settings) -> Result<(), CommandError> {
    println!("configuration: ok ({:?}, listening on {} when served)", settings.environment, settings.bind);
    let unmigrated = Settings { run_migrations: false, ..settings.clone() };
    let database = startup::connect(&unmigrated)?;
    let pending = database.pending_migrations()?;
    println!("database: {} answers ({})", database.redacted_url(), database.backend());
    match (pending.len(), settings.run_migrations) {
        (0, _) => println!("migrations: all applied"),
        (n, true) => println!("migrations: {n} pending, applied when the server starts"),
        (n, false) => {
            return Err(CommandError::Refused(format!(
                "migrations: {n} pending ({}) and LATCHKEY_RUN_MIGRATIONS=false: run `latchkey-server migrate` first",
                pending.join(", ")
            )));
        }
    }
    // Everything serving builds, but the listeners: the keys, the hasher, the schemes.
    startup::verify(settings)?;
    match &settings.jwt.signing_key {
        SigningKey::Generated(path) if !path.exists() => {
            println!("signing key: none yet; a development key will be generated in {}", path.display());
        }
        _ => println!("signing key: {:?} loads", settings.jwt.algorithm),
    }
    println!("schemes: {}", settings.auth_schemes.join(", "));
    println!("check: ok");
    Ok(())
}
