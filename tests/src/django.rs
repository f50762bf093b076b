//! [`DjangoProject`]: a database that Django itself made and filled, for the import tests.
//!
//! `tests/django/make_django_db.py` runs the oracle project's `migrate` and creates users in
//! every password format, DRF keys and simplejwt tokens with Django's own code; the oracle's
//! venv (`../shared/oracle/.venv`) is made by `tests/django/oracle-venv.sh` when missing.

use latchkey_test_db::{Backend, TestDatabase};
use serde::Deserialize;
use std::path::PathBuf;
use std::process::Command;

/// The Django settings' `SECRET_KEY`, which simplejwt signs with; the Latchkey server under test
/// is given the same key, as docs/migrating-from-django.md tells a real project to do.
pub const DJANGO_SECRET_KEY: &str = "django-e2e-secret-key-shared-with-latchkey-0123456789";

/// A user as the script made them.
#[derive(Debug, Clone, Deserialize)]
pub struct DjangoUser {
    pub id: i64,
    pub username: String,
    /// `None` for the user whose password is unusable.
    pub password: Option<String>,
    /// The hasher Django used (`pbkdf2_sha256`, …, `unusable`).
    pub format: String,
    pub is_active: bool,
    /// The DRF key Django issued.
    pub key: String,
}

/// The credentials the script handed out, for the tests to present.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    pub users: Vec<DjangoUser>,
    /// An access token simplejwt issued to alice.
    pub access: String,
    /// alice's refresh token that is still outstanding.
    pub refresh_outstanding: String,
    /// alice's refresh token that simplejwt blacklisted.
    pub refresh_blacklisted: String,
    pub alice_id: i64,
}

impl Manifest {
    pub fn user(&self, username: &str) -> &DjangoUser {
        match self.users.iter().find(|u| u.username == username) {
            Some(user) => user,
            None => panic!("no user {username} in the Django manifest"),
        }
    }
}

/// A database made by Django (dropped with it) and what was put in it.
pub struct DjangoProject {
    pub db: TestDatabase,
    pub manifest: Manifest,
}

pub fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(relative)
}

/// The Python of the oracle's venv, made once if missing; asked for once per test process.
pub fn oracle_python() -> PathBuf {
    static PYTHON: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PYTHON.get_or_init(find_oracle_python).clone()
}

fn find_oracle_python() -> PathBuf {
    let script = repo_path("tests/django/oracle-venv.sh");
    let output =
        Command::new("bash").arg(&script).output().unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    if !output.status.success() {
        panic!(
            "{} failed (the import tests need the Django oracle's venv): {}",
            script.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}

impl DjangoProject {
    /// A fresh database on `backend`, migrated and filled by Django; `bulk` extra users.
    pub fn create(backend: Backend, bulk: usize) -> DjangoProject {
        let db = TestDatabase::empty(backend);
        let manifest_file = tempfile_path();
        let mut command = Command::new(oracle_python());
        command
            .arg(repo_path("tests/django/make_django_db.py"))
            .arg("--manifest")
            .arg(&manifest_file)
            .arg("--bulk")
            .arg(bulk.to_string())
            .env("SECRET_KEY", DJANGO_SECRET_KEY)
            .env_remove("ORACLE_DB")
            .env_remove("ORACLE_DATABASE_URL");
        match db.sqlite_file() {
            Some(file) => command.env("ORACLE_DB", file),
            None => command.env("ORACLE_DATABASE_URL", db.url()),
        };
        let output = command.output().unwrap_or_else(|e| panic!("cannot run make_django_db.py: {e}"));
        if !output.status.success() {
            panic!("make_django_db.py failed on {backend}: {}", String::from_utf8_lossy(&output.stderr));
        }
        let text = std::fs::read_to_string(&manifest_file).unwrap_or_else(|e| panic!("no manifest: {e}"));
        let _ = std::fs::remove_file(&manifest_file);
        let manifest = serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad manifest ({e}): {text}"));
        DjangoProject { db, manifest }
    }

    /// The URL `import-django --from` takes.
    pub fn url(&self) -> &str {
        self.db.url()
    }
}

fn tempfile_path() -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    std::env::temp_dir().join(format!(
        "latchkey-django-manifest-{}-{}.json",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}
