//! Start-up: an empty database is migrated, and failures are reported without leaking the
//! database password.

use actix_web::http::StatusCode;
use latchkey_server::startup::Application;
use latchkey_store::PoolOptions;
use latchkey_tests::{Backend, TestApp, TestDatabase, test_settings};
use std::time::Duration;

/// The other scenarios get a database migrated already; this one starts the server on an empty
/// one, as a first deployment does.
async fn an_empty_database_is_migrated_at_start(backend: Backend) {
    let db = TestDatabase::empty(backend);
    assert!(
        !db.connect(PoolOptions::new(1, Duration::from_secs(10))).pending_migrations().expect("pending").is_empty()
    );
    let app = TestApp::spawn(db, &[]);
    let pending = app.db.connect(PoolOptions::new(1, Duration::from_secs(10))).pending_migrations().expect("pending");
    assert!(pending.is_empty(), "not applied at start: {pending:?}");
    app.register("gina", "gina-pass-123").await;
    let response = app.log_in("gina", "gina-pass-123").await.get("/api/profile/").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
}

#[actix_web::test]
async fn an_empty_sqlite_database_is_migrated_at_start() {
    an_empty_database_is_migrated_at_start(Backend::Sqlite).await
}

#[actix_web::test]
async fn an_empty_postgres_database_is_migrated_at_start() {
    an_empty_database_is_migrated_at_start(Backend::Postgres).await
}

#[actix_web::test]
async fn unreachable_postgres_names_the_url_without_its_password() {
    let url = "postgres://u:secret@127.0.0.1:1/x";
    let db = TestDatabase::empty(Backend::Sqlite);
    let settings = test_settings(&db, &[("DATABASE_URL", url), ("LATCHKEY_DB_CONNECT_TIMEOUT", "1")]);
    let message = match Application::build(&settings) {
        Ok(_) => panic!("the server started on {url}"),
        // What the binary prints: the error and its causes.
        Err(err) => latchkey_domain::error_chain(&err),
    };
    assert!(message.contains("127.0.0.1:1"), "the error does not name the database: {message}");
    assert!(message.contains("postgres://u:***@127.0.0.1:1/x"), "the error does not name the URL: {message}");
    assert!(!message.contains("secret"), "the error shows the password: {message}");
}

#[actix_web::test]
async fn an_unknown_scheme_stops_start_up_naming_the_variable() {
    let db = TestDatabase::empty(Backend::Sqlite);
    let settings = test_settings(&db, &[("LATCHKEY_AUTH_SCHEMES", "jwt,session")]);
    let message = match Application::build(&settings) {
        Ok(_) => panic!("the server started with an unknown scheme"),
        // What the binary prints: the error and its causes.
        Err(err) => latchkey_domain::error_chain(&err),
    };
    assert!(message.contains("LATCHKEY_AUTH_SCHEMES"), "{message}");
    assert!(message.contains("\"session\""), "{message}");
    assert!(message.contains("jwt, token"), "the error does not list the known schemes: {message}");
}
