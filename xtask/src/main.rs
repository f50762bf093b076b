//! `cargo xtask <command>`: the project's operational tasks, reading `DATABASE_URL` and the
//! other settings exactly as the server does.

mod accounts;
mod bench;
mod flags;
mod import_django;
mod seed;

use clap::Parser;
use flags::{Command, Xtask};
use std::process::ExitCode;

fn main() -> ExitCode {
    let xtask = Xtask::parse();
    let result = match xtask.command {
        Command::Migrate => accounts::migrate(),
        Command::Seed { file } => seed::run(&file),
        Command::Createuser { username, email, staff, superuser } => {
            accounts::createuser(&username, email.as_deref().unwrap_or(""), staff, superuser)
        }
        Command::CreateToken { username, reset } => accounts::create_token(&username, reset),
        Command::FlushExpiredTokens => accounts::flush_expired_tokens(),
        Command::RevokeSessions { username } => accounts::revoke_sessions(&username),
        Command::Unlock { username } => accounts::unlock(&username),
        Command::ImportDjango { from, dry_run } => import_django::run(&from, dry_run),
        Command::Bench { database, pg_url, oracle, seconds, connections, bcrypt_cost, server_bin } => {
            bench::run(&bench::Options { database, pg_url, oracle, seconds, connections, bcrypt_cost, server_bin })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}`: the message and every cause, `outer: cause: root cause`.
            eprintln!("{err:#}");
            ExitCode::FAILURE
        }
    }
}
