//! The end-to-end harness: the real server, built by [`Application::build`] exactly as `main`
//! builds it, listening on a random port, against a fresh SQLite file or a fresh PostgreSQL
//! database ([`TestDb`]), driven over HTTP with `awc` ([`TestApp`]).
//!
//! PostgreSQL: `LATCHKEY_TEST_PG_URL` names a server on which the harness may create and drop
//! databases; without it the harness starts PostgreSQL itself (see [`TestDb::postgres`]).
//! `TEST_LOG=debug` (any log filter) shows the server's log.

use actix_web::http::header::HeaderMap;
use actix_web::http::{Method, StatusCode};
use latchkey_domain::accounts::AccountFlags;
use latchkey_server::config::{Settings, Source};
use latchkey_server::startup::{self, Application};
use serde_json::Value;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The HMAC key every test server signs with (long enough for production rules too).
pub const SIGNING_KEY: &str = "latchkey-e2e-test-signing-key-0123456789abcdef";

/// How long one HTTP request may take before the test fails (debug builds, busy CI machines).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A user of the contract's fixture (`../shared/contract/fixture.json`).
#[derive(Debug, Clone, Copy)]
pub struct FixtureUser {
    pub username: &'static str,
    pub password: &'static str,
    pub email: &'static str,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
}

pub const ALICE: FixtureUser = FixtureUser {
    username: "alice",
    password: "alice-pass-123",
    email: "alice@example.com",
    is_active: true,
    is_staff: false,
    is_superuser: false,
};
pub const BOB: FixtureUser = FixtureUser {
    username: "bob",
    password: "bob-pass-123",
    email: "bob@example.com",
    is_active: true,
    is_staff: false,
    is_superuser: false,
};
/// Inactive: can neither log in nor authenticate.
pub const CAROL: FixtureUser = FixtureUser {
    username: "carol",
    password: "carol-pass-123",
    email: "carol@example.com",
    is_active: false,
    is_staff: false,
    is_superuser: false,
};
pub const ADMIN: FixtureUser = FixtureUser {
    username: "admin",
    password: "admin-pass-123",
    email: "admin@example.com",
    is_active: true,
    is_staff: true,
    is_superuser: true,
};
pub const FIXTURE_USERS: [FixtureUser; 4] = [ALICE, BOB, CAROL, ADMIN];

// ---------------------------------------------------------------------------------------------
// Databases
// ---------------------------------------------------------------------------------------------

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

/// A fresh, empty database for one test, removed when dropped: a file in its own temporary
/// directory, or a database with a random name on the test PostgreSQL server.
pub struct TestDb {
    url: String,
    place: Place,
}

enum Place {
    /// The directory is removed with the database when dropped.
    Sqlite {
        _dir: tempfile::TempDir,
        file: PathBuf,
    },
    Postgres {
        server: &'static PgServer,
        name: String,
    },
}

impl TestDb {
    pub fn sqlite() -> Self {
        let dir = tempfile::Builder::new().prefix("latchkey-e2e-").tempdir().expect("a temporary directory");
        let file = dir.path().join("latchkey.sqlite3");
        Self { url: format!("sqlite://{}", file.display()), place: Place::Sqlite { _dir: dir, file } }
    }

    /// A new database on the test PostgreSQL server, which is found or started once per test
    /// binary:
    ///
    /// 1. `LATCHKEY_TEST_PG_URL` when set (a server URL; the harness creates and drops
    ///    databases there);
    /// 2. as root with Debian's cluster tools (`pg_lsclusters`): the first cluster, started if
    ///    down, with the `postgres` role's password set to `postgres`;
    /// 3. else a private cluster made with `initdb` in a temporary directory (as the `postgres`
    ///    user when running as root), on a free port, stopped and removed after the tests;
    /// 4. else a panic saying how to install PostgreSQL.
    pub fn postgres() -> Self {
        let server = match pg_server() {
            Ok(server) => server,
            Err(message) => panic!("{message}"),
        };
        let name = unique_name();
        if let Err(err) = server.psql(&format!("CREATE DATABASE {name}")) {
            panic!("cannot create test database {name} on {}: {err}", server.redacted());
        }
        Self { url: format!("{}/{name}", server.url), place: Place::Postgres { server, name } }
    }

