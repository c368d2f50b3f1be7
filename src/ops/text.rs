//! Binding of the per-class text length histogram (`fastbal_core::text`).

use fastbal_core::text::{char_lengths, length_histogram};
use numpy::PyArray1;
use pyo3::prelude::*;

use crate::column::Input;
use crate::errors::{to_py, type_error};
use crate::exec::detach;
use crate::view::{meta_to_py, vec_to_py, with_view, PyMeta};

/// Rows per (class, text length in characters), sorted by class then length.
#[pyclass(module = "fastbal._fastbal", name = "TextLengthHistogram", frozen, get_all)]
pub struct PyTextLengthHistogram {
    /// The class (code) of each entry.
    codes: Py<PyArray1<u32>>,
    /// The text length in characters of each entry.
    lengths: Py<PyArray1<u32>>,
    /// The rows of each entry.
    counts: Py<PyArray1<u64>>,
    /// The column's classes and counts; None for a `Labels`.
    meta: PyMeta,
}

/// Rows per (class, text length in characters). Rows with a null label or
/// text are skipped.
#[pyfunction]
pub fn text_length_histogram(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    texts: &Bound<'_, PyAny>,
) -> PyResult<PyTextLengthHistogram> {
    let (input, value_type) = Input::extract(texts)?;
    if value_type != "str" {
        return Err(type_error(format!("texts must be a string column; got {value_type} values")));
    }
    let column = input.column()?;
    let lengths = detach(py, column.len(), || char_lengths(&column))?.map_err(to_py)?;
    let ((codes, lens, counts), meta) = with_view(py, x, |v| length_histogram(v, &lengths))?;
    Ok(PyTextLengthHistogram {
        codes: vec_to_py(py, codes),
        lengths: vec_to_py(py, lens),
        counts: vec_to_py(py, counts),
        meta: meta_to_py(py, meta)?,
    })
}
