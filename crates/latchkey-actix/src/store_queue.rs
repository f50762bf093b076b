//! [`StoreQueue`]: blocking store work, run off the async workers, at most as many calls at a
//! time as the connection pool has connections, first come first served.
//!
//! Why not `web::block` alone: it hands every call a blocking thread at once, so under load
//! dozens of threads wait inside r2d2's `Pool::get` for a handful of connections. That wait is
//! not fair: a returned connection goes to whichever thread takes the pool's lock first, often
//! one that just arrived, and a woken waiter that lost the race waits again. Measured on
//! PostgreSQL at 64 connections, `GET /products/` had a p50 of 4.7 ms and a p99 of 732 ms.
//! Here callers queue on an async semaphore, which tokio documents as fair (FIFO), before a
//! thread is taken; a caller that holds a permit finds a free connection at once. The wait is
//! bounded as the pool's own checkout is (`connection_timeout`): past it the call fails as the
//! pool's timeout does, `StoreError::Unavailable` (503).
//!
//! A call must use one connection at a time (check one out, return it, then the next), which
//! every store method does: with all permits out, a call holding a connection and asking for a
//! second would wait for the pool's timeout.

use actix_web::web;
use latchkey_domain::StoreError;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// See the module docs. Cloning shares the queue.
#[derive(Clone, Debug)]
pub struct StoreQueue {
    permits: Arc<Semaphore>,
    slots: usize,
    wait: Duration,
}

/// Why a queued call did not run to an answer.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// No slot came free within the queue's wait: the database is saturated.
    #[error("no database connection came free within {0:?}")]
    Saturated(Duration),
    /// The blocking task panicked or its pool shut down.
    #[error("the blocking task did not finish")]
    Blocking(#[source] actix_web::error::BlockingError),
}

impl From<QueueError> for StoreError {
    fn from(err: QueueError) -> Self {
        match err {
            QueueError::Saturated(_) => StoreError::Unavailable(Box::new(err)),
            QueueError::Blocking(_) => StoreError::Other(Box::new(err)),
        }
    }
}

impl StoreQueue {
    /// `slots` calls at a time (the pool's size), waiting at most `wait` for a slot.
    /// `slots` of 0 is taken as 1.
    pub fn new(slots: usize, wait: Duration) -> Self {
        let slots = slots.clamp(1, Semaphore::MAX_PERMITS);
        Self { permits: Arc::new(Semaphore::new(slots)), slots, wait }
    }

    /// No limit: every call goes straight to the blocking pool, as `web::block` does (for a
    /// store with no pool, such as the in-memory one).
    pub fn unbounded() -> Self {
        Self::new(Semaphore::MAX_PERMITS, Duration::MAX)
    }

    /// Calls admitted at a time.
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Calls waiting for a slot or running: at most [`slots`](Self::slots) run.
    pub fn in_flight(&self) -> usize {
        self.slots - self.permits.available_permits().min(self.slots)
    }

    /// Runs `work` on actix's blocking pool once a slot is free. The slot is held until `work`
    /// returns, also when the caller stops waiting (the request was dropped): the thread still
    /// holds the connection until then.
    pub async fn run<R, F>(&self, work: F) -> Result<R, QueueError>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let asked = Instant::now();
        let permit = match tokio::time::timeout(self.wait, Arc::clone(&self.permits).acquire_owned()).await {
            Ok(Ok(permit)) => permit,
            // The semaphore is never closed; a closed one is as good as none free.
            Ok(Err(_)) | Err(_) => {
                metrics::counter!("latchkey_db_queue_timeouts_total").increment(1);
                return Err(QueueError::Saturated(self.wait));
            }
        };
        metrics::histogram!("latchkey_db_queue_wait_seconds").record(asked.elapsed().as_secs_f64());
        web::block(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(QueueError::Blocking)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    type Holder = actix_web::rt::task::JoinHandle<Result<Option<()>, QueueError>>;

    /// Takes every slot of `queue` (built with one) with a call that runs until `release` is
    /// sent, and returns once it holds them.
    async fn hold_every_slot(queue: &StoreQueue) -> (std::sync::mpsc::Sender<()>, Holder) {
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let holder = actix_web::rt::spawn({
            let queue = queue.clone();
            async move { queue.run(move || hold.recv().ok()).await }
        });
        while queue.permits.available_permits() > 0 {
            actix_web::rt::task::yield_now().await;
        }
        (release, holder)
    }

    #[actix_web::test]
    async fn runs_at_most_its_slots_at_once() {
        let queue = StoreQueue::new(3, Duration::from_secs(10));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let calls = (0..24).map(|_| {
            let (running, most) = (Arc::clone(&running), Arc::clone(&most));
            queue.run(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(5));
                running.fetch_sub(1, Ordering::SeqCst);
            })
        });
        for result in futures_util::future::join_all(calls).await {
            assert!(result.is_ok());
        }
        assert_eq!(most.load(Ordering::SeqCst), 3);
        assert_eq!(queue.in_flight(), 0);
    }

    #[actix_web::test]
    async fn callers_are_served_in_the_order_they_came() {
        let queue = StoreQueue::new(1, Duration::from_secs(10));
        let order = Arc::new(Mutex::new(Vec::new()));
        // The first call holds the only slot while the others queue up behind it, in order.
        let (release, first) = hold_every_slot(&queue).await;
        let mut waiting = Vec::new();
        for n in 0..8 {
            let order = Arc::clone(&order);
            let queue = queue.clone();
            waiting.push(actix_web::rt::spawn(async move {
                queue.run(move || order.lock().map(|mut o| o.push(n)).ok()).await
            }));
            // Each caller is in the queue before the next one comes.
            actix_web::rt::task::yield_now().await;
        }
        release.send(()).ok();
        assert!(first.await.is_ok());
        for call in waiting {
            assert!(call.await.is_ok());
        }
        assert_eq!(*order.lock().unwrap_or_else(|e| e.into_inner()), (0..8).collect::<Vec<_>>());
    }

    #[actix_web::test]
    async fn a_saturated_queue_is_unavailable() {
        let queue = StoreQueue::new(1, Duration::from_millis(50));
        let (release, holder) = hold_every_slot(&queue).await;
        let Err(refused) = queue.run(|| ()).await else { panic!("a full queue ran the call") };
        assert!(matches!(refused, QueueError::Saturated(_)));
        assert!(matches!(StoreError::from(refused), StoreError::Unavailable(_)));
        release.send(()).ok();
        assert!(holder.await.is_ok());
        assert!(queue.run(|| ()).await.is_ok());
    }
}
