//! Bindings of the batched phases (`fastbal_core::{counter, cut}`): counts
//! merged from batches, the plans made from them, and the rank-cut search.

use pyo3::prelude::*;

pub mod counter;
pub mod cut;
pub mod kfold;
pub mod plan;

/// Add the batched phases' classes and functions to the extension module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<counter::PyLabelCounter>()?;
    m.add_class::<cut::PyCutSearch>()?;
    m.add_class::<cut::PyProbeArrays>()?;
    m.add_class::<cut::PyProbeCounts>()?;
    m.add_class::<cut::PyRankKeys>()?;
    m.add_function(wrap_pyfunction!(cut::probe_batch, m)?)?;
    m.add_function(wrap_pyfunction!(cut::batch_parts, m)?)?;
    m.add_function(wrap_pyfunction!(cut::row_keys, m)?)?;
    m.add_function(wrap_pyfunction!(plan::split_plan, m)?)?;
    m.add_class::<plan::PySplitPlanResult>()?;
    m.add_function(wrap_pyfunction!(plan::keep_classes, m)?)?;
    m.add_function(wrap_pyfunction!(plan::sample_sizes, m)?)?;
    m.add_function(wrap_pyfunction!(kfold::kfold_plan, m)?)?;
    Ok(())
}