    pub fn kind(&self) -> DbKind {
        match self.place {
            Place::Sqlite { .. } => DbKind::Sqlite,
            Place::Postgres { .. } => DbKind::Postgres,
        }
    }

    /// The `DATABASE_URL` the server is given.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Everything the database holds, as bytes to search: on SQLite the database file and its
    /// WAL as they are on disk (every row, and free pages too); on PostgreSQL every row of every
    /// table of the public schema, read with `COPY … TO STDOUT` (`bytea` shows as hex).
    pub fn dump(&self) -> Vec<u8> {
        match &self.place {
            Place::Sqlite { file, .. } => {
                let mut bytes = Vec::new();
                for suffix in ["", "-wal", "-journal"] {
                    let mut path = file.clone().into_os_string();
                    path.push(suffix);
                    if let Ok(content) = std::fs::read(&path) {
                        bytes.extend_from_slice(&content);
                    }
                }
                assert!(!bytes.is_empty(), "the SQLite database {} is missing", file.display());
                bytes
            }
            Place::Postgres { server, name } => {
                let url = format!("{}/{name}", server.url);
                let tables = psql_at(&server.psql, &url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                    .unwrap_or_else(|err| panic!("cannot list the tables of {name}: {err}"));
                let mut bytes = Vec::new();
                for table in tables.lines().map(str::trim).filter(|t| !t.is_empty()) {
                    let rows = psql_at(&server.psql, &url, &format!("COPY \"{table}\" TO STDOUT"))
                        .unwrap_or_else(|err| panic!("cannot read table {table}: {err}"));
                    bytes.extend_from_slice(format!("-- {table}\n").as_bytes());
                    bytes.extend_from_slice(rows.as_bytes());
                }
                bytes
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Place::Postgres { server, name } = &self.place {
            // FORCE: the server's pool may still hold connections while it shuts down.
            if let Err(err) = server.psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")) {
                eprintln!("latchkey-tests: could not drop test database {name}: {err}");
            }
        }
    }
}

/// A database name no other test (in this process or another) uses.
fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("latchkey_e2e_{}_{}_{nanos:09}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The PostgreSQL server the tests of this binary share.
struct PgServer {
    /// `postgres://user:password@host:port`, without a database.
    url: String,
    /// The `psql` to run.
    psql: PathBuf,
    /// For a private cluster: the watchdog that stops it once this process has exited.
    _watchdog: Option<Child>,
}

impl PgServer {
    fn psql(&self, sql: &str) -> Result<String, String> {
        psql_at(&self.psql, &format!("{}/postgres", self.url), sql)
    }

    fn redacted(&self) -> String {
        latchkey_server::config::redact_url(&self.url)
    }
}

fn psql_at(psql: &Path, url: &str, sql: &str) -> Result<String, String> {
    let output = Command::new(psql)
        .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
        .env("PGCONNECT_TIMEOUT", "10")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", psql.display()))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(describe(&output))
    }
}

fn describe(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    [output.status.to_string(), stderr.trim().to_owned(), stdout.trim().to_owned()]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
}

fn pg_server() -> Result<&'static PgServer, String> {
    static SERVER: OnceLock<Result<PgServer, String>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            let server = find_or_start_postgres()?;
            // Shown with the output of a failing test.
            eprintln!("latchkey-tests: PostgreSQL at {}", server.redacted());
            Ok(server)
        })
        .as_ref()
        .map_err(Clone::clone)
}

const INSTALL_HINT: &str = "PostgreSQL is needed for the PostgreSQL end-to-end tests. Install it \
     (Debian/Ubuntu: `apt-get install postgresql`), or set LATCHKEY_TEST_PG_URL to a server the \
     tests may create and drop databases on, e.g. postgres://postgres:postgres@127.0.0.1:5432";

