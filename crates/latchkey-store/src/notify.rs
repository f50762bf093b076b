//! Telling every instance on one PostgreSQL database that authentication state changed, so
//! their caches forget it within a fraction of a second instead of within their TTL.
//!
//! Writes that change what authentication caches (a user's state or password, a key, a
//! session, a cutoff) also send `NOTIFY latchkey_auth, '<event>'` ([`AuthEvent`]), inside the
//! write's transaction, so the notification goes out exactly when the change is committed.
//! [`AuthListener`] holds one dedicated connection per instance that `LISTEN`s and hands each
//! event to a callback. PostgreSQL only: SQLite has no such channel, and there the caches' TTL
//! stays the bound for changes made by other processes.

use crate::connection::AnyConnection;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{PgConnection, sql_types::Text};
use latchkey_domain::UserId;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The channel every Latchkey instance listens on.
pub const AUTH_CHANNEL: &str = "latchkey_auth";

/// How often the listener checks its connection is alive when nothing arrives: a connection
/// that died silently (a network partition) is only noticed by using it.
const PING_EVERY: Duration = Duration::from_secs(5);

/// How long the listener waits before reconnecting after a failure.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthEvent {
    /// A user's state, password, keys or cutoff.
    User(UserId),
    /// A session ended (by its tag).
    Session(String),
    /// The listener (re)connected: changes made while it was away were not heard, so
    /// everything cached may be stale.
    Resync,
}

impl AuthEvent {
    fn payload(&self) -> Option<String> {
        match self {
            AuthEvent::User(id) => Some(format!("u:{id}")),
            AuthEvent::Session(tag) => Some(format!("s:{tag}")),
            AuthEvent::Resync => None,
        }
    }

    fn parse(payload: &str) -> Option<AuthEvent> {
        if let Some(id) = payload.strip_prefix("u:") {
            return id.parse().ok().map(|id| AuthEvent::User(UserId(id)));
        }
        payload.strip_prefix("s:").map(|tag| AuthEvent::Session(tag.to_owned()))
    }
}

/// Sends `event` on `conn` when it is a PostgreSQL connection (inside the caller's transaction,
/// if any: then it goes out at commit); nothing on SQLite.
pub(crate) fn notify(conn: &mut AnyConnection, event: &AuthEvent) -> QueryResult<()> {
    let (AnyConnection::Postgresql(pg), Some(payload)) = (conn, event.payload()) else {
        return Ok(());
    };
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<Text, _>(AUTH_CHANNEL)
        .bind::<Text, _>(payload)
        .execute(pg)
        .map(drop)
}

/// A thread listening on [`AUTH_CHANNEL`] with a connection of its own. Dropping it stops the
/// thread (within one poll interval).
pub struct AuthListener {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for AuthListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthListener").finish_non_exhaustive()
    }
}

impl AuthListener {
    /// Listens on the PostgreSQL database at `url`, checking for notifications every `poll`,
    /// and calls `on_event` for each (and [`AuthEvent::Resync`] after every connect). Failures
    /// are logged and retried every second; the thread never gives up while the listener lives.
    pub fn start(
        url: &str,
        poll: Duration,
        on_event: impl Fn(AuthEvent) + Send + 'static,
    ) -> std::io::Result<AuthListener> {
        let stop = Arc::new(AtomicBool::new(false));
        let url = url.to_owned();
        let stopping = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("latchkey-auth-listener".into())
            .spawn(move || listen(&url, poll, &stopping, &on_event))?;
        Ok(AuthListener { stop, thread: Some(thread) })
    }
}

impl Drop for AuthListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// libpq settings for the listening connection: a connect that hangs, or a link that died
/// without a word (a partition), fails within seconds instead of the kernel's 15 minutes, so
/// the listener reconnects (and the cache TTL covers the gap) instead of waiting silently.
const LISTENER_PARAMS: &str =
    "connect_timeout=5&keepalives=1&keepalives_idle=5&keepalives_interval=2&keepalives_count=2&tcp_user_timeout=10000";

fn listener_url(url: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{LISTENER_PARAMS}")
}

fn listen(url: &str, poll: Duration, stop: &AtomicBool, on_event: &dyn Fn(AuthEvent)) {
    let redacted = crate::redact_url(url);
    let url = listener_url(url);
    let url = url.as_str();
    let mut down_since: Option<Instant> = None;
    while !stop.load(Ordering::SeqCst) {
        let connected = PgConnection::establish(url).map_err(|e| e.to_string()).and_then(|mut conn| {
            conn.batch_execute(&format!("LISTEN {AUTH_CHANNEL}")).map(|()| conn).map_err(|e| e.to_string())
        });
        let mut conn = match connected {
            Ok(conn) => conn,
            Err(err) => {
                if down_since.is_none() {
                    log::warn!(
                        "cannot listen for cache invalidations on {redacted} ({err}); other instances' changes are seen within the cache TTL until it is back"
                    );
                    down_since = Some(Instant::now());
                }
                sleep_unless_stopped(RECONNECT_AFTER, stop);
                continue;
            }
        };
        if let Some(since) = down_since.take() {
            log::info!("listening for cache invalidations again after {:.1} s", since.elapsed().as_secs_f64());
        }
        on_event(AuthEvent::Resync);
        if let Err(err) = relay(&mut conn, poll, stop, on_event) {
            log::warn!("lost the cache-invalidation connection to {redacted}: {err}");
            down_since = Some(Instant::now());
            // Not at once: a proxy that keeps closing the connection would otherwise cost a
            // full cache flush in a tight loop.
            sleep_unless_stopped(RECONNECT_AFTER, stop);
        }
    }
}

/// Hands notifications over until `stop`, or until the connection fails.
fn relay(conn: &mut PgConnection, poll: Duration, stop: &AtomicBool, on_event: &dyn Fn(AuthEvent)) -> QueryResult<()> {
    let mut last_ping = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        for notification in conn.notifications_iter() {
            if let Some(event) = AuthEvent::parse(&notification?.payload) {
                on_event(event);
            }
        }
        if last_ping.elapsed() >= PING_EVERY {
            conn.batch_execute("SELECT 1")?;
            last_ping = Instant::now();
        }
        std::thread::sleep(poll);
    }
    Ok(())
}

fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let step = Duration::from_millis(50);
    let started = Instant::now();
    while started.elapsed() < total && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(step);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_through_their_payload() {
        for event in [AuthEvent::User(UserId(42)), AuthEvent::Session("0123456789abcdef".into())] {
            let payload = event.payload().expect("payload");
            assert_eq!(AuthEvent::parse(&payload), Some(event));
        }
        assert_eq!(AuthEvent::Resync.payload(), None);
        assert!(listener_url("postgres://h/db").starts_with("postgres://h/db?connect_timeout=5&"));
        assert!(
            listener_url("postgres://h/db?sslmode=disable")
                .starts_with("postgres://h/db?sslmode=disable&connect_timeout")
        );
        for junk in ["", "u:", "u:x", "x:1"] {
            assert_eq!(AuthEvent::parse(junk), None, "{junk}");
        }
    }
}
