//! Kernels run with the interpreter released, on the core's parallelism switch.

use pyo3::prelude::*;

/// Release the interpreter and run a kernel over `rows` rows under the
/// core's parallelism switch (the pool for large inputs, the calling thread
/// for small ones and in a forked child). A panic (a failed internal check)
/// comes back as `fastbal.InternalError`, never as a `PanicException`.
pub fn detach<R: Send>(py: Python<'_>, rows: usize, f: impl FnOnce() -> R + Send) -> PyResult<R> {
    py.detach(|| std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fastbal_core::parallel::run(rows, f))))
        .map_err(crate::errors::from_panic)
}
