//! Bindings of row selection: class masks and stratified samples.

use fastbal_core::rank::Ranker;
use fastbal_core::select::{apportion, class_mask, keep_max_count, keep_min_count, keep_top_k, sample_rows};
use fastbal_core::{Error, RowKeys};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::view::{meta_to_py, vec_to_py, with_view, PyMeta};

/// A mask and, for a column read in place, its classes and counts.
type MaskResult<'py> = (Bound<'py, PyArray1<bool>>, Option<PyMeta<'py>>);
/// A mask, the per-class decision behind it, and the meta.
type RuleMaskResult<'py> = (Bound<'py, PyArray1<bool>>, Bound<'py, PyArray1<bool>>, Option<PyMeta<'py>>);

/// The per-class decision of a mask rule: "min_count" (count >= k),
/// "max_count" (count <= k) or "top_k" (the k most frequent classes).
pub(crate) fn keep_rule(rule: &str) -> PyResult<fn(&[u64], u64) -> Vec<bool>> {
    Ok(match rule {
        "min_count" => keep_min_count,
        "max_count" => keep_max_count,
        "top_k" => |counts, k| keep_top_k(counts, usize::try_from(k).unwrap_or(usize::MAX)),
        other => return Err(pyo3::exceptions::PyValueError::new_err(format!("unknown mask rule {other:?}"))),
    })
}

/// Rows of a stratified sample of `n` rows or `fraction` of `total` labeled
/// rows (rounded half away from zero).
pub(crate) fn sample_size(total: u64, n: Option<u64>, fraction: Option<f64>) -> fastbal_core::Result<u64> {
    match (n, fraction) {
        (Some(n), None) if n <= total => Ok(n),
        (Some(n), None) => Err(Error::Infeasible(format!("n = {n} is more than the {total} labeled rows"))),
        (None, Some(f)) if f > 0.0 && f <= 1.0 => Ok(((f * total as f64).round() as u64).min(total)),
        (None, Some(f)) => Err(Error::InvalidArgument(format!("fraction must be in (0, 1]; got {f}"))),
        _ => Err(Error::InvalidArgument("pass exactly one of n and fraction".into())),
    }
}

/// Row mask by a class rule: "min_count" (count >= k), "max_count"
/// (count <= k) or "top_k" (the k most frequent classes).
#[pyfunction]
pub fn rule_mask<'py>(py: Python<'py>, x: &Bound<'py, PyAny>, rule: &str, k: u64) -> PyResult<RuleMaskResult<'py>> {
    let keep = keep_rule(rule)?;
    let ((mask, keep), meta) = with_view(py, x, |v| {
        let keep = keep(v.counts, k);
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
    let ((rows, sizes), meta) = with_view(py, x, |v| {
        let n = sample_size(v.total(), n, fraction)?;
        let sizes = apportion(v.counts, n);
        Ok((sample_rows(v, Ranker::new(RowKeys::Position, seed), &sizes)?, sizes))
    })?;
    Ok((vec_to_py(py, rows), vec_to_py(py, sizes), meta_to_py(py, meta)?))
}
