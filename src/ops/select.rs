//! Bindings of row selection (`fastbal_core::select`): class masks and
//! stratified samples.

use fastbal_core::params::{MaskRule, SampleSize};
use fastbal_core::select::{class_mask, keep_classes, stratified_sample as core_sample};
use fastbal_core::Error;
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::errors::to_py;
use crate::view::{meta_to_py, vec_to_py, with_view, PyMeta};

/// A row mask and the per-class decision behind it.
#[pyclass(module = "fastbal._fastbal", name = "MaskResult", frozen, get_all)]
pub struct PyMaskResult {
    /// One flag per row: whether its class is kept (false for a null row).
    mask: Py<PyArray1<bool>>,
    /// One flag per class, in class order.
    keep: Py<PyArray1<bool>>,
    /// The column's classes and counts; None for a `Labels`.
    meta: PyMeta,
}

/// The rows of a stratified sample.
#[pyclass(module = "fastbal._fastbal", name = "SampleResult", frozen, get_all)]
pub struct PySampleResult {
    /// The sampled rows, ascending.
    rows: Py<PyArray1<i64>>,
    /// Rows sampled per class, in class order.
    sizes: Py<PyArray1<u64>>,
    /// The column's classes and counts; None for a `Labels`.
    meta: PyMeta,
}

/// Row mask by a class rule: "min_count" (count >= k), "max_count"
/// (count <= k) or "top_k" (the k most frequent classes).
#[pyfunction]
pub fn rule_mask(py: Python<'_>, x: &Bound<'_, PyAny>, rule: &str, k: u64) -> PyResult<PyMaskResult> {
    let rule: MaskRule = rule.parse().map_err(to_py)?;
    let ((mask, keep), meta) = with_view(py, x, |v| {
        let keep = keep_classes(rule, v.counts, k);
        Ok((class_mask(v, &keep), keep))
    })?;
    Ok(PyMaskResult { mask: vec_to_py(py, mask), keep: vec_to_py(py, keep), meta: meta_to_py(py, meta)? })
}

/// Row mask from one boolean per class (class order).
#[pyfunction]
pub fn keep_mask(py: Python<'_>, x: &Bound<'_, PyAny>, keep: PyReadonlyArray1<'_, bool>) -> PyResult<PyMaskResult> {
    let keep = keep.as_slice()?.to_vec();
    let (mask, meta) = with_view(py, x, |v| {
        if keep.len() != v.n_classes() {
            return Err(Error::InvalidArgument(format!("expected {} class flags, got {}", v.n_classes(), keep.len())));
        }
        Ok(class_mask(v, &keep))
    })?;
    Ok(PyMaskResult { mask: vec_to_py(py, mask), keep: vec_to_py(py, keep), meta: meta_to_py(py, meta)? })
}

/// Stratified sample of `n` rows (or `fraction` of the labeled rows, rounded
/// half away from zero).
#[pyfunction]
#[pyo3(signature = (x, n=None, fraction=None, seed=0))]
pub fn stratified_sample(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    n: Option<u64>,
    fraction: Option<f64>,
    seed: u64,
) -> PyResult<PySampleResult> {
    let size = SampleSize::new(n, fraction).map_err(to_py)?;
    let ((rows, sizes), meta) = with_view(py, x, |v| core_sample(v, size, seed))?;
    Ok(PySampleResult { rows: vec_to_py(py, rows), sizes: vec_to_py(py, sizes), meta: meta_to_py(py, meta)? })
}
