//! `cargo xtask bench`: the server under real HTTP load (wrk on loopback), optionally side by
//! side with the Django oracle, printed as one table. Everything it starts, it stops.

mod process;
mod wrk;

use anyhow::{Context as _, anyhow, bail};
use latchkey_domain::PasswordHasher as _;
use latchkey_password::{DjangoHashers, PreferredHasher};
use process::{BenchDb, Server, free_port, post_form_field};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use wrk::{Load, Measurement};

const SIGNING_KEY: &str = "latchkey-bench-signing-key-0123456789abcdef";
const FIXTURE: &str = include_str!("bench/fixture.json");
const USER: &str = "alice";
const PASSWORD: &str = "alice-pass-123";
/// GET /, and GET /api/profile/ with each scheme: the first rows, whose ratios are targets.
const COMPARED_ROWS: usize = 3;
const INTERLEAVED_ROUNDS: u32 = 3;
/// The Bearer row again on servers with one feature on, beside the first on the same
/// database, interleaved with the compared rows: what the feature costs. The user throttle is
/// on at a rate no bench reaches (at most 5 % of the Bearer row, issue 12); metrics are
/// recorded and served on a port of their own (at least 0.95 × the Bearer row, issue 13).
const VARIANTS: [Variant; 2] = [
    Variant {
        name: "throttled",
        label: "GET /api/profile/ (Bearer, user throttle on)",
        setting: "LATCHKEY_THROTTLE_USER",
        value: Some("1000000/s"),
    },
    Variant {
        name: "metrics",
        label: "GET /api/profile/ (Bearer, metrics on)",
        setting: "LATCHKEY_METRICS_BIND",
        value: None,
    },
];

/// A server variant: `setting` set to `value`, or to a free local address when `None`.
struct Variant {
    /// Names its log and wrk scripts.
    name: &'static str,
    label: &'static str,
    setting: &'static str,
    value: Option<&'static str>,
}

pub struct Options {
    pub database: String,
    pub pg_url: String,
    pub oracle: Option<PathBuf>,
    pub seconds: u32,
    pub connections: u32,
    pub bcrypt_cost: u32,
    /// A server binary to load instead of building this tree's (an earlier build, to
    /// compare before and after a change in one sitting).
    pub server_bin: Option<PathBuf>,
}

/// One row of the table: a request and how hard to drive it.
struct Scenario {
    label: &'static str,
    method: &'static str,
    path: &'static str,
    auth: Auth,
    body: Option<Body>,
    connections: Option<u32>,
}

#[derive(Clone, Copy, PartialEq)]
enum Auth {
    None,
    Bearer,
    Token,
    /// A DRF key brought over from Django (`import-django`): found on the second lookup, then
    /// cached like any key.
    ImportedToken,
    /// A well-formed key nobody has: both lookups, every time (misses are not cached).
    UnknownToken,
}

#[derive(Clone, Copy)]
enum Body {
    Login,
    Refresh,
}

/// The credentials a target handed out before the load starts.
struct Credentials {
    access: String,
    refresh: String,
    opaque: String,
    imported: String,
}

/// The DRF key the bench imports for [`IMPORTED_USER`], as if Django had issued it.
const IMPORTED_KEY: &str = "d1a90c0ffee0d1a90c0ffee0d1a90c0ffee0d1a9";
const IMPORTED_USER: &str = "django_user";
const UNKNOWN_KEY: &str = "0000000000000000000000000000000000000000";

fn scenarios(login_connections: u32) -> Vec<Scenario> {
    let get = |label, path, auth| Scenario { label, method: "GET", path, auth, body: None, connections: None };
    vec![
        get("GET /", "/", Auth::None),
        get("GET /api/profile/ (Bearer)", "/api/profile/", Auth::Bearer),
        get("GET /api/profile/ (Token)", "/api/profile/", Auth::Token),
        get("GET /api/profile/ (Token imported from Django)", "/api/profile/", Auth::ImportedToken),
        get("GET /api/profile/ (unknown Token, 401)", "/api/profile/", Auth::UnknownToken),
        Scenario {
            label: "POST /api/token/ (login)",
            method: "POST",
            path: "/api/token/",
            auth: Auth::None,
            body: Some(Body::Login),
            connections: Some(login_connections),
        },
        Scenario {
            label: "POST /api/token/refresh/",
            method: "POST",
            path: "/api/token/refresh/",
            auth: Auth::None,
            body: Some(Body::Refresh),
            connections: None,
        },
        get("GET /products/?name=… (Bearer)", "/products/?name=widget", Auth::Bearer),
    ]
}

