//! Typed settings, read once from the environment (and an optional `.env`). A bad value stops
//! start-up with a message naming the variable and the value.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use latchkey_actix::throttle::MAX_REQUESTS_PER_PERIOD;
use latchkey_domain::LockoutPolicy;
use latchkey_drf::throttling::{Rate, RateError};
use latchkey_jwt::Algorithm;
use latchkey_password::PreferredHasher;
/// The URL with any password replaced (in the user info or a `password=` parameter).
pub use latchkey_store::redact_url;
use secrecy::{ExposeSecret, SecretString};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://latchkey.sqlite3";
const MIN_PRODUCTION_KEY_BYTES: usize = 32;
/// The longest token lifetime, and so the latest `exp`, accepted: ten years. Beyond the range
/// of dates a login would fail with a 500, and nobody means a longer one.
const MAX_LIFETIME_SECS: u64 = 10 * 365 * 24 * 60 * 60;
/// The largest clock skew accepted: a day is far beyond any real clock drift.
const MAX_LEEWAY_SECS: u64 = 24 * 60 * 60;

/// The login scope's rate in production unless `LATCHKEY_THROTTLE_LOGIN` says otherwise: per
/// client IP, half a request a second on average; the lockout guards each account beyond it.
pub const PRODUCTION_LOGIN_RATE: Rate = Rate::new(30, 60);
/// Failures in a row that lock a login name in production (`LATCHKEY_LOCKOUT_THRESHOLD`).
pub const PRODUCTION_LOCKOUT_THRESHOLD: u32 = 10;

/// DRF's throttle rates, `LATCHKEY_THROTTLE_ANON`, `_USER` and `_LOGIN`; `None` is off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThrottleRates {
    /// `AnonRateThrottle`: anonymous requests, by client IP.
    pub anon: Option<Rate>,
    /// `UserRateThrottle`: users by id (anonymous requests by IP).
    pub user: Option<Rate>,
    /// The `login` scope of the credential endpoints.
    pub login: Option<Rate>,
}

