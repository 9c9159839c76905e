//! Password hashing off the async workers, at most one argon2id per CPU at
//! a time. Each hash holds 19 MiB for a noticeable time: without a bound,
//! a flood of password posts would grow the blocking pool (and memory)
//! until the daemon is killed. A request waits briefly for a slot and is
//! otherwise answered 503 with `Retry-After` (see [`RETRY_AFTER_SECS`]).

use std::sync::OnceLock;
use std::time::Duration;

use tokio::sync::Semaphore;

/// How long a request waits for a hashing slot before it is turned away.
pub const QUEUE: Duration = Duration::from_secs(2);
/// What a turned-away client is told to wait.
pub const RETRY_AFTER_SECS: u32 = 5;

pub use crate::error::HashError;

/// One slot per CPU the process may use.
pub fn slots() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

fn semaphore() -> &'static Semaphore {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| Semaphore::new(slots()))
}

/// Runs `work` (a hash or a verification) in a slot of the shared pool.
pub async fn run<T, F>(work: F) -> Result<T, HashError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    run_in(semaphore(), QUEUE, work).await
}

async fn run_in<T, F>(slots: &'static Semaphore, queue: Duration, work: F) -> Result<T, HashError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let permit = tokio::time::timeout(queue, slots.acquire())
        .await
        .map_err(|_| HashError::Busy(queue))?
        .map_err(|_| HashError::Busy(queue))?;
    // The permit moves into the blocking task: a client that gives up does
    // not free the slot while its hash still runs.
    Ok(tokio::task::spawn_blocking(move || {
        let _slot = permit;
        work()
    })
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_pool_turns_work_away_after_the_queue_time() {
        let slots: &'static Semaphore = Box::leak(Box::new(Semaphore::new(1)));
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let busy = tokio::spawn(run_in(slots, QUEUE, move || {
            started_tx.send(()).ok();
            release_rx.recv().ok();
            1
        }));
        tokio::task::spawn_blocking(move || started_rx.recv())
            .await
            .expect("join")
            .expect("started");
        let t = crate::clock::instant();
        let refused = run_in(slots, Duration::from_millis(100), || 2).await;
        assert!(matches!(refused, Err(HashError::Busy(_))), "{refused:?}");
        assert!(t.elapsed() >= Duration::from_millis(100));
        release_tx.send(()).expect("release");
        assert_eq!(busy.await.expect("join").expect("ran"), 1);
        assert_eq!(run_in(slots, QUEUE, || 3).await.expect("free again"), 3);
    }
}
