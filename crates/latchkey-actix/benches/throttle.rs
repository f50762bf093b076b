//! Cost per request of DRF's user throttle as the server checks it (`cargo bench -p
//! latchkey-actix`): one hot user (every request of the HTTP bench is alice's), from one thread
//! and from two at once, at a rate never reached, so every check admits and records. The HTTP
//! bench's row ("Bearer, user throttle on") cannot resolve a few percent on a bursting VM; this
//! is the throttle's own share of a request.

use criterion::{Criterion, criterion_group, criterion_main};
use latchkey_actix::throttle::{Client, ThrottleClass, Throttles};
use std::hint::black_box;
use std::sync::Arc;

const CLASSES: [ThrottleClass; 2] = [ThrottleClass::Anon, ThrottleClass::User];

fn throttles() -> Throttles {
    Throttles::default().with_user("1000000/s".parse().expect("rate"))
}

fn one_thread(c: &mut Criterion) {
    let throttles = throttles();
    let alice = Client::User(1);
    c.bench_function("user throttle: check and record, one hot user", |b| {
        b.iter(|| black_box(throttles.check(black_box(&CLASSES), black_box(&alice))))
    });
}

fn two_threads(c: &mut Criterion) {
    let throttles = Arc::new(throttles());
    c.bench_function("user throttle: check and record, one hot user, two threads at once", |b| {
        b.iter_custom(|iterations| {
            let started = std::time::Instant::now();
            std::thread::scope(|s| {
                for _ in 0..2 {
                    let throttles = Arc::clone(&throttles);
                    s.spawn(move || {
                        for _ in 0..iterations {
                            black_box(throttles.check(&CLASSES, &Client::User(1)).is_ok());
                        }
                    });
                }
            });
            // Per check of one thread: what each request waits.
            started.elapsed()
        })
    });
}

criterion_group!(benches, one_thread, two_threads);
criterion_main!(benches);
