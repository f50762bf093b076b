//! Work the server does on its own: the expired-token flush every `LATCHKEY_FLUSH_INTERVAL`,
//! run by one instance per interval however many share the database (each claims the run
//! with a conditional write, `Database::claim_scheduled_run`).

use chrono::{NaiveDateTime, TimeDelta};
use latchkey_domain::{LockoutPolicy, LockoutStore, RefreshTokenStore, StoreError, error_chain};
use latchkey_store::Database;
use std::time::Duration;

/// The task's name in `scheduled_tasks`.
pub const FLUSH_TASK: &str = "flush-expired-tokens";

/// How often an instance asks whether a flush is due, at most: a fleet flushes within this of
/// the interval's end.
const LONGEST_TICK: Duration = Duration::from_secs(60);
/// Instances ask four times an interval: asking once an interval, a tick that comes a hair
/// before the interval has passed since the last start (which was claimed a little after its
/// own tick) would find it not due, and the run would slip to the next tick, two intervals on.
const TICKS_PER_INTERVAL: u32 = 4;

/// What one flush deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flushed {
    pub tokens: u64,
    pub login_records: u64,
}

/// Kept beyond the leeway: another instance's clock may be behind this one's (docs/security.md
/// asks for NTP, which keeps them far closer), and it must still find a blacklist entry for
/// every token it would accept.
const CLOCK_MARGIN: TimeDelta = TimeDelta::minutes(1);

/// `flush-expired-tokens`: outstanding tokens (and their blacklist entries) past `exp` by more
/// than `leeway` and a minute (until then a token may still be accepted somewhere, and its
/// blacklist entry must stay), and failed-login records quiet for a day.
pub fn flush_expired(database: &Database, leeway: Duration, now: NaiveDateTime) -> Result<Flushed, StoreError> {
    // Any failure to compute the cutoff flushes nothing: the safe side.
    let cutoff = TimeDelta::from_std(leeway)
        .ok()
        .and_then(|leeway| leeway.checked_add(&CLOCK_MARGIN))
        .and_then(|keep| now.checked_sub_signed(keep))
        .unwrap_or(NaiveDateTime::MIN);
    let tokens = database.flush_expired(cutoff)?;
    let login_records = database.forget_login_failures(LockoutPolicy::forget_before(now))?;
    Ok(Flushed { tokens, login_records })
}

/// A spawned task that ends when its owner goes (a dropped `run_until_stopped`): the periodic
/// flush, the metrics listener.
pub(crate) struct AbortOnDrop<T>(pub(crate) actix_web::rt::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts the periodic flush on the current actix runtime; `None` when `interval` is zero.
pub(crate) fn start_flush(database: Database, leeway: Duration, interval: Duration) -> Option<AbortOnDrop<()>> {
    if interval.is_zero() {
        return None;
    }
    let every = TimeDelta::from_std(interval).unwrap_or(TimeDelta::MAX);
    let handle = actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(
            (interval / TICKS_PER_INTERVAL).clamp(Duration::from_millis(100), LONGEST_TICK),
        );
        loop {
            ticks.tick().await;
            let database = database.clone();
            let run = actix_web::web::block(move || -> Result<Option<Flushed>, StoreError> {
                let now = chrono::Utc::now().naive_utc();
                if !database.claim_scheduled_run(FLUSH_TASK, now, every)? {
                    return Ok(None);
                }
                flush_expired(&database, leeway, now).map(Some)
            });
            match run.await {
                Ok(Ok(Some(flushed))) if flushed.tokens + flushed.login_records > 0 => log::info!(
                    "flushed {} expired token(s) and {} failed-login record(s)",
                    flushed.tokens,
                    flushed.login_records
                ),
                Ok(Ok(_)) => {}
                Ok(Err(err)) => {
                    log::warn!("the periodic flush failed (the next interval tries again): {}", error_chain(&err))
                }
                Err(err) => log::warn!("the periodic flush did not run: {err}"),
            }
        }
    });
    Some(AbortOnDrop(handle))
}
