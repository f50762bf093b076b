//! Logging: env_logger, and one line per request (method, path without the query, status,
//! time). Query strings and headers are never logged: they can carry tokens.

use actix_web::middleware::Logger;

pub fn init(level: &str) {
    let _ = env_logger::Builder::new().parse_filters(level).format_timestamp_millis().try_init();
}

/// The request log; the health probes' paths are left out (`routes::PROBE_PATHS`).
pub fn request_logger(quiet_paths: &[&str]) -> Logger {
    quiet_paths.iter().fold(
        Logger::new("%{method}xi %U %s %Dms").custom_request_replace("method", |req| req.method().to_string()),
        |logger, path| logger.exclude(*path),
    )
}
