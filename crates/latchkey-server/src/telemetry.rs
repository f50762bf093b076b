//! Logging: env_logger, and one line per request (method, path without the query, status,
//! time). Query strings and headers are never logged: they can carry tokens.

use actix_web::middleware::Logger;

pub fn init(level: &str) {
    let _ = env_logger::Builder::new().parse_filters(level).format_timestamp_millis().try_init();
}

pub fn request_logger() -> Logger {
    Logger::new("%{method}xi %U %s %Dms").custom_request_replace("method", |req| req.method().to_string())
}
