//! The `fastbal._fastbal` extension: thin PyO3 bindings over `fastbal-core`.
//!
//! Each binding extracts its input without copying, releases the interpreter
//! around the kernel and wraps the result. No algorithm lives here.

// Bindings return plain tuples of arrays, which the Python package unpacks.
#![allow(clippy::type_complexity)]

use pyo3::prelude::*;

mod counter;
mod cut;
mod errors;
mod group;
mod input;
mod labels;
mod plan;
mod plugin;
mod resample;
mod select;
mod split;
mod text;
mod view;
mod weights;

#[pymodule]
fn _fastbal(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEBUG_BUILD", cfg!(debug_assertions))?;
    errors::register(m)?;
    m.add_class::<labels::PyLabels>()?;
    m.add_function(wrap_pyfunction!(labels::value_counts, m)?)?;
    m.add_function(wrap_pyfunction!(select::rule_mask, m)?)?;
    m.add_function(wrap_pyfunction!(select::keep_mask, m)?)?;
    m.add_function(wrap_pyfunction!(select::stratified_sample, m)?)?;
    m.add_function(wrap_pyfunction!(split::stratified_split, m)?)?;
    m.add_function(wrap_pyfunction!(split::stratified_kfold, m)?)?;
    m.add_function(wrap_pyfunction!(group::stratified_group_split, m)?)?;
    m.add_function(wrap_pyfunction!(group::stratified_group_kfold, m)?)?;
    m.add_function(wrap_pyfunction!(weights::class_weights, m)?)?;
    m.add_function(wrap_pyfunction!(weights::class_weights_from_counts, m)?)?;
    m.add_function(wrap_pyfunction!(weights::sample_weights, m)?)?;
    m.add_function(wrap_pyfunction!(resample::undersample, m)?)?;
    m.add_function(wrap_pyfunction!(resample::oversample, m)?)?;
    m.add_function(wrap_pyfunction!(text::text_length_histogram, m)?)?;
    m.add_class::<counter::PyLabelCounter>()?;
    m.add_class::<cut::PyCutSearch>()?;
    m.add_function(wrap_pyfunction!(cut::probe_batch, m)?)?;
    m.add_function(wrap_pyfunction!(cut::batch_parts, m)?)?;
    m.add_function(wrap_pyfunction!(cut::row_keys, m)?)?;
    m.add_function(wrap_pyfunction!(plan::split_plan, m)?)?;
    m.add_function(wrap_pyfunction!(plan::keep_classes, m)?)?;
    m.add_function(wrap_pyfunction!(plan::sample_sizes, m)?)?;
    Ok(())
}