/// An HMAC key shorter than the hash is weaker than the algorithm (RFC 7518 §3.2).
fn hmac_key_bytes(algorithm: Algorithm) -> usize {
    match algorithm {
        Algorithm::HS384 => 48,
        Algorithm::HS512 => 64,
        _ => 32,
    }
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Environment {
    Development,
    Production,
}

/// Where the JWT keys come from.
#[derive(Clone)]
pub enum SigningKey {
    /// An HMAC secret given in the environment.
    Secret(SecretString),
    /// No key configured (development only): one is generated and kept in this file.
    Generated(PathBuf),
    /// PEM files for an asymmetric algorithm.
    Pem { private_key: PathBuf, public_key: PathBuf },
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SigningKey::Secret(_) => f.write_str("Secret(***)"),
            SigningKey::Generated(path) => write!(f, "Generated({})", path.display()),
            SigningKey::Pem { private_key, public_key } => {
                write!(f, "Pem({}, {})", private_key.display(), public_key.display())
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct JwtConfig {
    pub algorithm: Algorithm,
    pub signing_key: SigningKey,
    pub access_lifetime: Duration,
    pub refresh_lifetime: Duration,
    pub rotate_refresh_tokens: bool,
    pub blacklist_after_rotation: bool,
    pub audience: Option<String>,
    pub issuer: Option<String>,
    pub leeway: Duration,
    /// `LATCHKEY_SESSION_CLAIM`: a claim carrying the session tag (`sid`); none by default.
    pub session_claim: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub environment: Environment,
    pub bind: String,
    /// May hold a password: exposed only to connect, logged only through [`redact_url`].
    pub database_url: SecretString,
    pub db_pool_size: u32,
    pub db_connect_timeout: Duration,
    pub run_migrations: bool,
    pub workers: usize,
    pub jwt: JwtConfig,
    /// Secret the opaque keys are derived from; defaults to the JWT HMAC secret.
    pub secret_key: Option<SecretString>,
    pub auth_schemes: Vec<String>,
    pub bcrypt_cost: u32,
    /// What new and changed passwords are hashed with (`LATCHKEY_PASSWORD_HASHER`), with its
    /// parameters; every Django format verifies whatever this is.
    pub password_hasher: PreferredHasher,
    pub hash_threads: usize,
    /// Password checks that may wait for a hashing thread before new ones are refused (503).
    pub hash_queue: usize,
    pub body_limit: usize,
    /// How long a declared request body may take to arrive (`LATCHKEY_BODY_TIMEOUT`).
    pub body_timeout: Duration,
    pub auth_cache_ttl: Duration,
    /// How long after its rotation a rotated-out refresh token may come back without ending
    /// its session (racing tabs, retried requests).
    pub refresh_reuse_interval: Duration,
    /// Proxies in front of the server: the client IP is the `X-Forwarded-For` entry this many
    /// hops from the right (DRF's `NUM_PROXIES`); 0 trusts no header.
    pub num_proxies: usize,
    pub throttle: ThrottleRates,
    /// When failed logins lock a name (`LATCHKEY_LOCKOUT_THRESHOLD`, `LATCHKEY_LOCKOUT_COOLOFF`).
    pub lockout: LockoutPolicy,
    /// Where Prometheus metrics are served (`LATCHKEY_METRICS_BIND`); `None`: not recorded.
    pub metrics_bind: Option<String>,
    /// How often the instances flush expired tokens (`LATCHKEY_FLUSH_INTERVAL`); zero: never.
    pub flush_interval: Duration,
    /// Whether `GET /api/schema/` serves the OpenAPI document (`LATCHKEY_API_SCHEMA`).
    pub api_schema: bool,
    /// Whether `/api/docs/` serves the Swagger UI page over it (`LATCHKEY_API_DOCS`; only with
    /// the document).
    pub api_docs: bool,
    pub log_level: String,
}

#[derive(Debug)]
pub struct ConfigError {
    pub variable: &'static str,
    pub value: String,
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}={:?}: {}", self.variable, self.value, self.reason)
    }
}

impl std::error::Error for ConfigError {}

/// The variables settings are read from; `from_env` fills it from the process environment.
pub struct Source {
    vars: HashMap<String, String>,
}

impl Source {
    pub fn from_env() -> Self {
        // A missing .env is normal; a malformed one is reported by the variables it breaks.
        let _ = dotenvy::dotenv();
        Self { vars: std::env::vars().collect() }
    }

    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self { vars: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect() }
    }

    fn raw(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str).filter(|v| !v.trim().is_empty())
    }

    fn parse<T: FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: fmt::Display,
    {
        match self.raw(name) {
            None => Ok(default),
            Some(value) => value.trim().parse().map_err(|e: T::Err| ConfigError {
                variable: name,
                value: value.to_owned(),
                reason: e.to_string(),
            }),
        }
    }

    fn flag(&self, name: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.raw(name) {
            None => Ok(default),
            Some(value) => match value.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                _ => Err(ConfigError {
                    variable: name,
                    value: value.to_owned(),
                    reason: "expected true/false (or 1/0, yes/no, on/off)".into(),
                }),
            },
        }
    }

    /// A DRF rate, `off`, or (unset) `default`.
    fn rate(&self, name: &'static str, default: Option<Rate>) -> Result<Option<Rate>, ConfigError> {
        match self.raw(name).map(str::trim) {
            None => Ok(default),
            Some(value) if value.eq_ignore_ascii_case("off") => Ok(None),
            Some(value) => {
                let invalid = |reason: String| ConfigError { variable: name, value: value.to_owned(), reason };
                let rate: Rate = value.parse().map_err(|err: RateError| invalid(format!("{err}, or off")))?;
                if rate.requests() > MAX_REQUESTS_PER_PERIOD {
                    return Err(invalid(format!("at most {MAX_REQUESTS_PER_PERIOD} requests per period")));
                }
                Ok(Some(rate))
            }
        }
    }

    /// A positive whole number of seconds.
    fn positive_secs(&self, name: &'static str, default: i64) -> Result<Duration, ConfigError> {
        let value: i64 = self.parse(name, default)?;
        match u64::try_from(value) {
            Ok(secs) if secs > MAX_LIFETIME_SECS => Err(ConfigError {
                variable: name,
                value: value.to_string(),
                reason: format!("must be at most {MAX_LIFETIME_SECS} seconds (ten years)"),
            }),
            Ok(secs) if secs > 0 => Ok(Duration::from_secs(secs)),
            _ => Err(ConfigError { variable: name, value: value.to_string(), reason: "must be positive".into() }),
        }
    }
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&Source::from_env())
    }

    pub fn from_source(src: &Source) -> Result<Self, ConfigError> {
        let environment = match src.raw("LATCHKEY_ENV").map(|v| v.trim().to_ascii_lowercase()) {
            None => Environment::Development,
            Some(v) if v == "development" || v == "dev" => Environment::Development,
            Some(v) if v == "production" || v == "prod" => Environment::Production,
            Some(v) => {
                return Err(ConfigError {
                    variable: "LATCHKEY_ENV",
                    value: v,
                    reason: "expected development or production".into(),
                });
            }
        };
        let production = environment == Environment::Production;
        let bind = match (src.raw("LATCHKEY_BIND"), src.raw("PORT")) {
            (Some(bind), _) => bind.trim().to_owned(),
            (None, Some(_)) => format!("127.0.0.1:{}", src.parse::<u16>("PORT", 8000)?),
            (None, None) => "127.0.0.1:8000".to_owned(),
        };
        if bind.parse::<std::net::SocketAddr>().is_err() && !bind.contains(':') {
            return Err(ConfigError { variable: "LATCHKEY_BIND", value: bind, reason: "expected HOST:PORT".into() });
        }
        let database_url = src.raw("DATABASE_URL").unwrap_or(DEFAULT_DATABASE_URL).trim().to_owned();
        if !["sqlite:", "postgres://", "postgresql://"].iter().any(|p| database_url.starts_with(p)) {
            return Err(ConfigError {
                variable: "DATABASE_URL",
                value: redact_url(&database_url),
                reason: "expected sqlite://PATH or postgres://USER:PASSWORD@HOST/DB".into(),
            });
        }

        let algorithm = match src.raw("LATCHKEY_JWT_ALGORITHM") {
            None => Algorithm::HS256,
            Some(name) => parse_algorithm(name.trim()).ok_or_else(|| ConfigError {
                variable: "LATCHKEY_JWT_ALGORITHM",
                value: name.to_owned(),
                reason: "expected one of HS256 HS384 HS512 RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 EdDSA"
                    .into(),
            })?,
        };
        let is_hmac = matches!(algorithm, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512);
        let signing_key = if is_hmac {
            match src.raw("LATCHKEY_SIGNING_KEY") {
                Some(key) => {
                    let wanted = hmac_key_bytes(algorithm);
                    if key.len() < wanted {
                        if environment == Environment::Production {
                            return Err(ConfigError {
                                variable: "LATCHKEY_SIGNING_KEY",
                                value: "***".into(),
                                reason: format!("must be at least {wanted} bytes for {algorithm:?} in production"),
                            });
                        }
                        log::warn!(
                            "LATCHKEY_SIGNING_KEY is {} bytes, shorter than {algorithm:?}'s {wanted}: production refuses it",
                            key.len()
                        );
                    }
                    SigningKey::Secret(SecretString::from(key.to_owned()))
                }
                None if environment == Environment::Production => {
                    return Err(ConfigError {
                        variable: "LATCHKEY_SIGNING_KEY",
                        value: String::new(),
                        reason: "is required when LATCHKEY_ENV=production".into(),
                    });
                }
                None => SigningKey::Generated(generated_key_path(&database_url)),
            }
        } else {
            let file = |name: &'static str| {
                src.raw(name).map(|p| PathBuf::from(p.trim())).ok_or_else(|| ConfigError {
                    variable: name,
                    value: String::new(),
                    reason: format!("is required for {algorithm:?}"),
                })
            };
            SigningKey::Pem {
                private_key: file("LATCHKEY_JWT_PRIVATE_KEY_FILE")?,
                public_key: file("LATCHKEY_JWT_PUBLIC_KEY_FILE")?,
            }
        };
        let jwt = JwtConfig {
            algorithm,
            signing_key,
            access_lifetime: src.positive_secs("LATCHKEY_ACCESS_TOKEN_LIFETIME", 300)?,
            refresh_lifetime: src.positive_secs("LATCHKEY_REFRESH_TOKEN_LIFETIME", 86_400)?,
            rotate_refresh_tokens: src.flag("LATCHKEY_ROTATE_REFRESH_TOKENS", false)?,
            blacklist_after_rotation: src.flag("LATCHKEY_BLACKLIST_AFTER_ROTATION", false)?,
            audience: src.raw("LATCHKEY_JWT_AUDIENCE").map(|s| s.trim().to_owned()),
            issuer: src.raw("LATCHKEY_JWT_ISSUER").map(|s| s.trim().to_owned()),
            leeway: {
                let leeway: u64 = src.parse("LATCHKEY_JWT_LEEWAY", 0)?;
                if leeway > MAX_LEEWAY_SECS {
                    return Err(ConfigError {
                        variable: "LATCHKEY_JWT_LEEWAY",
                        value: leeway.to_string(),
                        reason: format!("must be at most {MAX_LEEWAY_SECS} seconds (a day)"),
                    });
                }
                Duration::from_secs(leeway)
            },
            session_claim: match src.raw("LATCHKEY_SESSION_CLAIM").map(str::trim) {
                None | Some("") => None,
                // simplejwt's own claims, and the registered ones a verifier would act on.
                Some(name)
                    if latchkey_jwt::RESERVED_CLAIMS.contains(&name)
                        || ["nbf", "sub", "jku", "kid"].contains(&name) =>
                {
                    return Err(ConfigError {
                        variable: "LATCHKEY_SESSION_CLAIM",
                        value: name.to_owned(),
                        reason: "is one of simplejwt's own claims".into(),
                    });
                }
                Some(name) => Some(name.to_owned()),
            },
        };

        let auth_schemes: Vec<String> = src
            .raw("LATCHKEY_AUTH_SCHEMES")
            .unwrap_or("jwt,token")
            .split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .collect();

        let bcrypt_cost: u32 = src.parse("LATCHKEY_BCRYPT_COST", 12)?;
        if !(4..=31).contains(&bcrypt_cost) {
            return Err(ConfigError {
                variable: "LATCHKEY_BCRYPT_COST",
                value: bcrypt_cost.to_string(),
                reason: "must be between 4 and 31".into(),
            });
        }
        let password_hasher = password_hasher(src, bcrypt_cost)?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let workers: usize = src.parse("LATCHKEY_WORKERS", cores)?;
        let hash_threads: usize = src.parse("LATCHKEY_HASH_THREADS", cores)?;
        for (variable, value) in [("LATCHKEY_WORKERS", workers), ("LATCHKEY_HASH_THREADS", hash_threads)] {
            if value == 0 {
                return Err(ConfigError { variable, value: "0".into(), reason: "must be at least 1".into() });
            }
        }
        // The opaque keys are derived from this secret: a weak one lets a database dump be
        // brute-forced offline, so production holds it to the signing key's standard.
        let secret_key = src.raw("LATCHKEY_SECRET_KEY").map(|key| SecretString::from(key.to_owned()));
        if environment == Environment::Production
            && secret_key.as_ref().is_some_and(|k| k.expose_secret().len() < MIN_PRODUCTION_KEY_BYTES)
        {
            return Err(ConfigError {
                variable: "LATCHKEY_SECRET_KEY",
                value: "***".into(),
                reason: format!("must be at least {MIN_PRODUCTION_KEY_BYTES} bytes in production"),
            });
        }
        let db_connect_timeout: u64 = src.parse("LATCHKEY_DB_CONNECT_TIMEOUT", 5)?;
        if db_connect_timeout == 0 {
            return Err(ConfigError {
                variable: "LATCHKEY_DB_CONNECT_TIMEOUT",
                value: "0".into(),
                reason: "must be at least 1 second".into(),
            });
        }
        let db_pool_size: u32 = src.parse("LATCHKEY_DB_POOL_SIZE", 10)?;
        if db_pool_size == 0 {
            return Err(ConfigError {
                variable: "LATCHKEY_DB_POOL_SIZE",
                value: "0".into(),
                reason: "must be at least 1".into(),
            });
        }

        let metrics_bind = match src.raw("LATCHKEY_METRICS_BIND").map(str::trim) {
            None => None,
            // Port 0 picks a free port each time: two of them never collide.
            Some(addr) if addr == bind && !addr.ends_with(":0") => {
                return Err(ConfigError {
                    variable: "LATCHKEY_METRICS_BIND",
                    value: addr.to_owned(),
                    reason: "must not be the API's address (LATCHKEY_BIND): metrics are for the operator".into(),
                });
            }
            Some(addr) if !addr.contains(':') => {
                return Err(ConfigError {
                    variable: "LATCHKEY_METRICS_BIND",
                    value: addr.to_owned(),
                    reason: "expected HOST:PORT".into(),
                });
            }
            Some(addr) => Some(addr.to_owned()),
        };

        Ok(Settings {
            environment,
            bind,
            database_url: SecretString::from(database_url),
            db_pool_size,
            db_connect_timeout: Duration::from_secs(db_connect_timeout),
            run_migrations: src.flag("LATCHKEY_RUN_MIGRATIONS", true)?,
            workers,
            jwt,
            secret_key,
            auth_schemes,
            bcrypt_cost,
            password_hasher,
            hash_threads,
            hash_queue: src.parse("LATCHKEY_HASH_QUEUE", hash_threads * 16)?,
            body_limit: src.parse("LATCHKEY_BODY_LIMIT", 1024 * 1024)?,
            body_timeout: {
                let secs: u64 = src.parse("LATCHKEY_BODY_TIMEOUT", 10)?;
                if secs == 0 || secs > 3600 {
                    return Err(ConfigError {
                        variable: "LATCHKEY_BODY_TIMEOUT",
                        value: secs.to_string(),
                        reason: "must be between 1 and 3600 seconds".into(),
                    });
                }
                Duration::from_secs(secs)
            },
            auth_cache_ttl: Duration::from_millis(src.parse("LATCHKEY_AUTH_CACHE_TTL_MS", 5_000)?),
            refresh_reuse_interval: Duration::from_secs(src.parse("LATCHKEY_REFRESH_REUSE_INTERVAL", 10)?),
            num_proxies: src.parse("LATCHKEY_NUM_PROXIES", 0)?,
            throttle: ThrottleRates {
                anon: src.rate("LATCHKEY_THROTTLE_ANON", None)?,
                user: src.rate("LATCHKEY_THROTTLE_USER", None)?,
                login: src.rate("LATCHKEY_THROTTLE_LOGIN", production.then_some(PRODUCTION_LOGIN_RATE))?,
            },
            lockout: {
                let threshold =
                    src.parse("LATCHKEY_LOCKOUT_THRESHOLD", if production { PRODUCTION_LOCKOUT_THRESHOLD } else { 0 })?;
                let cooloff: u64 = src.parse("LATCHKEY_LOCKOUT_COOLOFF", 300)?;
                let max = LockoutPolicy::MAX_COOLOFF.as_secs();
                if cooloff == 0 || cooloff > max {
                    return Err(ConfigError {
                        variable: "LATCHKEY_LOCKOUT_COOLOFF",
                        value: cooloff.to_string(),
                        reason: format!("must be between 1 and {max} seconds (a day, the longest lock)"),
                    });
                }
                LockoutPolicy::new(threshold, Duration::from_secs(cooloff))
            },
            metrics_bind,
            api_schema: src.flag("LATCHKEY_API_SCHEMA", true)?,
            api_docs: src.flag("LATCHKEY_API_DOCS", true)?,
            flush_interval: {
                let secs: u64 = src.parse("LATCHKEY_FLUSH_INTERVAL", 3_600)?;
                if secs > MAX_LIFETIME_SECS {
                    return Err(ConfigError {
                        variable: "LATCHKEY_FLUSH_INTERVAL",
                        value: secs.to_string(),
                        reason: format!("must be at most {MAX_LIFETIME_SECS} seconds (0 turns it off)"),
                    });
                }
                Duration::from_secs(secs)
            },
            log_level: src.raw("LATCHKEY_LOG").or(src.raw("RUST_LOG")).unwrap_or("info").to_owned(),
        })
    }
}

