//! The `fastbal._fastbal` extension: thin PyO3 bindings over `fastbal-core`.
//!
//! Each binding extracts its input without copying, releases the interpreter
//! around the kernel and wraps the result. No algorithm lives here.

use pyo3::prelude::*;

mod errors;
mod input;
mod labels;

#[pymodule]
fn _fastbal(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEBUG_BUILD", cfg!(debug_assertions))?;
    m.add_class::<labels::PyLabels>()?;
    m.add_function(wrap_pyfunction!(labels::value_counts, m)?)?;
    Ok(())
}
