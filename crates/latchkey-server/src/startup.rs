//! Builds the whole server from [`Settings`]: storage, schemes, caches, pools and routes.
//! `main` and the end-to-end tests share this path; tests bind port 0.

use crate::config::{Settings, SigningKey};
use crate::hashing::HashingPool;
use crate::lockout::LoginLockout;
use crate::products::Products;
use crate::routes;
use crate::services::Services;
use crate::telemetry;
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{Condition, DefaultHeaders, Next, from_fn};
use actix_web::{App, HttpServer, web};
use futures_util::FutureExt;
use latchkey_actix::throttle::Throttles;
use latchkey_actix::{ApiError, AuthCaches, AuthLookup, BodyLimit, BodyTimeout, InvalidatingStore, StoreQueue};
use latchkey_domain::{Accounts, BoxError, OpaqueKeyStore, PasswordHasher, SessionStore, UserStore};
use latchkey_engine::{SchemeChain, SchemeRegistry};
use latchkey_jwt::{JwtScheme, JwtService, JwtSettings, JwtTokens};
use latchkey_opaque::{KeyDeriver, OpaqueError, OpaqueKeys, ProvisionOnCreate, TokenScheme};
use latchkey_password::DjangoHashers;
use latchkey_store::{AuthEvent, AuthListener, Backend, ConnectError, Database, PoolOptions};
use secrecy::{ExposeSecret, SecretSlice};
use std::net::TcpListener;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Why the server (or a command) could not start. Each variant keeps its cause; print it
/// with [`latchkey_domain::error_chain`] to see the whole chain.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("database")]
    Connect(#[from] ConnectError),
    #[error("database")]
    Database(#[from] latchkey_domain::StoreError),
    #[error("signing key {path}")]
    KeyFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("signing key")]
    Key(#[source] BoxError),
    #[error("LATCHKEY_SECRET_KEY is required when the JWT algorithm is asymmetric")]
    MissingSecretKey,
    #[error("metrics recorder")]
    Metrics(#[source] BoxError),
    #[error("password hasher")]
    Hasher(#[from] latchkey_domain::PasswordError),
    #[error("invalid LATCHKEY_AUTH_SCHEMES")]
    Schemes(#[from] latchkey_engine::UnknownScheme),
    #[error("cannot listen on {addr}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl From<OpaqueError> for StartupError {
    fn from(err: OpaqueError) -> Self {
        StartupError::Key(Box::new(err))
    }
}

/// The keys the server signs and derives with.
pub struct Keys {
    pub jwt: JwtSettings,
    pub opaque_secret: SecretSlice<u8>,
}

/// Connects to the database (and migrates it unless told not to).
pub fn connect(settings: &Settings) -> Result<Database, StartupError> {
    let options = PoolOptions::new(settings.db_pool_size, settings.db_connect_timeout);
    let database = Database::connect(settings.database_url.expose_secret(), options)?;
    if settings.run_migrations {
        // The store logs each migration it applies.
        database.run_migrations()?;
    }
    Ok(database)
}

pub fn keys(settings: &Settings) -> Result<Keys, StartupError> {
    let cfg = &settings.jwt;
    let key_error = |err: latchkey_jwt::KeyError| StartupError::Key(Box::new(err));
    let (jwt, default_secret) = match &cfg.signing_key {
        SigningKey::Secret(secret) => {
            let secret = secret.expose_secret().as_bytes();
            (JwtSettings::hmac(cfg.algorithm, secret).map_err(key_error)?, Some(SecretSlice::from(secret.to_vec())))
        }
        SigningKey::Generated(path) => {
            let secret = generated_secret(path)?;
            let secret = secret.expose_secret();
            (JwtSettings::hmac(cfg.algorithm, secret).map_err(key_error)?, Some(SecretSlice::from(secret.to_vec())))
        }
        SigningKey::Pem { private_key, public_key } => {
            let read = |path: &Path| {
                std::fs::read(path).map_err(|source| StartupError::KeyFile { path: path.display().to_string(), source })
            };
            (JwtSettings::from_pem(cfg.algorithm, &read(private_key)?, &read(public_key)?).map_err(key_error)?, None)
        }
    };
    let mut jwt = jwt
        .with_lifetimes(cfg.access_lifetime, cfg.refresh_lifetime)
        .with_rotation(cfg.rotate_refresh_tokens, cfg.blacklist_after_rotation)
        .with_leeway(cfg.leeway);
    if let Some(audience) = &cfg.audience {
        jwt = jwt.with_audience(audience.clone());
    }
    if let Some(name) = &cfg.session_claim {
        jwt = jwt.with_session_claim(name.clone()).map_err(|err| StartupError::Key(Box::new(err)))?;
    }
    if let Some(issuer) = &cfg.issuer {
        jwt = jwt.with_issuer(issuer.clone());
    }
    let opaque_secret = match (&settings.secret_key, default_secret) {
        (Some(secret), _) => SecretSlice::from(secret.expose_secret().as_bytes().to_vec()),
        (None, Some(secret)) => secret,
        (None, None) => return Err(StartupError::MissingSecretKey),
    };
    Ok(Keys { jwt, opaque_secret })
}

/// A development key kept in a file, so that tokens survive a restart.
fn generated_secret(path: &Path) -> Result<SecretSlice<u8>, StartupError> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        let existing = existing.trim();
        if !existing.is_empty() {
            return Ok(SecretSlice::from(existing.as_bytes().to_vec()));
        }
    }
    let secret = hex::encode(rand::random::<[u8; 32]>());
    write_private(path, &secret)
        .map_err(|source| StartupError::KeyFile { path: path.display().to_string(), source })?;
    log::warn!(
        "LATCHKEY_SIGNING_KEY is not set: generated a development key in {} (set LATCHKEY_SIGNING_KEY in production)",
        path.display()
    );
    Ok(SecretSlice::from(secret.into_bytes()))
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

/// The account service with every "user created" hook, as the server and xtask use it.
pub fn accounts(users: Arc<dyn UserStore>, hasher: Arc<dyn PasswordHasher>, opaque: Arc<OpaqueKeys>) -> Accounts {
    Accounts::new(users, hasher).with_hook(Arc::new(ProvisionOnCreate(opaque)))
}

/// Django's `PASSWORD_HASHERS`: new and changed passwords in the preferred format, every
/// Django format verified.
pub fn password_hasher(settings: &Settings) -> Result<Arc<DjangoHashers>, StartupError> {
    Ok(Arc::new(DjangoHashers::new(settings.password_hasher.clone())?))
}

pub fn opaque_keys(store: Arc<dyn OpaqueKeyStore>, secret: &SecretSlice<u8>) -> Result<Arc<OpaqueKeys>, StartupError> {
    Ok(Arc::new(OpaqueKeys::new(KeyDeriver::new(secret.expose_secret())?, store)))
}

/// The lockout over `database`, keyed with the secret opaque keys derive from (every instance
/// has it, so every instance counts a name under the same key).
pub fn login_lockout(settings: &Settings, database: &Database, keys: &Keys) -> Result<LoginLockout, StartupError> {
    LoginLockout::new(Arc::new(database.clone()), settings.lockout, keys.opaque_secret.expose_secret())
        .map_err(|err| StartupError::Key(Box::new(err)))
}

/// `unlock USERNAME`: forgets the failed logins and any lock of a login name, on the database
/// `settings` name; whether there were any. Works with the lockout turned off too.
pub fn unlock_login(settings: &Settings, username: &str) -> Result<bool, StartupError> {
    let database = connect(settings)?;
    let keys = keys(settings)?;
    Ok(login_lockout(settings, &database, &keys)?.unlock(username)?)
}

fn throttles(settings: &Settings) -> Throttles {
    let rates = &settings.throttle;
    let mut throttles = Throttles::default();
    if let Some(rate) = rates.anon {
        throttles = throttles.with_anon(rate);
    }
    if let Some(rate) = rates.user {
        throttles = throttles.with_user(rate);
    }
    if let Some(rate) = rates.login {
        throttles = throttles.with_scope(routes::LOGIN_SCOPE, rate);
    }
    throttles
}

/// How often an instance checks for other instances' invalidations (PostgreSQL): the bound on
/// how long a revocation made elsewhere can go unseen, plus the notification's own delivery.
const INVALIDATION_POLL: Duration = Duration::from_millis(100);

/// On PostgreSQL, a thread that hears other instances' changes and forgets what the caches
/// hold about them (`latchkey_store::notify`).
fn listen_for_invalidations(
    settings: &Settings,
    database: &Database,
    caches: &Arc<AuthCaches>,
) -> Result<Option<AuthListener>, StartupError> {
    if database.backend() != Backend::Postgres || settings.auth_cache_ttl.is_zero() {
        return Ok(None);
    }
    let caches = Arc::clone(caches);
    let listener =
        AuthListener::start(settings.database_url.expose_secret(), INVALIDATION_POLL, move |event| match event {
            AuthEvent::User(id) => caches.user_changed(id),
            AuthEvent::Session(tag) => caches.session_changed(&tag),
            AuthEvent::Resync => caches.invalidate_all(),
        })?;
    Ok(Some(listener))
}

fn services(
    settings: &Settings,
    database: Database,
    keys: Keys,
) -> Result<(Services, SchemeChain, Option<AuthListener>), StartupError> {
    let hasher = password_hasher(settings)?;
    // The dummy hash and the timing reference, now rather than at the first failed login.
    hasher.prepare()?;
    // Reads and writes of users and keys go through the invalidating store, so the caches
    // authentication serves from never outlive a change made by this process.
    let caches = Arc::new(AuthCaches::new(settings.auth_cache_ttl));
    let listener = listen_for_invalidations(settings, &database, &caches)?;
    let store = Arc::new(InvalidatingStore::new(database.clone(), Arc::clone(&caches)));
    let opaque = opaque_keys(store.clone(), &keys.opaque_secret)?;
    let lockout = Arc::new(login_lockout(settings, &database, &keys)?);
    let accounts = accounts(store.clone(), hasher, Arc::clone(&opaque));
    // One queue in front of the pool for every store call a request makes, so they are
    // served in the order they came (see `StoreQueue`).
    let store_queue = StoreQueue::new(settings.db_pool_size as usize, settings.db_connect_timeout);
    let lookup = Arc::new(
        AuthLookup::new(store.clone(), Arc::clone(&opaque), caches)
            .with_sessions(store.clone())
            .with_queue(store_queue.clone()),
    );
    // One verifier: the scheme checks access tokens with it, statelessly; the service adds
    // the refresh-token store for what needs it.
    let tokens = Arc::new(JwtTokens::new(keys.jwt));
    let jwt = Arc::new(
        JwtService::new(Arc::clone(&tokens), store.clone())
            .with_sessions(store.clone(), settings.refresh_reuse_interval)
            // Reads only: nothing for the caches to forget.
            .with_refresh_reads(Arc::new(database.clone())),
    );
    let registry = SchemeRegistry::new()
        .register(Arc::new(JwtScheme::new(tokens, lookup.clone()).with_sessions(lookup.clone())))
        .register(Arc::new(TokenScheme::new(lookup.clone())));
    let chain = registry.chain(&settings.auth_schemes)?;
    let hashing = HashingPool::new(settings.hash_threads, settings.hash_queue)?;
    let products = Products::new(database.clone());
    let sessions: Arc<dyn SessionStore> = store;
    let services = Services {
        accounts,
        jwt,
        opaque,
        sessions,
        hashing,
        products,
        database,
        readiness: Arc::default(),
        num_proxies: settings.num_proxies,
        throttles: Arc::new(throttles(settings)),
        lockout,
        store_queue,
    };
    Ok((services, chain, listener))
}

/// Builds everything `Application::build` does but the listeners, and drops it: what `check`
/// runs, so that it fails exactly where serving would. Applies no migration and writes no key
/// file (a development key that does not exist yet is replaced by a throwaway one).
pub fn verify(settings: &Settings) -> Result<(), StartupError> {
    let mut settings = Settings { run_migrations: false, ..settings.clone() };
    if let SigningKey::Generated(path) = &settings.jwt.signing_key
        && !path.exists()
    {
        let throwaway = hex::encode(rand::random::<[u8; 32]>());
        settings.jwt.signing_key = SigningKey::Secret(secrecy::SecretString::from(throwaway));
    }
    let database = connect(&settings)?;
    let keys = keys(&settings)?;
    services(&settings, database, keys).map(drop)
}

pub struct Application {
    port: u16,
    server: Server,
    /// Lives as long as the server: dropping it stops listening.
    invalidations: Option<AuthListener>,
    /// The periodic flush, started with the server.
    flush: FlushPlan,
    /// The metrics listener (`LATCHKEY_METRICS_BIND`) and its port.
    metrics: Option<(Server, u16)>,
}

struct FlushPlan {
    database: Database,
    leeway: Duration,
    interval: Duration,
}

impl Application {
    pub fn build(settings: &Settings) -> Result<Self, StartupError> {
        let database = connect(settings)?;
        let keys = keys(settings)?;
        let flush =
            FlushPlan { database: database.clone(), leeway: settings.jwt.leeway, interval: settings.flush_interval };
        let metrics = match &settings.metrics_bind {
            Some(addr) => {
                let recorder = crate::monitoring::recorder().map_err(|err| StartupError::Metrics(Box::new(err)))?;
                let listener =
                    TcpListener::bind(addr).map_err(|source| StartupError::Bind { addr: addr.clone(), source })?;
                let port = listener.local_addr()?.port();
                Some((crate::monitoring::serve(listener, recorder, database.clone())?, port))
            }
            None => None,
        };
        let record = metrics.is_some();
        let (services, chain, invalidations) = services(settings, database, keys)?;
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|source| StartupError::Bind { addr: settings.bind.clone(), source })?;
        let port = listener.local_addr()?.port();
        let services = web::Data::new(services);
        let chain = web::Data::new(chain);
        let limit = web::Data::new(BodyLimit(settings.body_limit));
        let body_timeout = web::Data::new(BodyTimeout(settings.body_timeout));
        let api = routes::ApiDocs::new(settings);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(services.clone())
                .app_data(chain.clone())
                .app_data(limit.clone())
                .app_data(body_timeout.clone())
                .wrap(from_fn(authenticate_unless_probe))
                .wrap(from_fn(no_store))
                .wrap(security_headers())
                .wrap(from_fn(catch_panics))
                .wrap(Condition::new(record, from_fn(crate::monitoring::record_request)))
                .wrap(telemetry::request_logger(&routes::PROBE_PATHS))
                .configure(|cfg| routes::configure(cfg, &api))
                .default_service(web::to(routes::not_found))
        })
        .workers(settings.workers)
        // The request head must arrive within 5 s (actix's default, stated), a closing client
        // gets 1 s to go, and each worker serves a bounded number of connections. Idle
        // keep-alive connections live 75 s (nginx's default): longer than clients keep theirs
        // (httpx and many others: 5 s, actix's own default), so a client never sends a request
        // on a connection the server is closing at that very moment (seen as a rare
        // "Server disconnected without sending a response" in the contract suite).
        .client_request_timeout(Duration::from_secs(5))
        .client_disconnect_timeout(Duration::from_secs(1))
        .keep_alive(Duration::from_secs(75))
        .max_connections(10_000)
        .listen(listener)?
        .run();
        Ok(Self { port, server, invalidations, flush, metrics })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The metrics listener's port, when `LATCHKEY_METRICS_BIND` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(_, port)| *port)
    }

    /// Serves until SIGINT or SIGTERM, then lets requests in flight finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Application { server, invalidations, flush, metrics, .. } = self;
        // Stopped with the server, or when this future is dropped.
        let schedule = crate::maintenance::start_flush(flush.database, flush.leeway, flush.interval);
        let metrics = metrics.map(|(server, _)| {
            let handle = server.handle();
            (handle, crate::maintenance::AbortOnDrop(actix_web::rt::spawn(server)))
        });
        let served = server.await;
        if let Some((handle, _task)) = metrics {
            handle.stop(true).await;
        }
        drop(schedule);
        drop(invalidations);
        served
    }
}

