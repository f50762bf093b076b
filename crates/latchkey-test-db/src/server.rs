//! The PostgreSQL server the tests of one process share: found or started once, on first use.

use diesel::{Connection, PgConnection, RunQueryDsl};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};

const INSTALL_HINT: &str = "PostgreSQL is needed for the PostgreSQL tests. Install it \
     (Debian/Ubuntu: `apt-get install postgresql`), or set LATCHKEY_TEST_PG_URL to a server the \
     tests may create and drop databases on, e.g. postgres://postgres:postgres@127.0.0.1:5432";

/// A server on which the tests may create and drop databases.
pub(crate) struct PgServer {
    /// `postgres://user:password@host:port`, without a database.
    base: String,
    /// The query string of `LATCHKEY_TEST_PG_URL` (with its `?`), kept on every database URL,
    /// plus `sslmode=disable` unless it names an `sslmode` (see `without_tls_unless_asked`).
    query: String,
    /// Connections to the `postgres` database, for `CREATE` and `DROP DATABASE`: reused, since a
    /// new one costs a password exchange (and TLS on Debian's cluster) per test database.
    idle: Mutex<Vec<PgConnection>>,
    /// The migrated template database, made on first use (see `template`).
    pub(crate) template: OnceLock<Result<String, String>>,
    /// For a private cluster: the watchdog that stops it once this process has exited.
    _watchdog: Option<Child>,
}

impl PgServer {
    /// The server of this process, found or started on the first call:
    ///
    /// 1. `LATCHKEY_TEST_PG_URL` when set (a server URL; a database name in it is ignored);
    /// 2. as root with Debian's cluster tools (`pg_lsclusters`): the first cluster, started if
    ///    down, with the `postgres` role's password set to `postgres`;
    /// 3. else a private cluster made with `initdb` in a temporary directory (as the `postgres`
    ///    user when running as root), on a free port, stopped and removed after the tests;
    /// 4. else a panic saying how to install PostgreSQL.
    pub(crate) fn get() -> &'static PgServer {
        static SERVER: OnceLock<Result<PgServer, String>> = OnceLock::new();
        let server = SERVER.get_or_init(|| {
            let server = find_or_start_postgres()?;
            // Shown with the output of a failing test.
            eprintln!("latchkey-test-db: PostgreSQL at {}", server.redacted());
            Ok(server)
        });
        match server {
            Ok(server) => server,
            Err(message) => panic!("{message}"),
        }
    }

    fn new(base: String, query: String, watchdog: Option<Child>) -> Self {
        let query = without_tls_unless_asked(query);
        PgServer { base, query, idle: Mutex::new(Vec::new()), template: OnceLock::new(), _watchdog: watchdog }
    }

    /// The URL of database `name` on this server.
    pub(crate) fn url_of(&self, name: &str) -> String {
        format!("{}/{name}{}", self.base, self.query)
    }

    pub(crate) fn redacted(&self) -> String {
        latchkey_store::redact_url(&self.base)
    }

    /// The URL of the `postgres` database. libpq waits for ever on an unreachable host unless
    /// told otherwise; psql's `PGCONNECT_TIMEOUT` did that before.
    fn admin_url(&self) -> String {
        let url = self.url_of("postgres");
        if self.query.contains("connect_timeout=") {
            url
        } else {
            format!("{url}{}connect_timeout=10", if self.query.is_empty() { '?' } else { '&' })
        }
    }

    /// A new connection to the `postgres` database.
    pub(crate) fn connect_admin(&self) -> Result<PgConnection, String> {
        PgConnection::establish(&self.admin_url()).map_err(|e| {
            format!(
                "cannot connect to {}: {}",
                latchkey_store::redact_url(&self.url_of("postgres")),
                e.to_string().trim()
            )
        })
    }

    fn keep(&self, conn: PgConnection) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
    }

    /// Runs `sql` (one statement, no result) on the `postgres` database.
    pub(crate) fn execute(&self, sql: &str) -> Result<(), String> {
        let mut conn = match self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            Some(conn) => conn,
            None => self.connect_admin()?,
        };
        match diesel::sql_query(sql).execute(&mut conn) {
            Ok(_) => {
                self.keep(conn);
                Ok(())
            }
            // The connection may be what failed: it is not kept.
            Err(err) => Err(format!("{sql}: {err}")),
        }
    }
}

