//! [`TestApp`]: the real server on port 0 and its own database, and the settings it starts
//! with.

use latchkey_server::config::{Settings, Source};
use latchkey_server::startup::Application;
use latchkey_test_db::TestDatabase;
use std::sync::OnceLock;
use std::time::Duration;

/// The HMAC key every test server signs with (long enough for production rules too).
pub const SIGNING_KEY: &str = "latchkey-e2e-test-signing-key-0123456789abcdef";

/// How long one HTTP request may take before the test fails (debug builds, busy CI machines).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The settings a test server starts with, `extra_env` last (so it overrides).
pub fn test_settings(db: &TestDatabase, extra_env: &[(&str, &str)]) -> Settings {
    let mut pairs: Vec<(String, String)> = vec![
        ("LATCHKEY_BIND".into(), "127.0.0.1:0".into()),
        ("DATABASE_URL".into(), db.url().into()),
        ("LATCHKEY_SIGNING_KEY".into(), SIGNING_KEY.into()),
        ("LATCHKEY_BCRYPT_COST".into(), "4".into()),
        ("LATCHKEY_WORKERS".into(), "2".into()),
        ("LATCHKEY_HASH_THREADS".into(), "2".into()),
        // Tests run in parallel against one PostgreSQL server (Debian: max_connections = 100), and
        // every connection of a pool is opened at start: keep each pool small.
        ("LATCHKEY_DB_POOL_SIZE".into(), "3".into()),
    ];
    pairs.extend(extra_env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    match Settings::from_source(&Source::from_pairs(pairs)) {
        Ok(settings) => settings,
        Err(err) => panic!("test settings rejected: {err}"),
    }
}

fn init_logging() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        if let Ok(filter) = std::env::var("TEST_LOG") {
            latchkey_server::telemetry::init(if filter.trim().is_empty() { "debug" } else { &filter });
        }
    });
}

/// A running server on its own database. Dropping it stops the server and removes the database.
pub struct TestApp {
    pub address: String,
    pub port: u16,
    /// The metrics listener's port, with `LATCHKEY_METRICS_BIND`.
    pub metrics_port: Option<u16>,
    pub settings: Settings,
    pub(crate) http: awc::Client,
    server: actix_web::rt::task::JoinHandle<std::io::Result<()>>,
    // Declared last: dropped after the server task has been told to stop.
    pub db: TestDatabase,
}

impl TestApp {
    /// Builds the server through [`Application::build`] on port 0 and serves it on the current
    /// actix runtime (tests use `#[actix_web::test]`). The server runs its migrations at start
    /// as in production: on a database from `TestDatabase::new`, migrated already, they find
    /// nothing to do; on one from `TestDatabase::empty` they create every table.
    pub fn spawn(db: TestDatabase, extra_env: &[(&str, &str)]) -> TestApp {
        init_logging();
        let settings = test_settings(&db, extra_env);
        let app = match Application::build(&settings) {
            Ok(app) => app,
            Err(err) => panic!("the server did not start on {}: {err}", db.backend()),
        };
        let port = app.port();
        let metrics_port = app.metrics_port();
        let server = actix_web::rt::spawn(app.run_until_stopped());
        let http = awc::Client::builder().timeout(REQUEST_TIMEOUT).disable_redirects().finish();
        TestApp { address: format!("http://127.0.0.1:{port}"), port, metrics_port, settings, http, server, db }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Another server on this app's database, as a second instance behind a load balancer;
    /// `extra_env` as for [`TestApp::spawn`]. It stops when dropped.
    pub fn sibling(&self, extra_env: &[(&str, &str)]) -> Sibling {
        let settings = test_settings(&self.db, extra_env);
        let app = match Application::build(&settings) {
            Ok(app) => app,
            Err(err) => panic!("the second instance did not start: {err}"),
        };
        let port = app.port();
        let server = actix_web::rt::spawn(app.run_until_stopped());
        let http = awc::Client::builder().timeout(REQUEST_TIMEOUT).disable_redirects().finish();
        Sibling { address: format!("http://127.0.0.1:{port}"), http, server }
    }
}

/// A second server on a [`TestApp`]'s database (see [`TestApp::sibling`]).
pub struct Sibling {
    pub address: String,
    pub(crate) http: awc::Client,
    server: actix_web::rt::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for Sibling {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Dropping the server future stops its workers and its acceptor.
        self.server.abort();
    }
}
