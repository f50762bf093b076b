use crate::common::database;
use chrono::{NaiveDateTime, TimeDelta};
use latchkey_domain::{LockoutPolicy, LockoutStore, LoginAttempt, LoginFailures};
use latchkey_store::Backend;
use std::sync::Arc;
use std::time::Duration;

/// A fixed instant plus `secs`.
pub(crate) fn at(secs: i64) -> NaiveDateTime {
    chrono::DateTime::UNIX_EPOCH.naive_utc() + TimeDelta::days(20_000) + TimeDelta::seconds(secs)
}

fn admitted(attempt: LoginAttempt) -> LoginFailures {
    match attempt {
        LoginAttempt::Admitted(record) => record,
        LoginAttempt::Locked(record) => panic!("locked: {record:?}"),
    }
}

/// Every third attempt locks; attempts during a lock are refused and not counted; the next lock
/// lasts twice as long; a clear forgets it all.
fn attempts_lock_and_clear(backend: Backend) {
    let db = database(backend, 2);
    let policy = LockoutPolicy::new(3, Duration::from_secs(60));
    let count = |t: i64| db.count_login_attempt("s1", at(t), &policy).expect("count");
    assert_eq!(db.login_failures("s1").expect("read"), None);
    let first: Vec<LoginFailures> = (1..=3).map(|t| admitted(count(t))).collect();
    assert_eq!(first.iter().map(|r| r.failures).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(first[1].locked_until, None);
    assert_eq!(first[2].locked_until, Some(at(3 + 60)));
    assert_eq!(count(4), LoginAttempt::Locked(first[2]), "refused, not counted");
    assert_eq!(count(62), LoginAttempt::Locked(first[2]));
    // At the lock's end the name is open again; the count goes on.
    assert_eq!(admitted(count(63)).failures, 4);
    assert_eq!(admitted(count(64)).failures, 5);
    let second = admitted(count(65));
    assert_eq!((second.failures, second.locked_until), (6, Some(at(65 + 120))));
    assert_eq!(db.login_failures("s1").expect("read"), Some(second));
    assert_eq!(db.login_failures("s2").expect("read"), None, "per subject");
    assert!(db.clear_login_failures("s1").expect("clear"));
    assert!(!db.clear_login_failures("s1").expect("clear again"));
    assert_eq!(admitted(count(66)).failures, 1, "a fresh start");
}

/// A record quiet for a day starts again at one; a flush deletes the quiet ones only.
fn quiet_records_are_forgotten(backend: Backend) {
    let db = database(backend, 2);
    let policy = LockoutPolicy::new(3, Duration::from_secs(60));
    for n in 0..2 {
        db.count_login_attempt("old", at(n), &policy).expect("count");
    }
    db.count_login_attempt("recent", at(90_000), &policy).expect("count");
    let day = LockoutPolicy::MAX_COOLOFF.as_secs() as i64;
    let again = admitted(db.count_login_attempt("old", at(1 + day + 1), &policy).expect("count"));
    assert_eq!(again.failures, 1, "forgotten after a quiet day");
    db.count_login_attempt("stale", at(0), &policy).expect("count");
    assert_eq!(db.forget_login_failures(at(1000)).expect("forget"), 1);
    assert!(db.login_failures("recent").expect("read").is_some());
    assert!(db.login_failures("old").expect("read").is_some());
}

/// 40 attempts at once through a pool of 4: exactly the threshold's worth are admitted (each
/// with its own count), the rest refused by the lock the tenth set.
fn concurrent_attempts_admit_exactly_the_threshold(backend: Backend) {
    let db = Arc::new(database(backend, 4));
    let policy = LockoutPolicy::new(10, Duration::from_secs(300));
    let outcomes: Vec<LoginAttempt> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let db = Arc::clone(&db);
                s.spawn(move || {
                    (0..5).map(|_| db.count_login_attempt("busy", at(10), &policy).expect("count")).collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    let mut counts: Vec<u32> = outcomes
        .iter()
        .filter_map(|o| match o {
            LoginAttempt::Admitted(record) => Some(record.failures),
            LoginAttempt::Locked(_) => None,
        })
        .collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=10).collect::<Vec<u32>>(), "each admitted attempt got its own count");
    let record = db.login_failures("busy").expect("read").expect("a record");
    assert_eq!((record.failures, record.locked_until), (10, Some(at(10 + 300))));
}

on_both_backends!(
    attempts_lock_and_clear,
    quiet_records_are_forgotten,
    concurrent_attempts_admit_exactly_the_threshold
);