fn find_or_start_postgres() -> Result<PgServer, String> {
    if let Ok(url) = std::env::var("LATCHKEY_TEST_PG_URL")
        && !url.trim().is_empty()
    {
        let psql = find_program("psql", None).ok_or_else(|| format!("psql not found. {INSTALL_HINT}"))?;
        let server = PgServer { url: server_url(url.trim()), psql, _watchdog: None };
        server.psql("SELECT 1").map_err(|e| format!("LATCHKEY_TEST_PG_URL={}: {e}", server.redacted()))?;
        return Ok(server);
    }
    let root = is_root();
    if root && find_program("pg_lsclusters", None).is_some() {
        match debian_cluster() {
            Ok(Some(server)) => return Ok(server),
            Ok(None) => {}
            Err(err) => eprintln!("latchkey-tests: Debian's PostgreSQL cluster is unusable ({err}); trying initdb"),
        }
    }
    private_cluster(root)
}

/// `postgres://u:p@h:5432/db?x` → `postgres://u:p@h:5432`.
fn server_url(url: &str) -> String {
    let url = url.trim_end_matches('/');
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.split(['/', '?']).next().unwrap_or(rest);
            format!("{scheme}://{authority}")
        }
        None => url.to_owned(),
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// `name` on `PATH`, or in `dir`.
fn find_program(name: &str, dir: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = dir.map(|d| d.join(name)).filter(|p| p.is_file()) {
        return Some(path);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

fn run(command: &mut Command) -> Result<String, String> {
    let output = command.stdin(Stdio::null()).output().map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!("{command:?}: {}", describe(&output)))
    }
}

/// Debian's packaged cluster (`pg_lsclusters`), started if it is down.
fn debian_cluster() -> Result<Option<PgServer>, String> {
    let listing = run(Command::new("pg_lsclusters").arg("--no-header"))?;
    // Ver Cluster Port Status Owner Data-directory Log-file
    let Some(fields) = listing.lines().map(|l| l.split_whitespace().collect::<Vec<_>>()).find(|f| f.len() >= 4) else {
        return Ok(None);
    };
    let (version, cluster, port, status) = (fields[0], fields[1], fields[2], fields[3]);
    if !status.starts_with("online") {
        run(Command::new("pg_ctlcluster").args([version, cluster, "start"]))?;
    }
    run(Command::new("runuser").current_dir("/").args([
        "-u",
        "postgres",
        "--",
        "psql",
        "-X",
        "-q",
        "-p",
        port,
        "-c",
        "ALTER USER postgres PASSWORD 'postgres'",
    ]))?;
    let psql = find_program("psql", None).ok_or("psql not found")?;
    let server = PgServer { url: format!("postgres://postgres:postgres@127.0.0.1:{port}"), psql, _watchdog: None };
    server.psql("SELECT 1")?;
    Ok(Some(server))
}

/// The directory of the newest `/usr/lib/postgresql/*/bin/initdb`, else of `initdb` on `PATH`.
fn postgres_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let initdb = find_program("initdb", None)?;
    let initdb = std::fs::canonicalize(&initdb).unwrap_or(initdb);
    initdb.parent().map(Path::to_path_buf)
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// A cluster of our own in a temporary directory. `initdb` refuses to run as root, so as root
/// the cluster belongs to the `postgres` user.
fn private_cluster(root: bool) -> Result<PgServer, String> {
    let bin = postgres_bin_dir().ok_or_else(|| format!("initdb not found. {INSTALL_HINT}"))?;
    let as_owner = |program: &str| {
        let program = bin.join(program);
        let mut command = if root {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        command.current_dir("/");
        command
    };
    if root && run(Command::new("id").args(["-u", "postgres"])).is_err() {
        return Err(format!("running as root, but there is no `postgres` user to own a test cluster. {INSTALL_HINT}"));
    }
    let dir = tempfile::Builder::new()
        .prefix("latchkey-e2e-pg-")
        .tempdir()
        .map_err(|e| format!("cannot create a directory for the test cluster: {e}"))?
        .keep();
    if root {
        run(Command::new("chown").arg("postgres:postgres").arg(&dir))?;
    }
    let data = dir.join("data");
    run(as_owner("initdb").arg("-D").arg(&data).args([
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
    ]))?;
    let port = free_port()?;
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
         -c full_page_writes=off -c max_connections=300",
        dir.display()
    );
    run(as_owner("pg_ctl")
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(dir.join("postgres.log"))
        .args(["-w", "-t", "60", "-o", &options, "start"]))
    .map_err(|e| format!("{e} (log: {})", dir.join("postgres.log").display()))?;

    // Stop the cluster and remove it once this test process has exited, whichever way it exits.
    let stop = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {runas}'{pg_ctl}' -D '{data}' -m immediate stop; rm -rf '{dir}'",
        pid = std::process::id(),
        runas = if root { "runuser -u postgres -- " } else { "" },
        pg_ctl = bin.join("pg_ctl").display(),
        data = data.display(),
        dir = dir.display(),
    );
    let watchdog = Command::new("sh")
        .args(["-c", &stop])
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the cluster's watchdog: {e}"))?;
    let psql = find_program("psql", Some(&bin)).ok_or("psql not found")?;
    let server =
        PgServer { url: format!("postgres://postgres:postgres@127.0.0.1:{port}"), psql, _watchdog: Some(watchdog) };
    server.psql("SELECT 1")?;
    Ok(server)
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

