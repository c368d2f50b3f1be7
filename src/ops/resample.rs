//! Bindings of over- and under-sampling (`fastbal_core::resample`).

use fastbal_core::resample::{oversample as core_oversample, undersample as core_undersample};
use fastbal_core::Ranker;
use fastbal_core::{Error, RowKeys};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::view::{vec_to_py, with_view};

fn per_class(v: &fastbal_core::LabelView<'_>, what: &str, values: &[u64]) -> fastbal_core::Result<()> {
    if values.len() != v.n_classes() {
        // the package computes these from the same labels: they differ only
        // if the labels changed between the two reads
        return Err(Error::InvalidData(format!(
            "expected {} {what}, one per class; got {}: the labels changed between counting \
             and resampling (did another thread write to the array?)",
            v.n_classes(),
            values.len()
        )));
    }
    Ok(())
}

/// Rows kept when class `c` is cut to `targets[c]` rows, sorted.
#[pyfunction]
#[pyo3(signature = (x, targets, seed=0))]
pub fn undersample<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    targets: PyReadonlyArray1<'py, u64>,
    seed: u64,
) -> PyResult<Py<PyArray1<i64>>> {
    let targets = targets.as_slice()?.to_vec();
    let (rows, _) = with_view(py, x, |v| {
        per_class(v, "targets", &targets)?;
        core_undersample(v, Ranker::new(RowKeys::Position, seed), &targets)
    })?;
    Ok(vec_to_py(py, rows))
}

/// Every labeled row, then `extra[c]` rows of class `c` drawn with replacement.
#[pyfunction]
#[pyo3(signature = (x, extra, seed=0))]
pub fn oversample<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    extra: PyReadonlyArray1<'py, u64>,
    seed: u64,
) -> PyResult<Py<PyArray1<i64>>> {
    let extra = extra.as_slice()?.to_vec();
    let (rows, _) = with_view(py, x, |v| {
        per_class(v, "extra counts", &extra)?;
        core_oversample(v, seed, &extra)
    })?;
    Ok(vec_to_py(py, rows))
}
