//! Binding of the per-class text length histogram.

use fastbal_core::text::{char_lengths, length_histogram};
use numpy::PyArray1;
use pyo3::prelude::*;

use crate::errors::to_py;
use crate::input::Input;
use crate::view::{detach, meta_to_py, vec_to_py, with_view, PyMeta};

/// Rows per (class, text length in characters): (codes, lengths, counts, meta),
/// sorted by class then length. Rows with a null label or text are skipped.
#[pyfunction]
pub fn text_length_histogram<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    texts: &Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyArray1<u32>>, Bound<'py, PyArray1<u32>>, Bound<'py, PyArray1<u64>>, Option<PyMeta<'py>>)> {
    let (input, value_type) = Input::extract(texts)?;
    if value_type != "str" {
        return Err(crate::errors::type_error(format!("texts must be a string column; got {value_type} values")));
    }
    let column = input.column()?;
    let lengths = detach(py, column.len(), || char_lengths(&column))?.map_err(to_py)?;
    let ((codes, lens, counts), meta) = with_view(py, x, |v| length_histogram(v, &lengths))?;
    Ok((vec_to_py(py, codes), vec_to_py(py, lens), vec_to_py(py, counts), meta_to_py(py, meta)?))
}
