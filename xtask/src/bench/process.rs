//! The processes a benchmark starts (the server under test, the Django oracle) and the
//! databases it creates; each is stopped or dropped when its guard goes out of scope.

use anyhow::{Context as _, anyhow, bail};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

pub fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("no free port")?;
    Ok(listener.local_addr()?.port())
}

/// A server process, stopped with SIGTERM (then SIGKILL) on drop.
pub struct Server {
    child: Child,
    pub url: String,
    pub name: &'static str,
}

impl Server {
    pub fn start(name: &'static str, mut command: Command, port: u16, log: &Path) -> anyhow::Result<Self> {
        let log_file = std::fs::File::create(log).with_context(|| log.display().to_string())?;
        let err_file = log_file.try_clone()?;
        let child = command
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(err_file)
            .spawn()
            .with_context(|| format!("cannot start {name}"))?;
        let mut server = Server { child, url: format!("http://127.0.0.1:{port}"), name };
        server.wait_ready(log)?;
        Ok(server)
    }

    fn wait_ready(&mut self, log: &Path) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(600);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                let tail = std::fs::read_to_string(log).unwrap_or_default();
                bail!("{} exited early ({status}):\n{tail}", self.name);
            }
            if curl(&["-s", "-o", "/dev/null", "-w", "%{http_code}", &format!("{}/", self.url)])
                .is_ok_and(|code| code == "200")
            {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(250));
        }
        Err(anyhow!("{} did not answer within 600 s (log: {})", self.name, log.display()))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Peak resident set size of the process so far (VmHWM), in MiB.
    pub fn peak_rss_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A database for one run: a SQLite file in a temporary directory, or a PostgreSQL database
/// dropped afterwards.
pub enum BenchDb {
    Sqlite { dir: PathBuf, url: String },
    Postgres { server: String, name: String, url: String },
}

impl BenchDb {
    pub fn sqlite(dir: &Path) -> Self {
        let url = format!("sqlite://{}", dir.join("bench.sqlite3").display());
        BenchDb::Sqlite { dir: dir.to_owned(), url }
    }

    pub fn postgres(server: &str) -> anyhow::Result<Self> {
        let name = format!("latchkey_bench_{}", std::process::id());
        psql(server, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
        psql(server, &format!("CREATE DATABASE {name}"))?;
        let url = format!("{}/{name}", server.trim_end_matches('/'));
        Ok(BenchDb::Postgres { server: server.to_owned(), name, url })
    }

    pub fn url(&self) -> &str {
        match self {
            BenchDb::Sqlite { url, .. } | BenchDb::Postgres { url, .. } => url,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            BenchDb::Sqlite { dir, .. } => format!("SQLite (WAL) in {}", dir.display()),
            BenchDb::Postgres { name, .. } => format!("PostgreSQL database {name}"),
        }
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        if let BenchDb::Postgres { server, name, .. } = self {
            let _ = psql(server, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

fn psql(server: &str, sql: &str) -> anyhow::Result<()> {
    let admin = format!("{}/postgres", server.trim_end_matches('/'));
    let output = Command::new("psql").args([admin.as_str(), "-qc", sql]).output().context("cannot run psql")?;
    if output.status.success() {
        Ok(())
    } else {
        Err(anyhow!("psql {sql:?}: {}", String::from_utf8_lossy(&output.stderr).trim()))
    }
}

/// Runs curl and returns its stdout.
pub fn curl(args: &[&str]) -> anyhow::Result<String> {
    let output = Command::new("curl").args(args).output().context("cannot run curl")?;
    if !output.status.success() {
        bail!("curl {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// POSTs a form and returns the named field of the JSON answer.
pub fn post_form_field(url: &str, form: &[(&str, &str)], field: &str) -> anyhow::Result<String> {
    let mut args: Vec<String> = vec!["-s".into(), "-X".into(), "POST".into()];
    for (k, v) in form {
        args.push("--data-urlencode".into());
        args.push(format!("{k}={v}"));
    }
    args.push(url.into());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let body = curl(&refs)?;
    let value: serde_json::Value = serde_json::from_str(&body).with_context(|| format!("{url} answered {body:?}"))?;
    value.get(field).and_then(|v| v.as_str()).map(str::to_owned).ok_or_else(|| anyhow!("{url} answered {body}"))
}