fn lua(scenario: &Scenario, creds: &Credentials) -> String {
    let mut script = format!("wrk.method = \"{}\"\nwrk.path = \"{}\"\n", scenario.method, scenario.path);
    match scenario.auth {
        Auth::None => {}
        Auth::Bearer => {
            let _ = writeln!(script, "wrk.headers[\"Authorization\"] = \"Bearer {}\"", creds.access);
        }
        Auth::Token => {
            let _ = writeln!(script, "wrk.headers[\"Authorization\"] = \"Token {}\"", creds.opaque);
        }
        Auth::ImportedToken => {
            let _ = writeln!(script, "wrk.headers[\"Authorization\"] = \"Token {}\"", creds.imported);
        }
        Auth::UnknownToken => {
            let _ = writeln!(script, "wrk.headers[\"Authorization\"] = \"Token {UNKNOWN_KEY}\"");
        }
    }
    let body = match scenario.body {
        None => None,
        Some(Body::Login) => Some(format!("username={USER}&password={PASSWORD}")),
        Some(Body::Refresh) => Some(format!("refresh={}", creds.refresh)),
    };
    if let Some(body) = body {
        script.push_str("wrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n");
        let _ = writeln!(script, "wrk.body = \"{body}\"");
    }
    script
}

/// `imported`: the key to send on the imported-key row (the oracle's own key is a Django key).
fn credentials(url: &str, imported: Option<&str>) -> anyhow::Result<Credentials> {
    let form = [("username", USER), ("password", PASSWORD)];
    let opaque = post_form_field(&format!("{url}/auth/token/"), &form, "token")?;
    Ok(Credentials {
        access: post_form_field(&format!("{url}/api/token/"), &form, "access")?,
        refresh: post_form_field(&format!("{url}/api/token/"), &form, "refresh")?,
        imported: imported.map_or_else(|| opaque.clone(), str::to_owned),
        opaque,
    })
}

/// Gives the bench database a user whose DRF key came from Django, the way `import-django`
/// writes one.
fn import_django_key(url: &str) -> anyhow::Result<()> {
    use latchkey_store::import::{ImportKey, ImportMode, ImportSet, ImportUser, NoProgress};
    let now = chrono::Utc::now().naive_utc();
    let set = ImportSet {
        users: vec![ImportUser {
            id: 100_000,
            username: IMPORTED_USER.into(),
            email: String::new(),
            password: "!imported".into(),
            is_active: true,
            is_staff: false,
            is_superuser: false,
            date_joined: now,
            last_login: None,
            first_name: String::new(),
            last_name: String::new(),
        }],
        keys: vec![ImportKey { user_id: 100_000, digest: latchkey_opaque::key_digest(IMPORTED_KEY), created: now }],
        ..ImportSet::default()
    };
    let db = latchkey_store::Database::connect(
        url,
        latchkey_store::PoolOptions::new(1, std::time::Duration::from_secs(10)),
    )?;
    db.import(&set, ImportMode::Apply, &NoProgress)?;
    Ok(())
}

struct Row {
    label: &'static str,
    latchkey: Measurement,
    rss_mib: Option<f64>,
    oracle: Option<Measurement>,
}

