//! CPU-heavy work off the async threads, in one bounded pool per kind, so that one kind of
//! work can never starve another: a flood of wrong staff passwords (128 MiB Argon2id each)
//! leaves intake's derivations, receipt checks and evidence cleaning their own threads.
//!
//! Each pool runs at most `running` jobs at once and lets at most `waiting` more wait; past
//! that a job is refused at once with `ServiceError::Overloaded` (HTTP 429 with Retry-After),
//! rather than queueing without bound and answering everyone late. No pool ever holds a
//! database connection: callers read what the work needs first and write after.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;

use super::ServiceError;

/// A kind of heavy work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// The receipt of a new tip (Argon2id, 4 MiB, ~2 ms).
    Intake,
    /// A reporter's receipt check (Argon2id, 4 MiB, ~2 ms).
    Receipt,
    /// An official's password: sign-in, creation, change (Argon2id, 128 MiB, ~0.25 s).
    Password,
    /// Cleaning an evidence file (I/O and CPU, proportional to the file).
    Files,
    /// A batch of a re-indexing after a matching key rotation (`related::Reindexing`):
    /// opening a thousand tips and hashing what they name (~0.1 s).
    Reindex,
}

impl Work {
    const ALL: [Work; 5] = [Work::Intake, Work::Receipt, Work::Password, Work::Files, Work::Reindex];

    fn index(self) -> usize {
        match self {
            Work::Intake => 0,
            Work::Receipt => 1,
            Work::Password => 2,
            Work::Files => 3,
            Work::Reindex => 4,
        }
    }

    /// `(running, waiting)`: what the pool runs at once and lets wait. Intake and receipts
    /// are short and come in crowds: a core each and a deep queue. A password derivation
    /// holds 128 MiB, so one runs at a time (four sign-ins a second here, far above what a
    /// province's officials need). Files are cleaned two at a time. A re-indexing takes one
    /// thread, whatever else runs, and only one runs at a time.
    fn size(self, cores: usize) -> (usize, usize) {
        match self {
            Work::Intake => (cores, 512),
            Work::Receipt => (cores, 64),
            Work::Password => (1, 16),
            Work::Files => (2, 16),
            Work::Reindex => (1, 1),
        }
    }

    /// Roughly how long one job takes: a refused client is told to come back after the
    /// queue in front of it could have drained.
    fn typical(self) -> Duration {
        match self {
            Work::Intake | Work::Receipt => Duration::from_millis(5),
            Work::Password => Duration::from_millis(300),
            Work::Files | Work::Reindex => Duration::from_secs(1),
        }
    }
}

struct Pool {
    permits: Semaphore,
    running: usize,
    waiting: usize,
    /// Jobs admitted: running or waiting for a permit.
    admitted: AtomicUsize,
}

static POOLS: LazyLock<[Pool; 5]> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    Work::ALL.map(|work| {
        let (running, waiting) = work.size(cores);
        Pool { permits: Semaphore::new(running), running, waiting, admitted: AtomicUsize::new(0) }
    })
});

/// Gives the pool's place back however the job ends (done, failed, or its caller gone).
struct Admission(&'static Pool);

impl Drop for Admission {
    fn drop(&mut self) {
        self.0.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Runs `job` on a thread of the blocking pool, within `work`'s limits.
pub async fn run<T: Send + 'static>(work: Work, job: impl FnOnce() -> T + Send + 'static) -> Result<T, ServiceError> {
    let pool = &POOLS[work.index()];
    let before = pool.admitted.fetch_add(1, Ordering::AcqRel);
    let admission = Admission(pool);
    if before >= pool.running + pool.waiting {
        let rounds = u64::try_from(before / pool.running.max(1) + 1).unwrap_or(u64::MAX);
        let wait = work.typical().as_secs_f64() * rounds as f64;
        return Err(ServiceError::Overloaded { retry_after_secs: (wait.ceil() as u64).clamp(1, 60) });
    }
    let permit = pool.permits.acquire().await.map_err(|e| ServiceError::Blocking(e.to_string()))?;
    // The permit and the place go with the job and are returned the moment it ends, not
    // when the waiting task is next polled on a busy worker.
    tokio::task::spawn_blocking(move || {
        let done = job();
        drop(permit);
        drop(admission);
        done
    })
    .await
    .map_err(|e| ServiceError::Blocking(e.to_string()))
}

/// Jobs of `work` running or waiting now (for `/healthz` and tests).
pub fn admitted(work: Work) -> usize {
    POOLS[work.index()].admitted.load(Ordering::Acquire)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_pool_refuses_at_once_and_others_go_on() {
        let (running, waiting) = Work::Password.size(2);
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let hold = std::sync::Arc::new(std::sync::Mutex::new(hold));
        let mut jobs = Vec::new();
        for _ in 0..running + waiting {
            let hold = hold.clone();
            jobs.push(tokio::spawn(run(Work::Password, move || {
                let _ = hold.lock().map(|h| h.recv());
            })));
        }
        while admitted(Work::Password) < running + waiting {
            tokio::task::yield_now().await;
        }
        match run(Work::Password, || ()).await {
            Err(ServiceError::Overloaded { retry_after_secs }) => assert!((1..=60).contains(&retry_after_secs)),
            other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
        }
        assert_eq!(run(Work::Receipt, || 7).await.unwrap(), 7, "another kind of work is not held up");
        for _ in 0..running + waiting {
            release.send(()).unwrap();
        }
        for job in jobs {
            job.await.unwrap().unwrap();
        }
        assert_eq!(admitted(Work::Password), 0);
        assert_eq!(run(Work::Password, || 1).await.unwrap(), 1, "the pool takes work again");
    }
}