/// `LATCHKEY_PASSWORD_HASHER` with Django 5.2's default parameters, each of which a variable
/// can raise (`LATCHKEY_BCRYPT_COST` is the `bcrypt_sha256` rounds).
fn password_hasher(src: &Source, bcrypt_cost: u32) -> Result<PreferredHasher, ConfigError> {
    let name =
        src.raw("LATCHKEY_PASSWORD_HASHER").map_or("bcrypt_sha256".to_owned(), |n| n.trim().to_ascii_lowercase());
    let Some(defaults) = PreferredHasher::named(&name) else {
        return Err(ConfigError {
            variable: "LATCHKEY_PASSWORD_HASHER",
            value: name,
            reason: format!("expected one of {}", PreferredHasher::NAMES.join(" ")),
        });
    };
    let u32_at_least = |name: &'static str, default: u32, min: u32| -> Result<u32, ConfigError> {
        let value: u32 = src.parse(name, default)?;
        if value < min {
            return Err(ConfigError {
                variable: name,
                value: value.to_string(),
                reason: format!("must be at least {min}"),
            });
        }
        Ok(value)
    };
    Ok(match defaults {
        PreferredHasher::BcryptSha256 { .. } => PreferredHasher::BcryptSha256 { rounds: bcrypt_cost },
        PreferredHasher::Pbkdf2Sha256 { iterations } => {
            PreferredHasher::Pbkdf2Sha256 { iterations: u32_at_least("LATCHKEY_PBKDF2_ITERATIONS", iterations, 1)? }
        }
        PreferredHasher::Argon2 { time_cost, memory_cost, parallelism } => PreferredHasher::Argon2 {
            time_cost: u32_at_least("LATCHKEY_ARGON2_TIME_COST", time_cost, 1)?,
            memory_cost: u32_at_least("LATCHKEY_ARGON2_MEMORY_COST", memory_cost, 8)?,
            parallelism: u32_at_least("LATCHKEY_ARGON2_PARALLELISM", parallelism, 1)?,
        },
        PreferredHasher::Scrypt { work_factor, block_size, parallelism } => {
            let work_factor: u64 = src.parse("LATCHKEY_SCRYPT_WORK_FACTOR", work_factor)?;
            if !work_factor.is_power_of_two() || work_factor < 2 {
                return Err(ConfigError {
                    variable: "LATCHKEY_SCRYPT_WORK_FACTOR",
                    value: work_factor.to_string(),
                    reason: "must be a power of two".into(),
                });
            }
            PreferredHasher::Scrypt {
                work_factor,
                block_size: u32_at_least("LATCHKEY_SCRYPT_BLOCK_SIZE", block_size, 1)?,
                parallelism: u32_at_least("LATCHKEY_SCRYPT_PARALLELISM", parallelism, 1)?,
            }
        }
    })
}

