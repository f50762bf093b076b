//! Start-up failures are reported, and never leak the database password.

use latchkey_server::startup::Application;
use latchkey_tests::{Backend, TestDatabase, test_settings};

#[actix_web::test]
async fn unreachable_postgres_names_the_url_without_its_password() {
    let url = "postgres://u:secret@127.0.0.1:1/x";
    let db = TestDatabase::empty(Backend::Sqlite);
    let settings = test_settings(&db, &[("DATABASE_URL", url), ("LATCHKEY_DB_CONNECT_TIMEOUT", "1")]);
    let message = match Application::build(&settings) {
        Ok(_) => panic!("the server started on {url}"),
        Err(err) => err.to_string(),
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
        Err(err) => err.to_string(),
    };
    assert!(message.contains("LATCHKEY_AUTH_SCHEMES"), "{message}");
    assert!(message.contains("\"session\""), "{message}");
    assert!(message.contains("jwt, token"), "the error does not list the known schemes: {message}");
}
