use clap::{Parser, Subcommand};
use latchkey_server::commands::AdminCommand;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Latchkey's project tasks")]
pub struct Xtask {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// The server binary's commands (`latchkey-server --help`), run by the same code.
    #[command(flatten)]
    Admin(AdminCommand),
    /// Load users and products from a fixture file (the format of the contract's fixture.json).
    /// Running it twice changes nothing.
    Seed { file: PathBuf },
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
