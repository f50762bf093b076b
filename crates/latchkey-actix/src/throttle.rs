//! DRF's rate throttles for actix apps: `AnonRateThrottle`, `UserRateThrottle` and
//! `ScopedRateThrottle` scopes, with the arithmetic of [`latchkey_drf::throttling`].
//!
//! Each throttle keeps one sliding log per client in this process's memory, as DRF does with
//! its default cache. Unlike DRF (whose check and record are two cache calls, racy across
//! requests: DRF #5181), a client's check and record happen under one lock, so concurrent
//! requests cannot all slip through the last free slot. Several instances behind a load
//! balancer each count on their own: together they admit up to their number times the rate.
//!
//! ```
//! use latchkey_actix::throttle::{Client, ThrottleClass, Throttles};
//!
//! let throttles = Throttles::default().with_anon("1/m".parse().unwrap());
//! let anon = Client::Anonymous { ip: "203.0.113.9".into() };
//! assert!(throttles.check(&[ThrottleClass::Anon], &anon).is_ok());
//! let refused = throttles.check(&[ThrottleClass::Anon], &anon).unwrap_err();
//! assert_eq!(refused.detail(), "Request was throttled. Expected available in 60 seconds.");
//! ```

use latchkey_drf::throttling::{History, Rate, Throttled};
use moka::sync::Cache;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The memory one throttle may hold, in 8-byte request times: 64 MiB. A client's history is
/// weighed at the most it can hold (the rate's N times) plus its bookkeeping, so the bound is
/// kept however full the histories get: at `30/m` that is about 180,000 clients, at `1000/h`
/// about 8,000. Beyond it the least used histories are forgotten (moka's TinyLFU keeps the
/// frequent ones: a busy client is not evicted by a crowd of one-off ones).
pub const MAX_TIMES_PER_THROTTLE: u64 = 8 * 1024 * 1024;

/// The largest N a throttle takes: a history of a million times (8 MB) already says "no limit".
pub const MAX_REQUESTS_PER_PERIOD: u32 = 1_000_000;

/// What a history costs besides its times (the map entry, the lock, the deque), in 8-byte
/// units.
const HISTORY_OVERHEAD: u32 = 16;

/// Who a request is throttled as: DRF's cache key without the scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Client {
    /// An authenticated user, by primary key.
    User(i64),
    /// An anonymous request, by DRF's `get_ident` (the peer address, or the trusted
    /// `X-Forwarded-For` entry).
    Anonymous { ip: Box<str> },
}

/// A throttle a view applies, in DRF's `throttle_classes` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleClass {
    /// `AnonRateThrottle`: anonymous requests only, by IP.
    Anon,
    /// `UserRateThrottle`: users by id, anonymous requests by IP.
    User,
    /// `ScopedRateThrottle` with the view's `throttle_scope`: users by id, others by IP.
    Scoped(&'static str),
}

/// One rate and the histories of the clients it has seen.
struct RateThrottle {
    rate: Rate,
    histories: Cache<Client, Arc<Mutex<History>>, foldhash::fast::RandomState>,
}

impl RateThrottle {
    fn new(rate: Rate) -> Self {
        // A history untouched for a whole period holds only expired times: forgetting it
        // changes nothing.
        let period = Duration::from_secs(u64::from(rate.period_secs()));
        let weight = rate.requests().saturating_add(HISTORY_OVERHEAD);
        let histories = Cache::builder()
            .max_capacity(MAX_TIMES_PER_THROTTLE)
            .weigher(move |_: &Client, _: &Arc<Mutex<History>>| weight)
            .time_to_idle(period)
            // SipHash (moka's default) resists flooding a map's buckets; foldhash is seeded per
            // process too and several times cheaper on this per-request path.
            .build_with_hasher(foldhash::fast::RandomState::default());
        Self { rate, histories }
    }

    fn admit(&self, client: &Client, now: f64) -> Result<(), Option<f64>> {
        let history = self.histories.get_with_by_ref(client, || Arc::new(Mutex::new(History::default())));
        // A panic while holding the lock leaves a history that is still a valid log.
        let mut history = history.lock().unwrap_or_else(PoisonError::into_inner);
        history.admit(&self.rate, now)
    }
}

/// The configured throttles: off unless given a rate.
pub struct Throttles {
    anon: Option<RateThrottle>,
    user: Option<RateThrottle>,
    scopes: Vec<(&'static str, RateThrottle)>,
    epoch: Instant,
}

impl Default for Throttles {
    fn default() -> Self {
        Self { anon: None, user: None, scopes: Vec::new(), epoch: Instant::now() }
    }
}

impl Throttles {
    pub fn with_anon(mut self, rate: Rate) -> Self {
        self.anon = Some(RateThrottle::new(rate));
        self
    }

    pub fn with_user(mut self, rate: Rate) -> Self {
        self.user = Some(RateThrottle::new(rate));
        self
    }