/// jsonwebtoken's names, case-insensitively (`hs256` works, as it always has here).
fn parse_algorithm(name: &str) -> Option<Algorithm> {
    let upper = name.to_ascii_uppercase();
    let canonical = if upper == "EDDSA" { "EdDSA" } else { upper.as_str() };
    canonical.parse().ok()
}

/// The file a generated development key is kept in: beside the SQLite database, so tokens
/// survive a restart, or in the working directory for PostgreSQL.
fn generated_key_path(database_url: &str) -> PathBuf {
    let sqlite_path = database_url.strip_prefix("sqlite://").or_else(|| database_url.strip_prefix("sqlite:"));
    match sqlite_path.map(PathBuf::from) {
        Some(db) => {
            let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
            name.push(".key");
            db.with_file_name(name)
        }
        None => PathBuf::from("latchkey-dev.key"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_source(&Source::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn defaults_need_nothing() {
        let s = settings(&[]).expect("defaults");
        assert_eq!(s.bind, "127.0.0.1:8000");
        assert_eq!(s.database_url.expose_secret(), DEFAULT_DATABASE_URL);
        assert_eq!(s.auth_schemes, ["jwt", "token"]);
        assert_eq!(s.jwt.access_lifetime, Duration::from_secs(300));
        assert_eq!(s.bcrypt_cost, 12);
        assert!(matches!(s.jwt.signing_key, SigningKey::Generated(ref p) if p.ends_with("latchkey.sqlite3.key")));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = settings(&[("LATCHKEY_ACCESS_TOKEN_LIFETIME", "soon")]).expect_err("error");
        assert_eq!(err.variable, "LATCHKEY_ACCESS_TOKEN_LIFETIME");
        assert!(err.to_string().contains("\"soon\""));
        let err = settings(&[("LATCHKEY_ROTATE_REFRESH_TOKENS", "maybe")]).expect_err("error");
        assert_eq!(err.variable, "LATCHKEY_ROTATE_REFRESH_TOKENS");
        let err = settings(&[("DATABASE_URL", "mysql://u:pw@h/db")]).expect_err("error");
        assert!(!err.to_string().contains("pw"));
    }

    #[test]
    fn production_requires_a_long_key() {
        let err = settings(&[("LATCHKEY_ENV", "production")]).expect_err("error");
        assert_eq!(err.variable, "LATCHKEY_SIGNING_KEY");
        let err = settings(&[("LATCHKEY_ENV", "production"), ("LATCHKEY_SIGNING_KEY", "short")]).expect_err("error");
        assert!(!err.to_string().contains("short"));
        assert!(settings(&[("LATCHKEY_ENV", "production"), ("LATCHKEY_SIGNING_KEY", &"k".repeat(40))]).is_ok());
        let long = "k".repeat(40);
        let err = settings(&[
            ("LATCHKEY_ENV", "production"),
            ("LATCHKEY_SIGNING_KEY", &long),
            ("LATCHKEY_SECRET_KEY", "weak"),
        ])
        .expect_err("weak secret");
        assert_eq!(err.variable, "LATCHKEY_SECRET_KEY");
        assert!(!err.to_string().contains("weak"));
    }

    /// Production holds an HMAC key to its hash's size (32, 48, 64 bytes); development warns.
    #[test]
    fn hmac_keys_as_long_as_their_hash_in_production() {
        let production = |algorithm: &str, len: usize| {
            let key = "k".repeat(len);
            settings(&[
                ("LATCHKEY_ENV", "production"),
                ("LATCHKEY_JWT_ALGORITHM", algorithm),
                ("LATCHKEY_SIGNING_KEY", &key),
            ])
        };
        for (algorithm, wanted) in [("HS256", 32), ("HS384", 48), ("HS512", 64)] {
            let err = production(algorithm, wanted - 1).expect_err("short key");
            assert_eq!(err.variable, "LATCHKEY_SIGNING_KEY");
            assert!(err.to_string().contains(&wanted.to_string()), "{err}");
            assert!(production(algorithm, wanted).is_ok(), "{algorithm}");
        }
        assert!(settings(&[("LATCHKEY_SIGNING_KEY", "k")]).is_ok(), "development only warns");
    }

    /// Lifetimes and leeway beyond what a date can hold (or anyone means) stop start-up,
    /// naming the variable, instead of panicking or failing every login.
    #[test]
    fn lifetimes_and_leeway_are_bounded() {
        for name in ["LATCHKEY_ACCESS_TOKEN_LIFETIME", "LATCHKEY_REFRESH_TOKEN_LIFETIME"] {
            for value in ["9223372036854775807", "1000000000000000", "315360001"] {
                let err = settings(&[(name, value)]).expect_err("too long");
                assert_eq!(err.variable, name, "{value}");
            }
            assert!(settings(&[(name, "315360000")]).is_ok());
        }
        let err = settings(&[("LATCHKEY_JWT_LEEWAY", "86401")]).expect_err("too much leeway");
        assert_eq!(err.variable, "LATCHKEY_JWT_LEEWAY");
        assert!(settings(&[("LATCHKEY_JWT_LEEWAY", "86400")]).is_ok());
    }

    /// Nothing secret in `Debug`: the database password, the signing key, the secret key.
    #[test]
    fn debug_output_holds_no_secret() {
        let s = settings(&[
            ("DATABASE_URL", "postgres://latchkey:db-password-123@db/latchkey"),
            ("LATCHKEY_SIGNING_KEY", "signing-key-456-signing-key-456-signing-key"),
            ("LATCHKEY_SECRET_KEY", "secret-key-789-secret-key-789-secret-key"),
        ])
        .expect("settings");
        let shown = format!("{s:?} {s:#?}");
        for secret in ["db-password-123", "signing-key-456", "secret-key-789"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }

    #[test]
    fn algorithms_by_name_in_any_case() {
        for (name, algorithm) in [("HS256", Algorithm::HS256), ("hs512", Algorithm::HS512), ("eddsa", Algorithm::EdDSA)]
        {
            assert_eq!(parse_algorithm(name), Some(algorithm), "{name}");
        }
        assert_eq!(parse_algorithm("none"), None);
        let err = settings(&[("LATCHKEY_JWT_ALGORITHM", "none")]).expect_err("unknown");
        assert_eq!(err.variable, "LATCHKEY_JWT_ALGORITHM");
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let s = settings(&[
            ("LATCHKEY_SIGNING_KEY", "signing-secret-value"),
            ("LATCHKEY_SECRET_KEY", "opaque-secret-value"),
            ("DATABASE_URL", "postgres://u:db-password@h/db"),
        ])
        .expect("settings");
        let shown = format!("{s:?}");
        for secret in ["signing-secret-value", "opaque-secret-value", "db-password"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }

    #[test]
    fn the_preferred_hasher_and_its_parameters() {
        assert_eq!(settings(&[]).expect("defaults").password_hasher, PreferredHasher::BcryptSha256 { rounds: 12 });
        let s = settings(&[("LATCHKEY_PASSWORD_HASHER", "argon2"), ("LATCHKEY_ARGON2_MEMORY_COST", "204800")])
            .expect("argon2");
        assert_eq!(s.password_hasher, PreferredHasher::Argon2 { time_cost: 2, memory_cost: 204_800, parallelism: 8 });
        let s = settings(&[("LATCHKEY_PASSWORD_HASHER", "pbkdf2_sha256")]).expect("pbkdf2");
        assert_eq!(s.password_hasher, PreferredHasher::Pbkdf2Sha256 { iterations: 1_000_000 });
        let err = settings(&[("LATCHKEY_PASSWORD_HASHER", "md5")]).expect_err("md5 is not offered");
        assert_eq!(err.variable, "LATCHKEY_PASSWORD_HASHER");
        let err = settings(&[("LATCHKEY_PASSWORD_HASHER", "scrypt"), ("LATCHKEY_SCRYPT_WORK_FACTOR", "1000")])
            .expect_err("not a power of two");
        assert_eq!(err.variable, "LATCHKEY_SCRYPT_WORK_FACTOR");
    }

    #[test]
    fn throttles_and_lockout_off_in_development_on_in_production() {
        let dev = settings(&[]).expect("defaults");
        assert_eq!(dev.throttle, ThrottleRates::default());
        assert!(dev.lockout.is_off());
        let key = "k".repeat(40);
        let prod = settings(&[("LATCHKEY_ENV", "production"), ("LATCHKEY_SIGNING_KEY", &key)]).expect("production");
        assert_eq!(prod.throttle, ThrottleRates { anon: None, user: None, login: Some(PRODUCTION_LOGIN_RATE) });
        assert_eq!(prod.lockout, LockoutPolicy::new(10, Duration::from_secs(300)));
        let off = settings(&[
            ("LATCHKEY_ENV", "production"),
            ("LATCHKEY_SIGNING_KEY", &key),
            ("LATCHKEY_THROTTLE_LOGIN", "off"),
            ("LATCHKEY_LOCKOUT_THRESHOLD", "0"),
        ])
        .expect("turned off");
        assert_eq!(off.throttle.login, None);
        assert!(off.lockout.is_off());
        let set = settings(&[
            ("LATCHKEY_THROTTLE_ANON", "100/day"),
            ("LATCHKEY_THROTTLE_USER", "10/minute"),
            ("LATCHKEY_LOCKOUT_THRESHOLD", "5"),
            ("LATCHKEY_LOCKOUT_COOLOFF", "60"),
        ])
        .expect("rates");
        assert_eq!(set.throttle.anon, Some(Rate::new(100, 86_400)));
        assert_eq!(set.throttle.user, Some(Rate::new(10, 60)));
        assert_eq!(set.lockout, LockoutPolicy::new(5, Duration::from_secs(60)));
        for (name, value) in [
            ("LATCHKEY_THROTTLE_ANON", "100"),
            ("LATCHKEY_THROTTLE_USER", "many/m"),
            ("LATCHKEY_THROTTLE_LOGIN", "5/w"),
            ("LATCHKEY_THROTTLE_USER", "1000001/s"),
            ("LATCHKEY_LOCKOUT_COOLOFF", "0"),
            ("LATCHKEY_LOCKOUT_COOLOFF", "86401"),
            ("LATCHKEY_LOCKOUT_THRESHOLD", "-1"),
        ] {
            let err = settings(&[(name, value)]).expect_err(value);
            assert_eq!(err.variable, name, "{value}");
        }
    }

    #[test]
    fn metrics_never_on_the_apis_address() {
        assert_eq!(settings(&[]).expect("defaults").metrics_bind, None);
        let on = settings(&[("LATCHKEY_METRICS_BIND", "127.0.0.1:9100")]).expect("metrics");
        assert_eq!(on.metrics_bind.as_deref(), Some("127.0.0.1:9100"));
        for value in ["127.0.0.1:8000", "9100"] {
            let err = settings(&[("LATCHKEY_METRICS_BIND", value)]).expect_err(value);
            assert_eq!(err.variable, "LATCHKEY_METRICS_BIND");
        }
        let any = settings(&[("LATCHKEY_BIND", "127.0.0.1:0"), ("LATCHKEY_METRICS_BIND", "127.0.0.1:0")]);
        assert!(any.is_ok(), "two free ports never collide");
        assert_eq!(settings(&[("LATCHKEY_FLUSH_INTERVAL", "0")]).expect("off").flush_interval, Duration::ZERO);
        let err = settings(&[("LATCHKEY_FLUSH_INTERVAL", "-1")]).expect_err("negative");
        assert_eq!(err.variable, "LATCHKEY_FLUSH_INTERVAL");
    }

    #[test]
    fn a_zero_connect_timeout_is_refused() {
        let err = settings(&[("LATCHKEY_DB_CONNECT_TIMEOUT", "0")]).expect_err("zero");
        assert_eq!(err.variable, "LATCHKEY_DB_CONNECT_TIMEOUT");
    }
}
