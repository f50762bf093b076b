//! DRF's `SimpleRateThrottle` arithmetic: a rate as DRF writes it (`100/h`), the sliding log of
//! request times a throttle keeps per client, the wait a refusal announces, and the bytes of the
//! 429 (`Throttled`). No clock and no storage: the caller keeps one [`History`] per client and
//! scope and passes the time in.
//!
//! Written by hand rather than taken from `governor`: governor implements GCRA, which refills
//! one request every `period / N` and announces the wait until that refill. DRF keeps the times
//! of the last N requests, refuses while N of them are younger than the period, and announces
//! `remaining / (N - len + 1)`. For one rate the two let different requests through and write
//! different numbers into `Retry-After` and the body, so a DRF client would see another
//! throttle.
//!
//! ```
//! use latchkey_drf::throttling::{History, Rate, Throttled};
//!
//! let rate: Rate = "2/minute".parse().unwrap();
//! let mut history = History::default();
//! assert!(history.admit(&rate, 100.0).is_ok());
//! assert!(history.admit(&rate, 101.0).is_ok());
//! let wait = history.admit(&rate, 110.0).unwrap_err();
//! let refused = Throttled::after([wait]);
//! assert_eq!(refused.retry_after(), Some(50));
//! assert_eq!(refused.detail(), "Request was throttled. Expected available in 50 seconds.");
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;

/// A throttle rate: `requests` per `period_secs` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    requests: u32,
    period_secs: u32,
}

impl Rate {
    pub const fn new(requests: u32, period_secs: u32) -> Self {
        Self { requests, period_secs }
    }

    pub fn requests(&self) -> u32 {
        self.requests
    }

    pub fn period_secs(&self) -> u32 {
        self.period_secs
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let period = match self.period_secs {
            1 => "s".to_owned(),
            60 => "m".to_owned(),
            3600 => "h".to_owned(),
            86_400 => "d".to_owned(),
            secs => format!("{secs}s"),
        };
        write!(f, "{}/{period}", self.requests)
    }
}

/// Why a rate does not read as DRF's `"N/period"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateError {
    #[error("expected N/s, N/m, N/h or N/d (such as 100/h or 10/minute)")]
    Shape,
    #[error("the number of requests must be a whole number from 0 to {max}", max = u32::MAX)]
    Requests,
    #[error("the period must start with s, m, h or d")]
    Period,
}

impl FromStr for Rate {
    type Err = RateError;

    /// DRF's `parse_rate`: one `/`, a whole number before it, and only the first letter of the
    /// period counts (`10/m`, `10/min` and `10/minute` are one rate).
    fn from_str(text: &str) -> Result<Self, RateError> {
        let (requests, period) = text.trim().split_once('/').ok_or(RateError::Shape)?;
        if period.contains('/') {
            return Err(RateError::Shape);
        }
        let requests = requests.trim();
        let digits = requests.strip_prefix('+').unwrap_or(requests);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RateError::Requests);
        }
        let requests = digits.parse().map_err(|_| RateError::Requests)?;
        let period_secs = match period.trim_end().chars().next() {
            Some('s') => 1,
            Some('m') => 60,
            Some('h') => 3_600,
            Some('d') => 86_400,
            _ => return Err(RateError::Period),
        };
        Ok(Rate { requests, period_secs })
    }
}

/// The times of a client's requests still inside the period, newest at the back.
///
/// It holds at most [`Rate::requests`] times: a refused request is not recorded.
#[derive(Debug, Clone, Default)]
pub struct History {
    times: VecDeque<f64>,
}

impl History {
    /// DRF's `allow_request` for one client at `now` (seconds on any clock that does not go
    /// back): forgets the times that left the period, then records `now` and admits, or
    /// refuses with the wait DRF computes (`None` when it computes none, as for a rate of
    /// zero requests after the history outgrew it).
    pub fn admit(&mut self, rate: &Rate, now: f64) -> Result<(), Option<f64>> {
        let period = f64::from(rate.period_secs);
        while self.times.front().is_some_and(|&oldest| oldest <= now - period) {
            self.times.pop_front();
        }
        let requests = rate.requests as usize;
        if self.times.len() >= requests {
            let remaining = match self.times.front() {
                Some(&oldest) => period - (now - oldest),
                None => period,
            };
            // DRF's `num_requests - len(history) + 1`, which is at least one here unless the
            // history holds more than the rate allows (a lowered rate).
            let available = requests as f64 - self.times.len() as f64 + 1.0;
            return Err((available > 0.0).then(|| remaining / available));
        }
        self.times.push_back(now);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.times.len()
    }

    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }
}

