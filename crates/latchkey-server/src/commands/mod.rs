//! The operator's commands, carried by the binary (`latchkey-server migrate`, …) so that a
//! production host needs nothing but the binary, and called by `cargo xtask` for the same tasks:
//! one implementation of each. Each reads the settings exactly as the server does and says on
//! stdout what it did; a failure is a [`CommandError`] with its causes.

mod accounts;
mod check;
mod import_django;

use crate::config::Settings;
use crate::startup::StartupError;
use latchkey_domain::{BoxError, StoreError};

pub use accounts::Context;

/// The administrative commands (the binary's subcommands besides `serve`).
#[derive(Debug, clap::Subcommand)]
pub enum AdminCommand {
    /// Apply pending migrations to DATABASE_URL.
    Migrate,
    /// Create a user; the password is read from a prompt, or from stdin when it is not a terminal.
    Createuser {
        username: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        staff: bool,
        #[arg(long)]
        superuser: bool,
    },
    /// Print a user's opaque key (DRF's drf_create_token); --reset replaces it.
    CreateToken {
        username: String,
        #[arg(short, long)]
        reset: bool,
    },
    /// Delete expired outstanding refresh tokens and their blacklist entries (those the leeway
    /// still accepts stay), and failed-login records quiet for a day.
    FlushExpiredTokens,
    /// End every session and token of a user, and reset their opaque key (logout everywhere,
    /// for incident response).
    RevokeSessions { username: String },
    /// Forget the failed logins and any lock of a login name (the lockout), on every instance.
    Unlock { username: String },
    /// Copy a Django project's users, DRF keys and simplejwt token records into DATABASE_URL, in
    /// one transaction. Running it again changes nothing.
    ImportDjango {
        /// The Django database: sqlite:///abs/path.sqlite3, sqlite://relative/path or postgres://…
        #[arg(long = "from", value_name = "URL")]
        from: String,
        /// Check everything and report what would be imported, then write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Check the configuration and reach the database (and its migrations) without serving;
    /// exits non-zero with the reason.
    Check,
}

impl AdminCommand {
    pub fn run(self, settings: &Settings) -> Result<(), CommandError> {
        match self {
            AdminCommand::Migrate => accounts::migrate(settings),
            AdminCommand::Createuser { username, email, staff, superuser } => {
                accounts::createuser(settings, &username, email.as_deref().unwrap_or(""), staff, superuser)
            }
            AdminCommand::CreateToken { username, reset } => accounts::create_token(settings, &username, reset),
            AdminCommand::FlushExpiredTokens => accounts::flush_expired_tokens(settings),
            AdminCommand::RevokeSessions { username } => accounts::revoke_sessions(settings, &username),
            AdminCommand::Unlock { username } => accounts::unlock(settings, &username),
            AdminCommand::ImportDjango { from, dry_run } => import_django::run(settings, &from, dry_run),
            AdminCommand::Check => check::run(settings),
        }
    }
}

/// Why a command failed. Print it with [`latchkey_domain::error_chain`] for every cause.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error("database")]
    Store(#[from] StoreError),
    /// The operator asked for something that cannot be done, in Django's words where it has
    /// them ("Error: That username is already taken: alice").
    #[error("{0}")]
    Refused(String),
    #[error("{what}")]
    Failed {
        what: String,
        #[source]
        source: BoxError,
    },
}

impl CommandError {
    fn failed(what: impl Into<String>, source: impl Into<BoxError>) -> Self {
        CommandError::Failed { what: what.into(), source: source.into() }
    }
}