/// `postgres://u:p@h:5432/db?x=y` → (`postgres://u:p@h:5432`, `?x=y`).
/// `sslmode=disable` unless the query names an `sslmode`. Debian's cluster has `ssl = on`, so
/// libpq's default (`prefer`) speaks TLS even to 127.0.0.1, and a test binary then crashes now
/// and then at exit (a segfault or double free in OpenSSL's exit-time cleanup while pool
/// threads that used TLS are still winding down; seen about once in 30-45 runs). The tests
/// talk to a local server, where TLS protects nothing; a server that requires it is reached by
/// putting `?sslmode=require` in `LATCHKEY_TEST_PG_URL`.
fn without_tls_unless_asked(query: String) -> String {
    if query.contains("sslmode=") {
        query
    } else if query.is_empty() {
        "?sslmode=disable".to_owned()
    } else {
        format!("{query}&sslmode=disable")
    }
}

fn split_server_url(url: &str) -> (String, String) {
    let url = url.trim();
    let (front, query) = match url.find('?') {
        Some(at) => url.split_at(at),
        None => (url, ""),
    };
    let front = front.trim_end_matches('/');
    let base = match front.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.split('/').next().unwrap_or(rest);
            format!("{scheme}://{authority}")
        }
        None => front.to_owned(),
    };
    (base, query.to_owned())
}

/// The server, once a connection to it succeeded (kept for later use).
fn check(server: PgServer) -> Result<PgServer, String> {
    let conn = server.connect_admin()?;
    server.keep(conn);
    Ok(server)
}

fn find_or_start_postgres() -> Result<PgServer, String> {
    if let Ok(url) = std::env::var("LATCHKEY_TEST_PG_URL")
        && !url.trim().is_empty()
    {
        let (base, query) = split_server_url(&url);
        return check(PgServer::new(base, query, None)).map_err(|e| format!("LATCHKEY_TEST_PG_URL: {e}"));
    }
    let root = is_root();
    if root && find_program("pg_lsclusters", None).is_some() {
        match debian_cluster() {
            Ok(Some(server)) => return Ok(server),
            Ok(None) => {}
            Err(err) => eprintln!("latchkey-test-db: Debian's PostgreSQL cluster is unusable ({err}); trying initdb"),
        }
    }
    private_cluster(root)
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

fn describe(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    [output.status.to_string(), stderr.trim().to_owned(), stdout.trim().to_owned()]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
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
    // Over the local socket as the `postgres` user (peer authentication): TCP needs the password
    // this sets.
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
    check(PgServer::new(format!("postgres://postgres:postgres@127.0.0.1:{port}"), String::new(), None)).map(Some)
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
        .prefix("latchkey-test-pg-")
        .tempdir()
        .map_err(|e| format!("cannot create a directory for the test cluster: {e}"))?
        .keep();
    let data = dir.join("data");
    let initialised = (|| {
        if root {
            run(Command::new("chown").arg("postgres:postgres").arg(&dir))?;
        }
        run(as_owner("initdb").arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]))
    })();
    if let Err(err) = initialised {
        // No server runs there yet, and no watchdog would remove it.
        let _ = std::fs::remove_dir_all(&dir);
        return Err(err);
    }
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
    // Trust authentication: the password is not checked, but keeps the URL's shape.
    check(PgServer::new(format!("postgres://postgres:postgres@127.0.0.1:{port}"), String::new(), Some(watchdog)))
}

#[cfg(test)]
mod tests {
    use super::{split_server_url, without_tls_unless_asked};

    #[test]
    fn tls_is_off_unless_the_url_asks_for_it() {
        assert_eq!(without_tls_unless_asked(String::new()), "?sslmode=disable");
        assert_eq!(without_tls_unless_asked("?connect_timeout=3".into()), "?connect_timeout=3&sslmode=disable");
        assert_eq!(without_tls_unless_asked("?sslmode=require".into()), "?sslmode=require");
    }

    #[test]
    fn server_urls_lose_their_database_but_keep_their_query() {
        let split = |url: &str| split_server_url(url);
        assert_eq!(
            split("postgres://u:p@h:5432/db?sslmode=disable"),
            ("postgres://u:p@h:5432".into(), "?sslmode=disable".into())
        );
        assert_eq!(split("postgres://u:p@h:5432/"), ("postgres://u:p@h:5432".into(), String::new()));
        assert_eq!(split("postgresql://h"), ("postgresql://h".into(), String::new()));
        assert_eq!(split(" postgres://h?x=1 "), ("postgres://h".into(), "?x=1".into()));
    }
}
