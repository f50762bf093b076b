//! The binary's commands, run as an operator runs them: the built `latchkey-server` with
//! arguments and the environment, on a fresh SQLite file and a fresh PostgreSQL database.

use latchkey_test_db::{Backend, TestDatabase};
use std::io::Write;
use std::process::{Command, Output, Stdio};

const SIGNING_KEY: &str = "latchkey-cli-test-signing-key-0123456789abcdef";

/// `latchkey-server ARGS` with `DATABASE_URL` and the test's key, `stdin` piped in.
fn run(db_url: &str, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    // Outside the source tree, so that no developer's `.env` is read.
    let cwd = std::env::temp_dir();
    let mut command = Command::new(env!("CARGO_BIN_EXE_latchkey-server"));
    command
        .current_dir(cwd)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATABASE_URL", db_url)
        .env("LATCHKEY_SIGNING_KEY", SIGNING_KEY)
        .env("LATCHKEY_BCRYPT_COST", "4")
        .env("LATCHKEY_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot run latchkey-server: {e}"));
    if let Some(mut input) = child.stdin.take() {
        // A command that fails before reading its input closes the pipe: not the test's failure.
        match input.write_all(stdin.as_bytes()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("stdin: {e}"),
            _ => {}
        }
    }
    child.wait_with_output().unwrap_or_else(|e| panic!("latchkey-server {args:?}: {e}"))
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn succeeds(db_url: &str, args: &[&str], stdin: &str) -> String {
    let output = run(db_url, args, &[], stdin);
    assert!(output.status.success(), "{args:?}: {}{}", stdout(&output), stderr(&output));
    stdout(&output)
}

#[test]
fn help_and_version_need_no_configuration() {
    let output = run("mysql://nowhere", &["--help"], &[], "");
    assert!(output.status.success(), "{}", stderr(&output));
    let help = stdout(&output);
    for command in [
        "serve",
        "migrate",
        "createuser",
        "create-token",
        "flush-expired-tokens",
        "revoke-sessions",
        "unlock",
        "import-django",
        "check",
    ] {
        assert!(help.contains(command), "{command} missing from --help:\n{help}");
    }
    let output = run("mysql://nowhere", &["--version"], &[], "");
    assert_eq!(stdout(&output).trim(), format!("latchkey-server {}", env!("CARGO_PKG_VERSION")));
    let output = run("mysql://nowhere", &["no-such-command"], &[], "");
    assert_eq!(output.status.code(), Some(2), "clap's usage error");
}

/// Every administrative command on a fresh database, as a new operator would run them.
fn the_operators_commands(backend: Backend) {
    let db = TestDatabase::empty(backend);
    let url = db.url();
    let check = succeeds(url, &["check"], "");
    assert!(check.contains("pending, applied when the server starts") && check.contains("check: ok"), "{check}");
    let refused = run(url, &["check"], &[("LATCHKEY_RUN_MIGRATIONS", "false")], "");
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("latchkey-server migrate"), "{}", stderr(&refused));

    assert!(succeeds(url, &["migrate"], "").contains("Applied "));
    assert!(succeeds(url, &["migrate"], "").contains("No migrations to apply."));
    assert!(succeeds(url, &["check"], "").contains("migrations: all applied"));

    let created = succeeds(url, &["createuser", "dora", "--email", "dora@example.com"], "dora-pass-123\n");
    assert!(created.starts_with("User dora created (id "), "{created}");
    let taken = run(url, &["createuser", "dora"], &[], "x\n");
    assert_eq!(taken.status.code(), Some(1));
    assert!(stderr(&taken).contains("Error: That username is already taken: dora"), "{}", stderr(&taken));

    let token = succeeds(url, &["create-token", "dora"], "");
    let key = token.trim().strip_prefix("Generated token ").and_then(|rest| rest.split(' ').next()).unwrap_or("");
    assert_eq!(key.len(), 40, "{token}");
    assert!(succeeds(url, &["create-token", "dora"], "").contains(key), "the same key again");
    assert!(!succeeds(url, &["create-token", "dora", "--reset"], "").contains(key), "a new key");
    let unknown = run(url, &["create-token", "nobody"], &[], "");
    assert!(stderr(&unknown).contains("user nobody does not exist"), "{}", stderr(&unknown));

    assert!(succeeds(url, &["revoke-sessions", "dora"], "").contains("Ended every session of dora"));
    assert!(succeeds(url, &["unlock", "dora"], "").contains("no failed logins to forget"));
    let flushed = succeeds(url, &["flush-expired-tokens"], "");
    assert!(
        flushed.contains("Deleted 0 expired outstanding token(s).") && flushed.contains("failed-login"),
        "{flushed}"
    );
}

#[test]
fn the_operators_commands_on_sqlite() {
    the_operators_commands(Backend::Sqlite);
}

#[test]
fn the_operators_commands_on_postgres() {
    the_operators_commands(Backend::Postgres);
}

/// `check` fails, with the reason and a non-zero status, when the database cannot be reached
/// or the configuration is wrong.
#[test]
fn check_says_why_it_fails() {
    let output =
        run("postgres://latchkey:secret-pw@127.0.0.1:1/none", &["check"], &[("LATCHKEY_DB_CONNECT_TIMEOUT", "1")], "");
    assert_eq!(output.status.code(), Some(1));
    let said = stderr(&output);
    assert!(said.contains("127.0.0.1:1") && !said.contains("secret-pw"), "{said}");
    // What only building the services finds: an unknown scheme, as serving would.
    let db = TestDatabase::new(Backend::Sqlite);
    let output = run(db.url(), &["check"], &[("LATCHKEY_AUTH_SCHEMES", "jwt,tokn")], "");
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("LATCHKEY_AUTH_SCHEMES"), "{}", stderr(&output));
    let output = run("sqlite://x.sqlite3", &["check"], &[("LATCHKEY_ACCESS_TOKEN_LIFETIME", "soon")], "");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("LATCHKEY_ACCESS_TOKEN_LIFETIME"), "{}", stderr(&output));
}
