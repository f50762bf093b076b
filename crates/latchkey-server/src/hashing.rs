//! A dedicated pool for password hashing. bcrypt takes tens to hundreds of milliseconds of
//! CPU; on actix's blocking pool a login flood would take every thread the database needs and
//! compete with request handling on equal terms. Here it gets its own bounded set of threads
//! at a lower scheduling priority, so token checks keep their latency while logins saturate
//! the rest of the CPU.
//!
//! The queue is bounded: when it is full a request is refused at once (503) rather than left
//! waiting longer than any client would. Work whose requester has gone is skipped, and a
//! panicking job fails only its own request.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Instant;
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// How far below normal priority hashing threads run (a `nice` increment).
const HASHING_NICENESS: i32 = 10;

#[derive(Clone)]
pub(crate) struct HashingPool {
    sender: mpsc::SyncSender<Job>,
    /// Jobs handed over and not yet started: the queue's depth, for metrics.
    queued: Arc<AtomicUsize>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum HashingError {
    #[error("the password-hashing queue is full")]
    Busy,
    #[error("the password-hashing pool has shut down")]
    Closed,
    #[error("a password-hashing job panicked")]
    Panicked,
}

impl HashingPool {
    /// `threads` hashing threads, and at most `queue` jobs waiting for one.
    pub fn new(threads: usize, queue: usize) -> std::io::Result<Self> {
        let threads = threads.max(1);
        let (sender, receiver) = mpsc::sync_channel::<Job>(queue.max(1));
        let receiver = Arc::new(Mutex::new(receiver));
        for index in 0..threads {
            let receiver = Arc::clone(&receiver);
            thread::Builder::new().name(format!("latchkey-hash-{index}")).spawn(move || {
                lower_priority();
                loop {
                    let job = {
                        let guard = receiver.lock().unwrap_or_else(|p| p.into_inner());
                        guard.recv()
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => break,
                    }
                }
            })?;
        }
        Ok(Self { sender, queued: Arc::new(AtomicUsize::new(0)) })
    }

    /// Runs `work` on a hashing thread and waits for it without blocking the caller's thread.
    pub async fn run<R, F>(&self, work: F) -> Result<R, HashingError>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let queued = Arc::clone(&self.queued);
        let handed_over = Instant::now();
        let job: Job = Box::new(move || {
            let depth = queued.fetch_sub(1, Ordering::Relaxed).saturating_sub(1);
            metrics::gauge!("latchkey_hashing_queue_depth").set(depth as f64);
            metrics::histogram!("latchkey_hashing_wait_seconds").record(handed_over.elapsed().as_secs_f64());
            // The client hung up while the job waited: spend no CPU on it.
            if tx.is_closed() {
                return;
            }
            let _ = tx.send(catch_unwind(AssertUnwindSafe(work)));
        });
        // Counted before the hand-over, so a thread that starts the job at once never sees it
        // missing.
        let depth = self.queued.fetch_add(1, Ordering::Relaxed) + 1;
        if let Err(err) = self.sender.try_send(job) {
            self.queued.fetch_sub(1, Ordering::Relaxed);
            return Err(match err {
                TrySendError::Full(_) => HashingError::Busy,
                TrySendError::Disconnected(_) => HashingError::Closed,
            });
        }
        metrics::gauge!("latchkey_hashing_queue_depth").set(depth as f64);
        match rx.await {
            Ok(Ok(result)) => Ok(result),
            Ok(Err(_)) => Err(HashingError::Panicked),
            Err(_) => Err(HashingError::Closed),
        }
    }
}

/// A full queue is an overload (503, try again); the rest are failures of the server (500).
impl From<HashingError> for latchkey_actix::ApiError {
    fn from(err: HashingError) -> Self {
        match err {
            HashingError::Busy => latchkey_actix::ApiError::unavailable(err),
            other => latchkey_actix::ApiError::internal(other),
        }
    }
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn lower_priority() {
    // On Linux, nice values are per thread: PRIO_PROCESS with the thread id renices only the
    // calling thread. Failure (a sandbox forbidding it) leaves normal priority, which is safe.
    // SAFETY: gettid and setpriority take plain integers and touch no memory of ours.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        let current = libc::getpriority(libc::PRIO_PROCESS, tid);
        libc::setpriority(libc::PRIO_PROCESS, tid, current + HASHING_NICENESS);
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn runs_work_off_the_caller() {
        let pool = HashingPool::new(2, 8).expect("pool");
        let caller = thread::current().id();
        let (name, id) =
            pool.run(|| (thread::current().name().map(str::to_owned), thread::current().id())).await.expect("run");
        assert_ne!(id, caller);
        assert!(name.expect("named").starts_with("latchkey-hash-"));
    }

    #[actix_web::test]
    async fn a_panicking_job_fails_alone() {
        let pool = HashingPool::new(1, 8).expect("pool");
        assert!(matches!(pool.run(|| panic!("boom")).await, Err(HashingError::Panicked)));
        assert_eq!(pool.run(|| 42).await.expect("the thread survived"), 42);
    }

    #[actix_web::test]
    async fn a_full_queue_refuses_at_once() {
        let pool = HashingPool::new(1, 1).expect("pool");
        let (started, running) = std::sync::mpsc::channel::<()>();
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let busy = pool.clone();
        // One job holds the only thread...
        let holding = actix_web::rt::spawn(async move {
            busy.run(move || {
                let _ = started.send(());
                wait.recv().is_ok()
            })
            .await
        });
        while running.try_recv().is_err() {
            actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        // ...one waits in the queue, and the next is refused without waiting.
        assert!(pool.sender.try_send(Box::new(|| {})).is_ok());
        assert!(matches!(pool.run(|| ()).await, Err(HashingError::Busy)));
        release.send(()).expect("release");
        assert!(holding.await.expect("join").expect("ran"));
    }
}
