use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Latchkey's project tasks")]
pub struct Xtask {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Apply pending migrations to DATABASE_URL.
    Migrate,
    /// Load users and products from a fixture file (the format of the contract's fixture.json).
    /// Running it twice changes nothing.
    Seed { file: PathBuf },
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
    /// Delete expired outstanding refresh tokens and their blacklist entries, and failed-login
    /// records quiet for a day.
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
    /// Load the release server with wrk and print req/s, p50/p99 and peak RSS per endpoint.
    Bench {
        /// sqlite or postgres
        #[arg(long, default_value = "sqlite")]
        database: String,
        /// A PostgreSQL server the bench may create and drop a database on.
        #[arg(long, env = "LATCHKEY_BENCH_PG_URL", default_value = "postgres://postgres:postgres@127.0.0.1:5432")]
        pg_url: String,
        /// The Django oracle's directory (../shared/oracle): load it too and compare.
        #[arg(long)]
        oracle: Option<PathBuf>,
        /// Seconds of load per row.
        #[arg(long, default_value_t = 10)]
        seconds: u32,
        /// Connections for the GET rows.
        #[arg(long, default_value_t = 64)]
        connections: u32,
        /// bcrypt cost the server runs with (the production default).
        #[arg(long, default_value_t = 12)]
        bcrypt_cost: u32,
        /// Load this server binary instead of building the tree's (e.g. a build from before a
        /// change, to compare in one sitting).
        #[arg(long)]
        server_bin: Option<PathBuf>,
    },
}
