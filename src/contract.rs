//! The reproducibility contract's constants, exported from the core's one
//! definition (`fastbal_core::contract`) so no front end restates them.

use fastbal_core::contract::{split_seed as core_split_seed, ALWAYS_TRAIN, LEFT_OUT, SPLIT_NAMES};
use fastbal_core::hash::mix64 as core_mix64;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// A Python int reduced to its low 64 bits (two's complement for a negative
/// one), as the mixing functions read their arguments.
fn low_bits(x: &Bound<'_, PyAny>) -> PyResult<u64> {
    x.bitand(u64::MAX)?.extract()
}

/// The splitmix64 finalizer, fastbal's fixed 64-bit mix, on the low 64 bits of `x`.
#[pyfunction]
fn mix64(x: &Bound<'_, PyAny>) -> PyResult<u64> {
    Ok(core_mix64(low_bits(x)?))
}

/// The seed of split `i` of a scikit-learn splitter seeded with `seed`.
#[pyfunction]
fn split_seed(seed: &Bound<'_, PyAny>, i: &Bound<'_, PyAny>) -> PyResult<u64> {
    Ok(core_split_seed(low_bits(seed)?, low_bits(i)?))
}

/// Add the constants and the mixing functions to the extension module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("SPLIT_NAMES", PyTuple::new(py, SPLIT_NAMES)?)?;
    m.add("LEFT_OUT", LEFT_OUT)?;
    m.add("ALWAYS_TRAIN", ALWAYS_TRAIN)?;
    m.add("SPLIT_PART_CODES", PyTuple::new(py, fastbal_core::contract::SPLIT_PART_CODES)?)?;
    m.add_function(wrap_pyfunction!(mix64, m)?)?;
    m.add_function(wrap_pyfunction!(split_seed, m)?)?;
    Ok(())
}
