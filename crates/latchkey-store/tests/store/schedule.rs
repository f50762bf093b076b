use crate::common::database;
use crate::lockout::at;
use chrono::TimeDelta;
use latchkey_store::Backend;
use std::sync::Arc;

/// One claim per interval, whoever asks and however many at once.
fn one_run_per_interval(backend: Backend) {
    let db = Arc::new(database(backend, 4));
    let hour = TimeDelta::hours(1);
    let winners: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let db = Arc::clone(&db);
                s.spawn(move || db.claim_scheduled_run("flush", at(0), hour).expect("claim"))
            })
            .collect();
        handles.into_iter().map(|h| usize::from(h.join().unwrap_or(false))).sum()
    });
    assert_eq!(winners, 1, "the first run, once");
    assert!(!db.claim_scheduled_run("flush", at(3_599), hour).expect("claim"), "not due yet");
    assert!(db.claim_scheduled_run("other", at(1), hour).expect("claim"), "per task");
    assert!(db.claim_scheduled_run("flush", at(3_600), hour).expect("claim"), "due");
    assert_eq!(db.scheduled_runs("flush").expect("runs"), (2, Some(at(3_600))));
    assert_eq!(db.scheduled_runs("never").expect("runs"), (0, None));
}

on_both_backends!(one_run_per_interval);