/// DRF's `Throttled`: the 429 of a refused request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    wait: Option<u64>,
}

impl Throttled {
    /// A refusal to be retried in `wait` whole seconds (rounded up, as DRF does).
    pub fn new(wait: Option<f64>) -> Self {
        Self { wait: wait.map(|w| w.max(0.0).ceil() as u64) }
    }

    /// The refusal of several throttles: the longest of their waits (DRF's
    /// `check_throttles`; a throttle without a wait does not count).
    pub fn after(waits: impl IntoIterator<Item = Option<f64>>) -> Self {
        Self::new(waits.into_iter().flatten().reduce(f64::max))
    }

    /// The wait, in seconds, once rounded up.
    pub fn wait(&self) -> Option<u64> {
        self.wait
    }

    /// The `Retry-After` header's seconds: DRF sends none for a wait of zero or none.
    pub fn retry_after(&self) -> Option<u64> {
        self.wait.filter(|&w| w > 0)
    }

    /// The `detail` of the 429's body, singular for one second as DRF's `ngettext`.
    pub fn detail(&self) -> String {
        match self.wait {
            None => "Request was throttled.".to_owned(),
            Some(1) => "Request was throttled. Expected available in 1 second.".to_owned(),
            Some(wait) => format!("Request was throttled. Expected available in {wait} seconds."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(text: &str) -> Rate {
        text.parse().unwrap_or_else(|err| panic!("{text}: {err}"))
    }

    #[test]
    fn rates_as_drf_reads_them() {
        assert_eq!(rate("3/s"), Rate::new(3, 1));
        assert_eq!(rate("10/minute"), Rate::new(10, 60));
        assert_eq!(rate("100/hour"), Rate::new(100, 3_600));
        assert_eq!(rate("1000/day"), Rate::new(1_000, 86_400));
        assert_eq!(rate(" 5/mxyz "), Rate::new(5, 60));
        assert_eq!(rate("0/m"), Rate::new(0, 60));
        assert_eq!(rate("+7/h"), Rate::new(7, 3_600));
        for bad in ["", "10", "10/", "/m", "ten/m", "-1/m", "10/M", "10/ m", "10/w", "1/m/s", "1.5/m", "99999999999/s"]
        {
            assert!(bad.parse::<Rate>().is_err(), "{bad:?} was accepted");
        }
        assert_eq!(rate("10/minute").to_string(), "10/m");
    }

    #[test]
    fn the_sliding_log_admits_n_per_period() {
        let rate = rate("3/m");
        let mut history = History::default();
        for t in [0.0, 1.0, 2.0] {
            assert_eq!(history.admit(&rate, t), Ok(()));
        }
        // Full: the oldest (t = 0) leaves at t = 60.
        assert_eq!(history.admit(&rate, 10.0), Err(Some(50.0)));
        assert_eq!(history.len(), 3, "a refusal is not recorded");
        assert_eq!(history.admit(&rate, 59.5), Err(Some(0.5)));
        // At exactly t = 60 the first time is out (DRF drops `<= now - duration`).
        assert_eq!(history.admit(&rate, 60.0), Ok(()));
        assert_eq!(history.admit(&rate, 60.5), Err(Some(0.5)));
    }

    #[test]
    fn waits_as_drf_computes_them() {
        // A lowered rate: the history holds more than the new rate allows.
        let mut history = History::default();
        for t in [0.0, 1.0, 2.0, 3.0] {
            history.admit(&rate("4/m"), t).expect("admitted");
        }
        assert_eq!(history.admit(&rate("2/m"), 4.0), Err(None));
        assert_eq!(history.admit(&rate("3/m"), 4.0), Err(None));
        assert_eq!(history.admit(&rate("4/m"), 4.0), Err(Some(56.0)));
        // Zero requests: refused with the whole period.
        assert_eq!(History::default().admit(&rate("0/m"), 5.0), Err(Some(60.0)));
    }

    #[test]
    fn the_429_detail_and_retry_after() {
        let one = Throttled::new(Some(0.2));
        assert_eq!(one.detail(), "Request was throttled. Expected available in 1 second.");
        assert_eq!(one.retry_after(), Some(1));
        let many = Throttled::after([Some(3.0), None, Some(59.01)]);
        assert_eq!(many.detail(), "Request was throttled. Expected available in 60 seconds.");
        assert_eq!(many.retry_after(), Some(60));
        let none = Throttled::after([None]);
        assert_eq!(none.detail(), "Request was throttled.");
        assert_eq!(none.retry_after(), None);
        assert_eq!(Throttled::new(Some(0.0)).retry_after(), None);
    }
}
