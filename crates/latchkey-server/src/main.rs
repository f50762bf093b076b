//! `latchkey-server`: serves the API (with no command, or `serve`), or runs one of the
//! operator's commands (`latchkey_server::commands`). `--help` lists them.

use clap::Parser;
use latchkey_domain::error_chain;
use latchkey_server::commands::AdminCommand;
use latchkey_server::config::{Settings, redact_url};
use latchkey_server::startup::Application;
use latchkey_server::telemetry;
use secrecy::ExposeSecret;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "latchkey-server",
    version,
    about = "DRF token and simplejwt authentication as a standalone server",
    long_about = "DRF token and simplejwt authentication as a standalone server. Configured by the \
                  environment (and a .env file): see the README's configuration table."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Serve the API (what running without a command does).
    Serve,
    #[command(flatten)]
    Admin(AdminCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("latchkey: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log_level);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => actix_web::rt::System::new().block_on(serve(settings)),
        Command::Admin(command) => match command.run(&settings) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("latchkey: {}", error_chain(&err));
                ExitCode::FAILURE
            }
        },
    }
}

async fn serve(settings: Settings) -> ExitCode {
    let app = match Application::build(&settings) {
        Ok(app) => app,
        Err(err) => {
            eprintln!("latchkey: cannot start: {}", error_chain(&err));
            return ExitCode::FAILURE;
        }
    };
    log::info!(
        "listening on {} (port {}), database {}, schemes {}",
        settings.bind,
        app.port(),
        redact_url(settings.database_url.expose_secret()),
        settings.auth_schemes.join(",")
    );
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("latchkey: server error: {err}");
            ExitCode::FAILURE
        }
    }
}