    /// A `ScopedRateThrottle` scope (DRF's `DEFAULT_THROTTLE_RATES[scope]`).
    pub fn with_scope(mut self, scope: &'static str, rate: Rate) -> Self {
        self.scopes.retain(|(name, _)| *name != scope);
        self.scopes.push((scope, RateThrottle::new(rate)));
        self
    }

    /// Whether any of `classes` has a rate: when none has, a view needs no client identity.
    pub fn applies(&self, classes: &[ThrottleClass]) -> bool {
        classes.iter().any(|class| self.throttle(*class).is_some())
    }

    fn throttle(&self, class: ThrottleClass) -> Option<&RateThrottle> {
        match class {
            ThrottleClass::Anon => self.anon.as_ref(),
            ThrottleClass::User => self.user.as_ref(),
            ThrottleClass::Scoped(scope) => self.scopes.iter().find(|(name, _)| *name == scope).map(|(_, t)| t),
        }
    }

    /// DRF's `check_throttles`: every throttle of `classes` sees the request (each that admits
    /// it records it), and a refusal by any answers with the longest wait.
    pub fn check(&self, classes: &[ThrottleClass], client: &Client) -> Result<(), Throttled> {
        let now = self.epoch.elapsed().as_secs_f64();
        let mut waits = Vec::new();
        for class in classes {
            let Some(throttle) = self.throttle(*class) else { continue };
            // `AnonRateThrottle.get_cache_key` is `None` for an authenticated user.
            if *class == ThrottleClass::Anon && matches!(client, Client::User(_)) {
                continue;
            }
            if let Err(wait) = throttle.admit(client, now) {
                waits.push(wait);
            }
        }
        if waits.is_empty() { Ok(()) } else { Err(Throttled::after(waits)) }
    }
}

impl std::fmt::Debug for Throttles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rate = |t: &Option<RateThrottle>| t.as_ref().map(|t| t.rate.to_string());
        f.debug_struct("Throttles")
            .field("anon", &rate(&self.anon))
            .field("user", &rate(&self.user))
            .field("scopes", &self.scopes.iter().map(|(n, t)| (*n, t.rate.to_string())).collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(text: &str) -> Rate {
        text.parse().unwrap_or_else(|err| panic!("{text}: {err}"))
    }

    fn ip(addr: &str) -> Client {
        Client::Anonymous { ip: addr.into() }
    }

    #[test]
    fn off_unless_configured() {
        let throttles = Throttles::default();
        assert!(!throttles.applies(&[ThrottleClass::Anon, ThrottleClass::User, ThrottleClass::Scoped("login")]));
        for _ in 0..100 {
            assert!(throttles.check(&[ThrottleClass::Anon, ThrottleClass::User], &ip("a")).is_ok());
        }
    }

    #[test]
    fn anon_skips_users_and_user_counts_anonymous_requests_by_ip() {
        let throttles = Throttles::default().with_anon(rate("1/h")).with_user(rate("2/h"));
        let both = [ThrottleClass::Anon, ThrottleClass::User];
        assert!(throttles.check(&both, &Client::User(7)).is_ok());
        assert!(throttles.check(&both, &Client::User(7)).is_ok());
        assert!(throttles.check(&both, &Client::User(7)).is_err(), "user rate");
        assert!(throttles.check(&both, &Client::User(8)).is_ok(), "per user");
        assert!(throttles.check(&both, &ip("10.0.0.1")).is_ok());
        // The anon throttle refuses the second; the user throttle recorded it anyway, as DRF's
        // `check_throttles` asks every throttle.
        assert!(throttles.check(&both, &ip("10.0.0.1")).is_err());
        assert!(throttles.check(&[ThrottleClass::User], &ip("10.0.0.1")).is_err(), "two recorded under user");
    }

    #[test]
    fn the_longest_wait_wins_and_scopes_are_separate() {
        let throttles = Throttles::default().with_user(rate("1/m")).with_scope("login", rate("1/h"));
        let login = [ThrottleClass::User, ThrottleClass::Scoped("login")];
        assert!(throttles.check(&login, &ip("a")).is_ok());
        let refused = throttles.check(&login, &ip("a")).expect_err("both refuse");
        assert_eq!(refused.retry_after(), Some(3_600));
        assert!(throttles.check(&[ThrottleClass::Scoped("other")], &ip("a")).is_ok(), "no such scope: off");
    }

    #[test]
    fn concurrent_requests_never_exceed_the_rate() {
        let throttles = Arc::new(Throttles::default().with_anon(rate("50/h")));
        let admitted: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let throttles = Arc::clone(&throttles);
                    s.spawn(move || {
                        (0..100).filter(|_| throttles.check(&[ThrottleClass::Anon], &ip("x")).is_ok()).count()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
        });
        assert_eq!(admitted, 50);
    }
}
