//! Bindings of class and sample weights.

use fastbal_core::weights::{class_weights as core_class_weights, sample_weights as core_sample_weights};
use fastbal_core::weights::{Normalize, Strategy};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::view::{detach, meta_to_py, vec_to_py, with_view, PyMeta};

pub(crate) fn parse(strategy: &str, beta: f64, normalize: &str) -> fastbal_core::Result<(Strategy, Normalize)> {
    Ok((Strategy::new(strategy.parse()?, beta)?, normalize.parse()?))
}

/// Weight per class (class order). Returns (weights, meta).
#[pyfunction]
#[pyo3(signature = (x, strategy="balanced", beta=0.999, normalize="none", max_weight=None))]
pub fn class_weights<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    strategy: &str,
    beta: f64,
    normalize: &str,
    max_weight: Option<f64>,
) -> PyResult<(Bound<'py, PyArray1<f64>>, Option<PyMeta<'py>>)> {
    let (s, n) = parse(strategy, beta, normalize).map_err(crate::errors::to_py)?;
    let (w, meta) = with_view(py, x, |v| core_class_weights(v.counts, s, n, max_weight))?;
    Ok((vec_to_py(py, w), meta_to_py(py, meta)?))
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
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (s, n) = parse(strategy, beta, normalize).map_err(crate::errors::to_py)?;
    let counts: Vec<u64> = counts
        .as_slice()?
        .iter()
        .map(|&c| u64::try_from(c).ok().filter(|&c| c > 0))
        .collect::<Option<_>>()
        .ok_or_else(|| PyValueError::new_err("class counts must be positive"))?;
    let w = detach(py, 0, || core_class_weights(&counts, s, n, max_weight))?.map_err(crate::errors::to_py)?;
    Ok(vec_to_py(py, w))
}

/// Weight per row (0 for rows without a label). Returns (row weights, class weights, meta).
#[pyfunction]
#[pyo3(signature = (x, strategy="balanced", beta=0.999, normalize="none", max_weight=None))]
pub fn sample_weights<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    strategy: &str,
    beta: f64,
    normalize: &str,
    max_weight: Option<f64>,
) -> PyResult<(Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>, Option<PyMeta<'py>>)> {
    let (s, n) = parse(strategy, beta, normalize).map_err(crate::errors::to_py)?;
    let ((rows, w), meta) = with_view(py, x, |v| {
        let w = core_class_weights(v.counts, s, n, max_weight)?;
        Ok((core_sample_weights(v, &w), w))
    })?;
    Ok((vec_to_py(py, rows), vec_to_py(py, w), meta_to_py(py, meta)?))
}
