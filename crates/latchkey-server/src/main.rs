use latchkey_server::config::{Settings, redact_url};
use latchkey_server::startup::Application;
use latchkey_server::telemetry;
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
            eprintln!("latchkey: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    log::info!(
        "listening on {} (port {}), database {}, schemes {}",
        settings.bind,
        app.port(),
        redact_url(&settings.database_url),
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
