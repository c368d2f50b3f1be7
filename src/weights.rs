//! Bindings of class and sample weights.

use fastbal_core::weights::{class_weights as core_class_weights, sample_weights as core_sample_weights};
use fastbal_core::weights::{Normalize, Strategy};
use fastbal_core::Error;
use numpy::PyArray1;
use pyo3::prelude::*;

use crate::view::{meta_to_py, vec_to_py, with_view, PyMeta};

pub(crate) fn parse(strategy: &str, beta: f64, normalize: &str) -> fastbal_core::Result<(Strategy, Normalize)> {
    if !(0.0..1.0).contains(&beta) {
        return Err(Error::InvalidArgument(format!("beta must be in [0, 1); got {beta}")));
    }
    let s = match strategy {
        "balanced" => Strategy::Balanced,
        "inverse" => Strategy::Inverse,
        "sqrt" => Strategy::Sqrt,
        "effective" => Strategy::Effective { beta },
        other => {
            return Err(Error::InvalidArgument(format!(
                "unknown strategy {other:?}; use \"balanced\", \"inverse\", \"sqrt\" or \"effective\""
            )))
        }
    };
    let n = match normalize {
        "none" => Normalize::None,
        "mean" => Normalize::Mean,
        "sum" => Normalize::Sum,
        other => {
            return Err(Error::InvalidArgument(format!(
                "unknown normalize {other:?}; use \"none\", \"mean\" or \"sum\""
            )))
        }
    };
    Ok((s, n))
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