pub fn run(options: &Options) -> anyhow::Result<()> {
    wrk::ensure_installed()?;
    let root = project_root();
    let work = tempdir()?;
    let started = Instant::now();

    let server_bin = match &options.server_bin {
        Some(path) => {
            println!("bench: loading {}", path.display());
            path.clone()
        }
        None => {
            println!("bench: building the server (release)");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .current_dir(&root)
                .args(["build", "--release", "--quiet", "-p", "latchkey-server"])
                .status()
                .context("cannot run cargo")?;
            if !status.success() {
                bail!("cargo build --release -p latchkey-server failed");
            }
            let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
            target.join("release").join("latchkey-server")
        }
    };

    let db = match options.database.as_str() {
        "sqlite" => BenchDb::sqlite(&work),
        "postgres" => BenchDb::postgres(&options.pg_url)?,
        other => bail!("--database must be sqlite or postgres, not {other:?}"),
    };
    let fixture = work.join("fixture.json");
    std::fs::write(&fixture, FIXTURE)?;
    let env = [
        ("DATABASE_URL", db.url().to_owned()),
        ("LATCHKEY_SIGNING_KEY", SIGNING_KEY.to_owned()),
        ("LATCHKEY_BCRYPT_COST", options.bcrypt_cost.to_string()),
        ("LATCHKEY_LOG", "warn".to_owned()),
    ];
    println!("bench: seeding {}", db.describe());
    let seeded = Command::new(std::env::current_exe()?)
        .arg("seed")
        .arg(&fixture)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .context("cannot run the seed task")?;
    if !seeded.status.success() {
        bail!("seeding failed: {}", String::from_utf8_lossy(&seeded.stderr));
    }

    import_django_key(db.url())?;

    let port = free_port()?;
    let mut command = Command::new(&server_bin);
    command.envs(env.iter().map(|(k, v)| (*k, v.as_str()))).env("LATCHKEY_BIND", format!("127.0.0.1:{port}"));
    let latchkey = Server::start("latchkey", command, port, &work.join("latchkey.log"))?;
    let mut variants = Vec::new();
    for variant in &VARIANTS {
        let port = free_port()?;
        let value = match variant.value {
            Some(value) => value.to_owned(),
            None => format!("127.0.0.1:{}", free_port()?),
        };
        let mut command = Command::new(&server_bin);
        command
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env(variant.setting, &value)
            .env("LATCHKEY_BIND", format!("127.0.0.1:{port}"));
        let log = work.join(format!("{}.log", variant.name));
        variants.push((variant, value, Server::start(variant.name, command, port, &log)?));
    }
    let oracle = match &options.oracle {
        Some(dir) => Some(start_oracle(dir, &work)?),
        None => None,
    };

    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
    let login_connections = (cores * 4).max(8);
    let run_for = |server: &Server, scenario: &Scenario, creds: &Credentials, seconds: u32| {
        let script = work.join(format!("{}-{}.lua", server.name, scenario.label.len() * 31 + scenario.path.len()));
        std::fs::write(&script, lua(scenario, creds))?;
        wrk::run(&Load {
            url: &server.url,
            script: &script,
            threads: 2,
            connections: scenario.connections.unwrap_or(options.connections),
            seconds,
        })
    };
    let run_one =
        |server: &Server, scenario: &Scenario, creds: &Credentials| run_for(server, scenario, creds, options.seconds);

    let latchkey_creds = credentials(&latchkey.url, Some(IMPORTED_KEY))?;
    let oracle_creds = match &oracle {
        Some(server) => Some(credentials(&server.url, None)?),
        None => None,
    };
    // The rows the targets compare with each other (GET / and the two protected GETs) run
    // interleaved, a third of the time at a time, and report their median slice: this kind of
    // VM bursts, and one long run each would favour whichever row ran during a burst.
    let all = scenarios(login_connections);
    let slice = (options.seconds / INTERLEAVED_ROUNDS).max(2);
    let mut slices: Vec<Vec<Measurement>> = vec![Vec::new(); COMPARED_ROWS];
    let mut variant_slices: Vec<Vec<Measurement>> = vec![Vec::new(); variants.len()];
    for round in 1..=INTERLEAVED_ROUNDS {
        for (index, scenario) in all.iter().take(COMPARED_ROWS).enumerate() {
            println!("bench: {} (slice {round} of {INTERLEAVED_ROUNDS})", scenario.label);
            slices[index].push(run_for(&latchkey, scenario, &latchkey_creds, slice)?);
        }
        for (index, (variant, _, server)) in variants.iter().enumerate() {
            println!("bench: {} (slice {round} of {INTERLEAVED_ROUNDS})", variant.label);
            variant_slices[index].push(run_for(server, &all[1], &latchkey_creds, slice)?);
        }
    }
    let variants: Vec<(&Variant, String)> = variants
        .into_iter()
        .map(|(variant, value, server)| {
            drop(server);
            (variant, value)
        })
        .collect();
    let mut medians = slices.into_iter().map(median);
    let mut rows = Vec::new();
    for (index, scenario) in all.iter().enumerate() {
        let measured = match medians.next() {
            Some(median) if index < COMPARED_ROWS => median,
            _ => {
                println!("bench: {}", scenario.label);
                run_one(&latchkey, scenario, &latchkey_creds)?
            }
        };
        let rss_mib = latchkey.peak_rss_mib();
        let oracle_measured = match (&oracle, &oracle_creds) {
            (Some(server), Some(creds)) => Some(run_one(server, scenario, creds)?),
            _ => None,
        };
        rows.push(Row { label: scenario.label, latchkey: measured, rss_mib, oracle: oracle_measured });
    }
    let mut variant_notes = Vec::new();
    for ((variant, value), slices) in variants.into_iter().zip(variant_slices) {
        rows.push(Row { label: variant.label, latchkey: median(slices), rss_mib: None, oracle: None });
        variant_notes.push(format!("{}={value}", variant.setting));
    }

    // Token checks while logins saturate the hashing pool.
    println!("bench: GET /api/profile/ (Bearer) during a login flood");
    let (profile, login) = (&all[1], &all[5]);
    let flood = {
        let script = work.join("flood.lua");
        std::fs::write(&script, lua(login, &latchkey_creds))?;
        let url = latchkey.url.clone();
        let seconds = options.seconds + 2;
        std::thread::spawn(move || {
            wrk::run(&Load { url: &url, script: &script, threads: 1, connections: login_connections, seconds })
        })
    };
    std::thread::sleep(std::time::Duration::from_secs(1));
    let during_flood = run_one(&latchkey, profile, &latchkey_creds)?;
    let flood = flood.join().map_err(|_| anyhow!("the login flood thread panicked"))??;

    println!("bench: GET /api/profile/ (Bearer) with 256 connections");
    let wide = Scenario { connections: Some(256), ..scenarios(login_connections).remove(1) };
    let wide_measured = run_one(&latchkey, &wide, &latchkey_creds)?;
    let wide_rss = latchkey.peak_rss_mib();

    let verify_secs = time_verification(options.bcrypt_cost)?;
    drop(oracle);
    drop(latchkey);

    let report = Report {
        rows,
        variant_notes,
        during_flood,
        flood,
        wide: wide_measured,
        wide_rss,
        verify_secs,
        cores,
        options,
        database: db.describe(),
        elapsed_secs: started.elapsed().as_secs(),
    };
    println!("\n{}", report.render());
    Ok(())
}

