//! `cargo xtask <command>`: the developer's tasks (`seed`, `bench`), and the server binary's
//! own commands (`migrate`, `createuser`, …, `latchkey_server::commands`) for a source tree,
//! reading `DATABASE_URL` and the other settings exactly as the server does.

mod bench;
mod flags;
mod seed;

use anyhow::Context as _;
use clap::Parser;
use flags::{Command, Xtask};
use latchkey_server::config::Settings;
use std::process::ExitCode;

/// One of the binary's commands, with the same settings and the same code.
fn admin(command: latchkey_server::commands::AdminCommand) -> anyhow::Result<()> {
    let settings = Settings::from_env().context("configuration error")?;
    command.run(&settings).map_err(anyhow::Error::new)
}

fn main() -> ExitCode {
    let xtask = Xtask::parse();
    let result = match xtask.command {
        Command::Admin(command) => admin(command),
        Command::Seed { file } => seed::run(&file),
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