/// Authentication for everything but the health probes: a probe answers without the database,
/// whatever `Authorization` a load balancer sends.
async fn authenticate_unless_probe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if routes::PROBE_PATHS.contains(&req.path()) {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    }
    latchkey_actix::authenticate(req, next).await.map(ServiceResponse::map_into_right_body)
}

/// `Cache-Control: no-store` on every response that carries or refuses a credential (RFC 6749
/// §5.1): the credential endpoints' answers, and every 401. A shared cache must never keep a
/// token, and a browser should not either.
async fn no_store(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let credential_path = routes::CREDENTIAL_PATHS.contains(&req.path()) || req.path().starts_with("/api/sessions/");
    let mut response = next.call(req).await?;
    if credential_path || response.status() == actix_web::http::StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

/// The headers Django's security and clickjacking middleware put on every response, and DRF's
/// `Vary: Accept` (responses are negotiated on it).
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Frame-Options", "DENY"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add((header::VARY, "Accept"))
}

/// A panicking handler answers a JSON 500 instead of dropping the connection. The request is
/// not kept for the occasion: routing needs it unshared, and actix renders an `Err` through
/// `ApiError`'s own response.
async fn catch_panics(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let path = req.path().to_owned();
    match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(response) => response,
        Err(_) => Err(ApiError::internal(format!("handler panicked on {path}")).into()),
    }
}
