//! The `fastbal._fastbal` extension: thin PyO3 bindings over `fastbal-core`.
//!
//! Each binding extracts its input without copying, releases the interpreter
//! around the kernel and returns a typed result object (a frozen class with
//! named fields). No algorithm lives here.
//!
//! The modules mirror the core's layers, and import only downwards:
//!
//! | module | binds |
//! |---|---|
//! | [`errors`] | the exception classes; every core error becomes one here |
//! | [`contract`] | the split names, row codes and seed mixing (`fastbal_core::contract`) |
//! | [`exec`] | the interpreter released around a kernel, on the core's parallelism switch |
//! | [`column`] | a Python label column read as a core `Column` |
//! | [`params`] | arguments read from Python objects before the core's rules check them |
//! | [`labels`] | `Labels`, `value_counts` and the `ClassCounts` every result carries |
//! | [`view`] | a kernel run on a `Labels` or on a column read in place |
//! | [`ops`] | select, split, group, weights, resample, text |
//! | [`batch`] | the batched phases: counter, cut search, plans from counts |
//! | [`plugin`] | the polars expression plugin |
//! | [`simd`] | the vector level and thread count the kernels run with |

use pyo3::prelude::*;

mod batch;
mod column;
mod contract;
mod errors;
mod exec;
mod labels;
mod ops;
mod params;
mod plugin;
mod simd;
mod view;

/// The allocator of every buffer the extension makes. mimalloc keeps the
/// pages a buffer frees for the next buffer (later in the same call, or the
/// next call within about a second) instead of handing large buffers back
/// to the system at once, so a call mostly skips the kernel's mapping and
/// zeroing of fresh pages (a quarter to a half of the time of a count of
/// millions of distinct keys). Only the extension's own allocations go
/// through it: numpy, pyarrow and the interpreter keep theirs, and every
/// buffer the extension hands out (numpy and Arrow arrays) is released
/// through it by the object that owns it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[pymodule]
fn _fastbal(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEBUG_BUILD", cfg!(debug_assertions))?;
    errors::register(m)?;
    contract::register(m)?;
    labels::register(m)?;
    ops::register(m)?;
    batch::register(m)?;
    simd::register(m)?;
    Ok(())
}
