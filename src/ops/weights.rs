//! Bindings of class and sample weights (`fastbal_core::weights`).

use fastbal_core::weights::{class_weights as core_class_weights, sample_weights as core_sample_weights};
use fastbal_core::weights::{Normalize, Strategy};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::errors::{to_py, value_error};
use crate::exec::detach;
use crate::view::{meta_to_py, vec_to_py, with_view, PyMeta};

/// The weight of every class.
#[pyclass(module = "fastbal._fastbal", name = "ClassWeightsResult", frozen, get_all)]
pub struct PyClassWeightsResult {
    /// One weight per class, in class order.
    weights: Py<PyArray1<f64>>,
    /// The column's classes and counts; None for a `Labels`.
    meta: PyMeta,
}

/// The weight of every row, and of every class.
#[pyclass(module = "fastbal._fastbal", name = "SampleWeightsResult", frozen, get_all)]
pub struct PySampleWeightsResult {
    /// One weight per row: its class's weight, 0 for a row without a label.
    rows: Py<PyArray1<f64>>,
    /// One weight per class, in class order.
    weights: Py<PyArray1<f64>>,
    /// The column's classes and counts; None for a `Labels`.
    meta: PyMeta,
}

fn parse(strategy: &str, beta: f64, normalize: &str) -> PyResult<(Strategy, Normalize)> {
    let parsed = || Ok((Strategy::new(strategy.parse()?, beta)?, normalize.parse()?));
    parsed().map_err(to_py)
}

/// Weight per class (class order).
#[pyfunction]
#[pyo3(signature = (x, strategy="balanced", beta=0.999, normalize="none", max_weight=None))]
pub fn class_weights(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    strategy: &str,
    beta: f64,
    normalize: &str,
    max_weight: Option<f64>,
) -> PyResult<PyClassWeightsResult> {
    let (s, n) = parse(strategy, beta, normalize)?;
    let (w, meta) = with_view(py, x, |v| core_class_weights(v.counts, s, n, max_weight))?;
    Ok(PyClassWeightsResult { weights: vec_to_py(py, w), meta: meta_to_py(py, meta)? })
}

/// Weight per class from rows per class, in the order given (counts merged
/// from batches or partitions weigh like the whole column).
#[pyfunction]
#[pyo3(signature = (counts, strategy="balanced", beta=0.999, normalize="none", max_weight=None))]
pub fn class_weights_from_counts<'py>(
    py: Python<'py>,
    counts: PyReadonlyArray1<'py, i64>,
    strategy: &str,
    beta: f64,
    normalize: &str,
    max_weight: Option<f64>,
) -> PyResult<Py<PyArray1<f64>>> {
    let (s, n) = parse(strategy, beta, normalize)?;
    let counts: Vec<u64> = counts
        .as_slice()?
        .iter()
        .map(|&c| u64::try_from(c).ok().filter(|&c| c > 0))
        .collect::<Option<_>>()
        .ok_or_else(|| value_error("class counts must be positive"))?;
    let w = detach(py, 0, || core_class_weights(&counts, s, n, max_weight))?.map_err(to_py)?;
    Ok(vec_to_py(py, w))
}

/// Weight per row (0 for rows without a label), and per class.
#[pyfunction]
#[pyo3(signature = (x, strategy="balanced", beta=0.999, normalize="none", max_weight=None))]
pub fn sample_weights(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    strategy: &str,
    beta: f64,
    normalize: &str,
    max_weight: Option<f64>,
) -> PyResult<PySampleWeightsResult> {
    let (s, n) = parse(strategy, beta, normalize)?;
    let ((rows, w), meta) = with_view(py, x, |v| {
        let w = core_class_weights(v.counts, s, n, max_weight)?;
        Ok((core_sample_weights(v, &w), w))
    })?;
    Ok(PySampleWeightsResult { rows: vec_to_py(py, rows), weights: vec_to_py(py, w), meta: meta_to_py(py, meta)? })
}
