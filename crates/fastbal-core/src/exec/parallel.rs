//! The parallelism switch: each entry point runs its kernel either on
//! fastbal's thread pool or sequentially on the calling thread, through
//! [`run`]. Kernels themselves are written once, with rayon, and never know
//! which: results do not depend on the thread count.
//!
//! Sequential mode is chosen
//! - for small inputs, where handing work to the pool costs more than it saves;
//!   this is what keeps a polars plugin, which polars calls once per group on
//!   its own threads (`.over()`, `group_by`), from oversubscribing the cores;
//! - in a process forked from one that used the pool: a forked child inherits
//!   the pool's state but not its threads, so waiting on it would hang forever
//!   (DataLoader workers, `multiprocessing` fork pools). The child runs every
//!   kernel on its calling thread instead, as `tokenizers` does;
//! - when the pool cannot be started (no threads can be spawned).
//!
//! The pool's size follows `RAYON_NUM_THREADS` (default: one thread per core).

use std::cell::OnceCell;
use std::sync::OnceLock;

use rayon::{ThreadPool, ThreadPoolBuilder};

/// Inputs with fewer rows than this run on the calling thread.
pub const SEQUENTIAL_BELOW: usize = 1 << 17;

/// The pool, and the process it was started in.
struct Pool {
    pool: ThreadPool,
    pid: u32,
}

static POOL: OnceLock<Option<Pool>> = OnceLock::new();

fn pool() -> Option<&'static ThreadPool> {
    let pool = POOL.get_or_init(|| {
        let pool = ThreadPoolBuilder::new().thread_name(|i| format!("fastbal-{i}")).build().ok()?;
        Some(Pool { pool, pid: std::process::id() })
    });
    // A pool started by a parent process has no threads here.
    pool.as_ref().filter(|p| p.pid == std::process::id()).map(|p| &p.pool)
}

/// The threads a large input runs on: the pool's, or 1 where it cannot be
/// used (a forked process, or no threads could be started).
pub fn threads() -> usize {
    pool().map_or(1, ThreadPool::current_num_threads)
}

/// Whether [`run`] would use the pool for an input of `rows` rows.
pub fn is_parallel(rows: usize) -> bool {
    rows >= SEQUENTIAL_BELOW && pool().is_some_and(|p| p.current_num_threads() > 1)
}

/// Run a kernel over an input of `rows` rows: on the pool when the input is
/// large enough and the pool is usable, otherwise on the calling thread.
pub fn run<R: Send>(rows: usize, f: impl FnOnce() -> R + Send) -> R {
    match pool() {
        Some(pool) if is_parallel(rows) => pool.install(f),
        _ => sequential(f),
    }
}

/// Run `f` on the calling thread: rayon's parallel iterators inside it run
/// in order, on this thread, with no other thread involved.
pub fn sequential<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    thread_local! {
        // A pool of one thread, the calling one: `install` runs inline.
        static LOCAL: OnceCell<Option<ThreadPool>> = const { OnceCell::new() };
    }
    LOCAL.with(|cell| {
        let local = cell.get_or_init(|| {
            if rayon::current_thread_index().is_some() {
                // Already a worker of a pool of ours: stay there (nested parallelism is safe).
                return None;
            }
            ThreadPoolBuilder::new().num_threads(1).use_current_thread().build().ok()
        });
        match local {
            Some(pool) => pool.install(f),
            None => f(),
        }
    })
}

#[cfg(test)]
mod tests {
    use rayon::prelude::*;

    use super::*;

    fn threads_used(rows: usize) -> usize {
        run(rows, || {
            let mut ids: Vec<usize> =
                (0..64).into_par_iter().map(|_| rayon::current_thread_index().unwrap_or(usize::MAX)).collect();
            ids.sort_unstable();
            ids.dedup();
            ids.len()
        })
    }

    #[test]
    fn small_inputs_stay_on_the_calling_thread() {
        assert_eq!(threads_used(10), 1);
        let caller = std::thread::current().id();
        assert!(sequential(|| (0..1000).into_par_iter().all(|_| std::thread::current().id() == caller)));
    }

    #[test]
    fn results_agree_in_both_modes() {
        let v: Vec<u64> = (0..300_000).collect();
        let par = run(v.len(), || v.par_iter().map(|x| x * 3).sum::<u64>());
        let seq = sequential(|| v.par_iter().map(|x| x * 3).sum::<u64>());
        assert_eq!(par, seq);
        assert_eq!(par, 3 * (299_999 * 300_000 / 2));
    }

    #[test]
    fn a_thread_that_ran_sequentially_can_still_use_the_pool() {
        std::thread::spawn(|| {
            sequential(|| ());
            let rows = SEQUENTIAL_BELOW;
            let inside_pool = run(rows, rayon::current_num_threads);
            assert_eq!(inside_pool, pool().map_or(1, |p| p.current_num_threads()));
        })
        .join()
        .unwrap();
    }
}
