//! Bindings of row selection: class masks and stratified samples.

use fastbal_core::params::{MaskRule, SampleSize};
use fastbal_core::select::{class_mask, keep_classes, stratified_sample as core_sample};
use fastbal_core::Error;
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::errors::to_py;
use crate::view::{meta_to_py, vec_to_py, with_view, PyMeta};

/// A mask and, for a column read in place, its classes and counts.
type MaskResult<'py> = (Bound<'py, PyArray1<bool>>, Option<PyMeta<'py>>);
/// A mask, the per-class decision behind it, and the meta.
type RuleMaskResult<'py> = (Bound<'py, PyArray1<bool>>, Bound<'py, PyArray1<bool>>, Option<PyMeta<'py>>);

/// Row mask by a class rule: "min_count" (count >= k), "max_count"
/// (count <= k) or "top_k" (the k most frequent classes).
#[pyfunction]
pub fn rule_mask<'py>(py: Python<'py>, x: &Bound<'py, PyAny>, rule: &str, k: u64) -> PyResult<RuleMaskResult<'py>> {
    let rule: MaskRule = rule.parse().map_err(to_py)?;
    let ((mask, keep), meta) = with_view(py, x, |v| {
        let keep = keep_classes(rule, v.counts, k);
        Ok((class_mask(v, &keep), keep))
    })?;
    Ok((vec_to_py(py, mask), vec_to_py(py, keep), meta_to_py(py, meta)?))
}

/// Row mask from one boolean per class (class order).
#[pyfunction]
pub fn keep_mask<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    keep: PyReadonlyArray1<'py, bool>,
) -> PyResult<MaskResult<'py>> {
    let keep = keep.as_slice()?.to_vec();
    let (mask, meta) = with_view(py, x, |v| {
        if keep.len() != v.n_classes() {
            return Err(Error::InvalidArgument(format!("expected {} class flags, got {}", v.n_classes(), keep.len())));
        }
        Ok(class_mask(v, &keep))
    })?;
    Ok((vec_to_py(py, mask), meta_to_py(py, meta)?))
}

/// Stratified sample of `n` rows (or `fraction` of the labeled rows, rounded
/// half away from zero). Returns (sorted rows, rows per class, meta).
#[pyfunction]
#[pyo3(signature = (x, n=None, fraction=None, seed=0))]
pub fn stratified_sample<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    n: Option<u64>,
    fraction: Option<f64>,
    seed: u64,
) -> PyResult<(Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<u64>>, Option<PyMeta<'py>>)> {
    let size = SampleSize::new(n, fraction).map_err(to_py)?;
    let ((rows, sizes), meta) = with_view(py, x, |v| core_sample(v, size, seed))?;
    Ok((vec_to_py(py, rows), vec_to_py(py, sizes), meta_to_py(py, meta)?))
}