fn start_oracle(dir: &Path, work: &Path) -> anyhow::Result<Server> {
    let script = dir.join("run.sh");
    if !script.exists() {
        bail!("{} has no run.sh: is it the oracle directory?", dir.display());
    }
    println!("bench: starting the Django oracle from {} (first start installs its venv)", dir.display());
    let port = free_port()?;
    let mut command = Command::new("bash");
    command.arg(&script).arg(port.to_string()).arg("2").env("ORACLE_DB", work.join("oracle.sqlite3"));
    Server::start("django", command, port, &work.join("oracle.log"))
}

/// The slice with the median rate (its latencies with it).
fn median(mut slices: Vec<Measurement>) -> Measurement {
    slices.sort_by(|a, b| a.requests_per_sec.total_cmp(&b.requests_per_sec));
    let middle = slices.len() / 2;
    slices.into_iter().nth(middle).unwrap_or_default()
}

/// Seconds one bcrypt verification takes at `cost`, on one core, measured here.
fn time_verification(cost: u32) -> anyhow::Result<f64> {
    let hasher = DjangoHashers::new(PreferredHasher::BcryptSha256 { rounds: cost })?;
    let hash = hasher.hash(PASSWORD)?;
    let rounds = 5;
    let started = Instant::now();
    for _ in 0..rounds {
        if !hasher.verify(PASSWORD, &hash) {
            bail!("bcrypt verification failed");
        }
    }
    Ok(started.elapsed().as_secs_f64() / f64::from(rounds))
}

struct Report<'a> {
    rows: Vec<Row>,
    /// `SETTING=value` of each variant row, in `VARIANTS`' order.
    variant_notes: Vec<String>,
    during_flood: Measurement,
    flood: Measurement,
    wide: Measurement,
    wide_rss: Option<f64>,
    verify_secs: f64,
    cores: u32,
    options: &'a Options,
    database: String,
    elapsed_secs: u64,
}

