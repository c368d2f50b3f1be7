//! Bindings of the core's operations (`fastbal_core::{select, split, group,
//! weights, resample, text, duplicates}`), one module each.

use pyo3::prelude::*;

pub mod duplicates;
pub mod group;
pub mod multilabel;
pub mod resample;
pub mod select;
pub mod split;
pub mod text;
pub mod weights;

/// Add every operation and its result classes to the extension module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(select::rule_mask, m)?)?;
    m.add_function(wrap_pyfunction!(select::keep_mask, m)?)?;
    m.add_function(wrap_pyfunction!(select::stratified_sample, m)?)?;
    m.add_class::<select::PyMaskResult>()?;
    m.add_class::<select::PySampleResult>()?;
    m.add_function(wrap_pyfunction!(split::stratified_split, m)?)?;
    m.add_function(wrap_pyfunction!(split::stratified_kfold, m)?)?;
    m.add_class::<split::PySplitPlan>()?;
    m.add_class::<split::PySplitResult>()?;
    m.add_class::<split::PyKFoldPlan>()?;
    m.add_class::<split::PyKFoldResult>()?;
    m.add_function(wrap_pyfunction!(group::stratified_group_split, m)?)?;
    m.add_function(wrap_pyfunction!(group::stratified_group_kfold, m)?)?;
    m.add_class::<group::PyGroupPlan>()?;
    m.add_class::<group::PyGroupSplitResult>()?;
    m.add_class::<group::PyGroupKFoldResult>()?;
    m.add_function(wrap_pyfunction!(weights::class_weights, m)?)?;
    m.add_function(wrap_pyfunction!(weights::class_weights_from_counts, m)?)?;
    m.add_function(wrap_pyfunction!(weights::sample_weights, m)?)?;
    m.add_class::<weights::PyClassWeightsResult>()?;
    m.add_class::<weights::PySampleWeightsResult>()?;
    m.add_function(wrap_pyfunction!(resample::undersample, m)?)?;
    m.add_function(wrap_pyfunction!(resample::oversample, m)?)?;
    m.add_function(wrap_pyfunction!(text::text_length_histogram, m)?)?;
    m.add_class::<text::PyTextLengthHistogram>()?;
    m.add_function(wrap_pyfunction!(duplicates::duplicate_stats, m)?)?;
    m.add_function(wrap_pyfunction!(duplicates::keep_first_texts, m)?)?;
    m.add_function(wrap_pyfunction!(duplicates::keep_consistent_texts, m)?)?;
    m.add_class::<duplicates::PyDuplicatesResult>()?;
    m.add_class::<duplicates::PyTextGroup>()?;
    m.add_function(wrap_pyfunction!(multilabel::multilabel_split, m)?)?;
    m.add_function(wrap_pyfunction!(multilabel::multilabel_kfold, m)?)?;
    m.add_function(wrap_pyfunction!(multilabel::label_set_stats, m)?)?;
    m.add_class::<multilabel::PyMultilabelPlan>()?;
    m.add_class::<multilabel::PyMultilabelSplitResult>()?;
    m.add_class::<multilabel::PyMultilabelKFoldResult>()?;
    m.add_class::<multilabel::PyLabelSetStats>()?;
    Ok(())
}