/// The settings a test server starts with, `extra_env` last (so it overrides).
pub fn test_settings(db: &TestDb, extra_env: &[(&str, &str)]) -> Settings {
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
    pub settings: Settings,
    client: awc::Client,
    server: actix_web::rt::task::JoinHandle<std::io::Result<()>>,
    // Declared last: dropped after the server task has been told to stop.
    pub db: TestDb,
}

impl TestApp {
    /// Builds the server through [`Application::build`] on port 0 and serves it on the current
    /// actix runtime (tests use `#[actix_web::test]`).
    pub fn spawn(db: TestDb, extra_env: &[(&str, &str)]) -> TestApp {
        init_logging();
        let settings = test_settings(&db, extra_env);
        let app = match Application::build(&settings) {
            Ok(app) => app,
            Err(err) => panic!("the server did not start on {:?}: {err}", db.kind()),
        };
        let port = app.port();
        let server = actix_web::rt::spawn(app.run_until_stopped());
        let client = awc::Client::builder().timeout(REQUEST_TIMEOUT).disable_redirects().finish();
        TestApp { address: format!("http://127.0.0.1:{port}"), port, settings, client, server, db }
    }

    /// Creates the fixture users (alice, bob, carol inactive, admin) the way `cargo xtask seed`
    /// does: through the account service with every "user created" hook, so each gets an
    /// opaque key.
    pub async fn seed_fixture(&self) {
        self.create_users(&FIXTURE_USERS).await;
    }

    pub async fn create_users(&self, users: &[FixtureUser]) {
        let settings = Settings { db_pool_size: 1, run_migrations: false, ..self.settings.clone() };
        let users = users.to_vec();
        let created = actix_web::rt::task::spawn_blocking(move || create_users(&settings, &users)).await;
        match created {
            Ok(Ok(())) => {}
            Ok(Err(err)) => panic!("seeding failed: {err}"),
            Err(err) => panic!("seeding task failed: {err}"),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn client(&self) -> &awc::Client {
        &self.client
    }

    fn build(&self, method: Method, path: &str, headers: &[(&str, &str)]) -> awc::ClientRequest {
        let mut request = self.client.request(method, self.url(path));
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        request
    }

    /// A request without a body, any method.
    pub async fn request(&self, method: Method, path: &str, headers: &[(&str, &str)]) -> TestResponse {
        TestResponse::from_send(self.build(method, path, headers).send()).await
    }

    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> TestResponse {
        self.request(Method::GET, path, headers).await
    }

    pub async fn post_json(&self, path: &str, body: &Value, headers: &[(&str, &str)]) -> TestResponse {
        TestResponse::from_send(self.build(Method::POST, path, headers).send_json(body)).await
    }

    /// `application/x-www-form-urlencoded`.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> TestResponse {
        TestResponse::from_send(self.build(Method::POST, path, headers).send_form(&fields)).await
    }

    /// Any body, with the given content type or none at all.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<Vec<u8>>,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut request = self.build(Method::POST, path, headers);
        if let Some(content_type) = content_type {
            request = request.insert_header(("content-type", content_type));
        }
        TestResponse::from_send(request.send_body(body.into())).await
    }