impl Report<'_> {
    fn render(&self) -> String {
        let mut out = String::new();
        let base = self.rows.first().map_or(0.0, |r| r.latchkey.requests_per_sec);
        let with_oracle = self.rows.iter().any(|r| r.oracle.is_some());
        let _ = writeln!(
            out,
            "Latchkey on {}, {} cores, wrk -t2 -c{} -d{}s (the first three rows: median of {} interleaved slices), login rows -c{}, bcrypt cost {}",
            self.database,
            self.cores,
            self.options.connections,
            self.options.seconds,
            INTERLEAVED_ROUNDS,
            (self.cores * 4).max(8),
            self.options.bcrypt_cost
        );
        let _ = writeln!(out);
        let mut header = "| endpoint | req/s | p50 ms | p99 ms | peak RSS MiB | ÷ GET / |".to_owned();
        let mut rule = "| --- | ---: | ---: | ---: | ---: | ---: |".to_owned();
        if with_oracle {
            header.push_str(" Django req/s | Django p99 ms | Latchkey ÷ Django |");
            rule.push_str(" ---: | ---: | ---: |");
        }
        let _ = writeln!(out, "{header}\n{rule}");
        for row in &self.rows {
            let m = &row.latchkey;
            let _ = write!(
                out,
                "| {} | {} | {:.2} | {:.2} | {} | {} |",
                row.label,
                rate(m.requests_per_sec),
                m.p50_ms,
                m.p99_ms,
                row.rss_mib.map_or("n/a".into(), |r| format!("{r:.1}")),
                share(ratio(m.requests_per_sec, base))
            );
            if let Some(o) = &row.oracle {
                let _ = write!(
                    out,
                    " {:.1} | {:.2} | {:.1} |",
                    o.requests_per_sec,
                    o.p99_ms,
                    ratio(m.requests_per_sec, o.requests_per_sec)
                );
            }
            out.push('\n');
            if m.non_2xx > 0 || m.socket_errors > 0 {
                let _ = writeln!(out, "|   ↳ {} non-2xx, {} socket errors | | | | | |", m.non_2xx, m.socket_errors);
            }
        }
        let login_target = 0.85 * f64::from(self.cores) / self.verify_secs;
        let login = self.rows.iter().find(|r| r.label.starts_with("POST /api/token/ "));
        let profile_p99 = self.rows.get(1).map_or(0.0, |r| r.latchkey.p99_ms);
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "- one bcrypt verification at cost {}: {:.1} ms → login target 0.85 × {} ÷ t = {:.1}/s; measured {:.1}/s",
            self.options.bcrypt_cost,
            self.verify_secs * 1000.0,
            self.cores,
            login_target,
            login.map_or(0.0, |r| r.latchkey.requests_per_sec)
        );
        let _ = writeln!(
            out,
            "- GET /api/profile/ (Bearer) during a login flood: {:.0} req/s, p99 {:.2} ms = {:.2} × its p99 alone (logins meanwhile: {:.1}/s)",
            self.during_flood.requests_per_sec,
            self.during_flood.p99_ms,
            ratio(self.during_flood.p99_ms, profile_p99),
            self.flood.requests_per_sec
        );
        let _ = writeln!(
            out,
            "- GET /api/profile/ (Bearer) with 256 connections: {:.0} req/s, p99 {:.2} ms, peak RSS {} MiB",
            self.wide.requests_per_sec,
            self.wide.p99_ms,
            self.wide_rss.map_or("n/a".into(), |r| format!("{r:.1}"))
        );
        for (variant, setting) in VARIANTS.iter().zip(&self.variant_notes) {
            if let (Some(bearer), Some(row)) = (self.rows.get(1), self.rows.iter().find(|r| r.label == variant.label)) {
                let _ = writeln!(
                    out,
                    "- {} ({setting}, interleaved with the Bearer row): {:.2} × the Bearer row",
                    variant.label,
                    ratio(row.latchkey.requests_per_sec, bearer.latchkey.requests_per_sec)
                );
            }
        }
        let _ = writeln!(out, "- total bench time {} s", self.elapsed_secs);
        out
    }
}

/// Whole requests per second, with a decimal where that is all there is (logins).
fn rate(per_sec: f64) -> String {
    if per_sec < 100.0 { format!("{per_sec:.1}") } else { format!("{per_sec:.0}") }
}

/// A ratio to two decimals, or three significant figures when it is small.
fn share(ratio: f64) -> String {
    if ratio < 0.1 { format!("{ratio:.5}") } else { format!("{ratio:.2}") }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn tempdir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("latchkey-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
    Ok(dir)
}
