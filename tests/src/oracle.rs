//! The Django oracle (`../shared/oracle`: Django, DRF, simplejwt) as a running server, for
//! scenarios that compare Latchkey's bytes with DRF's own. Started with `run.sh` on a fresh
//! SQLite file and a free port; stopped when dropped.

use crate::client::Client;
use crate::django::{oracle_python, repo_path};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Migrating and loading the fixture (PBKDF2 at 1,000,000 iterations per user) take seconds.
const START_TIMEOUT: Duration = Duration::from_secs(180);

pub struct OracleServer {
    pub address: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl OracleServer {
    /// The oracle with `env` (its `LATCHKEY_*` settings, see its README) on a fresh database.
    pub fn start(env: &[(&str, &str)]) -> OracleServer {
        // Makes the venv when missing, under the harness's lock.
        let python = oracle_python();
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary directory: {e}"));
        let port = free_port();
        let script = repo_path("../shared/oracle/run.sh");
        let mut command = Command::new("bash");
        command
            .arg(&script)
            .arg(port.to_string())
            .arg("2")
            .env("ORACLE_DB", dir.path().join("oracle.sqlite3"))
            .env("ORACLE_VENV", python.parent().and_then(|bin| bin.parent()).unwrap_or(&python))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("the oracle exited before serving: {status}");
            }
            assert!(started.elapsed() < START_TIMEOUT, "the oracle did not listen within {START_TIMEOUT:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
        OracleServer { address: format!("http://127.0.0.1:{port}"), child, _dir: dir }
    }

    /// Requests without credentials, to the oracle.
    pub fn anonymous(&self) -> Client {
        Client::to_address(&self.address)
    }
}

impl Drop for OracleServer {
    fn drop(&mut self) {
        // run.sh became gunicorn's master: TERM stops it and its workers.
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}
