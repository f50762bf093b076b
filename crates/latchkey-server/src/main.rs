use latchkey_domain::error_chain;
use latchkey_server::config::{Settings, redact_url};
use latchkey_server::startup::Application;
use latchkey_server::telemetry;
use secrecy::ExposeSecret;
use std::process::ExitCode;

#[actix_web::main]
async fn main() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("latchkey: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log_level);
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