    /// `POST /api/token/`: a JWT pair, asserting success.
    pub async fn obtain_pair(&self, username: &str, password: &str) -> (String, String) {
        let response =
            self.post_json("/api/token/", &serde_json::json!({"username": username, "password": password}), &[]).await;
        assert_eq!(response.status, StatusCode::OK, "obtain pair for {username}: {}", response.text());
        let body = response.json();
        (string_field(&body, "access"), string_field(&body, "refresh"))
    }

    /// `POST /auth/token/`: the user's opaque key, asserting success.
    pub async fn opaque_key(&self, username: &str, password: &str) -> String {
        let response =
            self.post_json("/auth/token/", &serde_json::json!({"username": username, "password": password}), &[]).await;
        assert_eq!(response.status, StatusCode::OK, "opaque key for {username}: {}", response.text());
        string_field(&response.json(), "token")
    }

    /// `POST /api/register/`, asserting 201.
    pub async fn register(&self, username: &str, password: &str) -> Value {
        let body =
            serde_json::json!({"username": username, "password": password, "email": format!("{username}@example.com")});
        let response = self.post_json("/api/register/", &body, &[]).await;
        assert_eq!(response.status, StatusCode::CREATED, "register {username}: {}", response.text());
        response.json()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Dropping the server future stops its workers and its acceptor.
        self.server.abort();
    }
}

fn string_field(body: &Value, name: &str) -> String {
    match body.get(name).and_then(Value::as_str) {
        Some(value) => value.to_owned(),
        None => panic!("no string {name:?} in {body}"),
    }
}

fn create_users(settings: &Settings, users: &[FixtureUser]) -> Result<(), String> {
    let database = startup::connect(settings).map_err(|e| e.to_string())?;
    let keys = startup::keys(settings).map_err(|e| e.to_string())?;
    let hasher = startup::password_hasher(settings).map_err(|e| e.to_string())?;
    let opaque = startup::opaque_keys(Arc::new(database.clone()), &keys.opaque_secret).map_err(|e| e.to_string())?;
    let accounts = startup::accounts(Arc::new(database.clone()), hasher, opaque);
    for user in users {
        let flags =
            AccountFlags { is_active: user.is_active, is_staff: user.is_staff, is_superuser: user.is_superuser };
        accounts
            .create_user(user.username, user.email, user.password, flags)
            .map_err(|e| format!("cannot create user {}: {e}", user.username))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

/// A response read to the end.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    async fn from_send(send: awc::SendClientRequest) -> TestResponse {
        let mut response = match send.await {
            Ok(response) => response,
            Err(err) => panic!("request failed: {err}"),
        };
        let body = match response.body().limit(16 * 1024 * 1024).await {
            Ok(body) => body.to_vec(),
            Err(err) => panic!("cannot read the response body: {err}"),
        };
        TestResponse { status: response.status(), headers: response.headers().clone(), body }
    }

    /// A header's value as text (`None` when absent or not visible ASCII).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics (naming the body) when it is not.
    pub fn json(&self) -> Value {
        match serde_json::from_slice(&self.body) {
            Ok(value) => value,
            Err(err) => panic!("body is not JSON ({err}): {:?} (status {})", self.text(), self.status),
        }
    }
}

/// Decodes unpadded base64url (a JWT segment).
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// The claims of a JWT, without checking anything.
pub fn jwt_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).and_then(base64url_decode);
    match payload.and_then(|p| serde_json::from_slice(&p).ok()) {
        Some(claims) => claims,
        None => panic!("not a JWT: {token:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_lose_their_database() {
        assert_eq!(server_url("postgres://u:p@h:5432/db?sslmode=disable"), "postgres://u:p@h:5432");
        assert_eq!(server_url("postgres://u:p@h:5432/"), "postgres://u:p@h:5432");
        assert_eq!(server_url("postgresql://h"), "postgresql://h");
    }

    #[test]
    fn decodes_base64url() {
        assert_eq!(base64url_decode("eyJhIjoxfQ").as_deref(), Some(&b"{\"a\":1}"[..]));
        assert_eq!(base64url_decode("_-8").as_deref(), Some(&[0xff, 0xef][..]));
        assert!(base64url_decode("a+b").is_none());
    }

    #[test]
    fn names_are_unique() {
        assert_ne!(unique_name(), unique_name());
    }
}
