//! Bindings of repeated texts and their conflicting labels (`fastbal_core::duplicates`).

use fastbal_core::duplicates::{duplicate_stats as core_stats, keep_consistent, keep_first, text_labels, TextGroup};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::errors::to_py;
use crate::exec::detach;
use crate::labels::PyLabels;
use crate::view::vec_to_py;

/// One text's rows and labels: the text's code, its rows, and its labels'
/// codes with their rows (most rows first).
#[pyclass(module = "fastbal._fastbal", name = "TextGroup", frozen, get_all)]
pub struct PyTextGroup {
    text: u32,
    rows: u64,
    labels: Vec<(u32, u64)>,
}

/// The figures of a column of texts (see `fastbal.duplicates`).
#[pyclass(module = "fastbal._fastbal", name = "DuplicatesResult", frozen, get_all)]
pub struct PyDuplicatesResult {
    rows: u64,
    duplicate_rows: u64,
    duplicate_texts: u64,
    conflicting_texts: u64,
    conflicting_rows: u64,
    labeled_rows: u64,
    majority_rows: u64,
    leaked_rows: Option<u64>,
    leaked_texts: Option<u64>,
    worst: Vec<Py<PyTextGroup>>,
    /// Per text (code), whether its rows carry more than one label; None without labels.
    conflict: Option<Py<PyArray1<bool>>>,
}

fn group(py: Python<'_>, g: TextGroup) -> PyResult<Py<PyTextGroup>> {
    Py::new(py, PyTextGroup { text: g.text, rows: g.rows, labels: g.labels })
}

/// The figures of factorized texts, with their labels' conflicts and the
/// leakage across `splits` (split codes per row) when given.
#[pyfunction]
#[pyo3(signature = (texts, labels, splits, top))]
pub fn duplicate_stats(
    py: Python<'_>,
    texts: &Bound<'_, PyLabels>,
    labels: Option<&Bound<'_, PyLabels>>,
    splits: Option<PyReadonlyArray1<'_, i8>>,
    top: usize,
) -> PyResult<PyDuplicatesResult> {
    let t = &texts.get().inner;
    let l = labels.map(|l| &l.get().inner);
    let splits = splits.as_ref().map(|s| s.as_slice()).transpose()?;
    let (stats, conflict) = detach(py, t.len(), || {
        let table = l.map(|l| text_labels(&t.codes, t.n_classes(), &l.codes)).transpose()?;
        let stats = core_stats(&t.codes, &t.counts, l.map(|l| &l.codes[..]).zip(table.as_ref()), splits, top)?;
        Ok::<_, fastbal_core::Error>((stats, table.map(|t| t.conflict)))
    })?
    .map_err(to_py)?;
    Ok(PyDuplicatesResult {
        rows: stats.rows,
        duplicate_rows: stats.duplicate_rows,
        duplicate_texts: stats.duplicate_texts,
        conflicting_texts: stats.conflicting_texts,
        conflicting_rows: stats.conflicting_rows,
        labeled_rows: stats.labeled_rows,
        majority_rows: stats.majority_rows,
        leaked_rows: stats.leaked_rows,
        leaked_texts: stats.leaked_texts,
        worst: stats.worst.into_iter().map(|g| group(py, g)).collect::<PyResult<_>>()?,
        conflict: conflict.map(|c| vec_to_py(py, c)),
    })
}

/// Keep the first row of each text, and every row without a text.
#[pyfunction]
pub fn keep_first_texts(py: Python<'_>, texts: &Bound<'_, PyLabels>) -> PyResult<Py<PyArray1<bool>>> {
    let t = &texts.get().inner;
    Ok(vec_to_py(py, detach(py, t.len(), || keep_first(&t.codes, t.n_classes()))?))
}

/// Keep every row whose text carries one label (`conflict` per text), and
/// every row without a text.
#[pyfunction]
pub fn keep_consistent_texts(
    py: Python<'_>,
    texts: &Bound<'_, PyLabels>,
    conflict: PyReadonlyArray1<'_, bool>,
) -> PyResult<Py<PyArray1<bool>>> {
    let t = &texts.get().inner;
    let conflict = conflict.as_slice()?;
    if conflict.len() != t.n_classes() {
        return Err(crate::errors::value_error(format!(
            "conflict has {} entries but the texts have {} distinct values",
            conflict.len(),
            t.n_classes()
        )));
    }
    Ok(vec_to_py(py, detach(py, t.len(), || keep_consistent(&t.codes, conflict))?))
}
