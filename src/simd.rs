//! What the kernels run on: the vector level in use and the thread count
//! (`fastbal.show_versions()`).

use fastbal_core::{parallel, simd};
use pyo3::prelude::*;

/// The vector instructions the kernels use: "avx512", "avx2" or "off"
/// (`FASTBAL_SIMD` lowers it; read once per process).
#[pyfunction]
fn simd_level() -> &'static str {
    simd::level().name()
}

/// The vector instructions the CPU offers, whatever `FASTBAL_SIMD` says.
#[pyfunction]
fn simd_detected() -> &'static str {
    simd::detected().name()
}

/// Why `FASTBAL_SIMD` could not be read, or None.
#[pyfunction]
fn simd_setting_error() -> Option<String> {
    simd::setting_error()
}

/// The threads a large input runs on.
#[pyfunction]
fn threads() -> usize {
    parallel::threads()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(simd_level, m)?)?;
    m.add_function(wrap_pyfunction!(simd_detected, m)?)?;
    m.add_function(wrap_pyfunction!(simd_setting_error, m)?)?;
    m.add_function(wrap_pyfunction!(threads, m)?)?;
    Ok(())
}
