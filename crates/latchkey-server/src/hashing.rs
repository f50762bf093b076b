//! A dedicated pool for password hashing. bcrypt takes tens to hundreds of milliseconds of
//! CPU; on actix's blocking pool a login flood would take every thread the database needs and
//! compete with request handling on equal terms. Here it gets its own bounded set of threads
//! at a lower scheduling priority, so token checks keep their latency while logins saturate
//! the rest of the CPU.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// How far below normal priority hashing threads run (a `nice` increment).
const HASHING_NICENESS: i32 = 10;

#[derive(Clone)]
pub struct HashingPool {
    sender: mpsc::Sender<Job>,
    threads: usize,
}

#[derive(Debug, thiserror::Error)]
#[error("the hashing pool has shut down")]
pub struct PoolClosed;

impl HashingPool {
    pub fn new(threads: usize) -> std::io::Result<Self> {
        let threads = threads.max(1);
        let (sender, receiver) = mpsc::channel::<Job>();
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
        Ok(Self { sender, threads })
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `work` on a hashing thread and waits for it without blocking the caller's thread.
    pub async fn run<R, F>(&self, work: F) -> Result<R, PoolClosed>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(work());
        });
        self.sender.send(job).map_err(|_| PoolClosed)?;
        rx.await.map_err(|_| PoolClosed)
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
        let pool = HashingPool::new(2).expect("pool");
        let caller = thread::current().id();
        let (name, id) =
            pool.run(|| (thread::current().name().map(str::to_owned), thread::current().id())).await.expect("run");
        assert_ne!(id, caller);
        assert!(name.expect("named").starts_with("latchkey-hash-"));
    }
}
