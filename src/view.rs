//! Run a kernel on whatever the user passed: a factorized `Labels`, or any
//! column read in place for this one call.

use fastbal_core::{Classes, Compacted, LabelView, Prepared};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;

use crate::column::{Input, ValueType};
use crate::errors::{to_py, with_classes};
use crate::exec::detach;
use crate::labels::{PyClassCounts, PyLabels};

/// Classes and counts of a column read in place (class order), returned
/// beside a kernel's result so the caller need not count again.
pub struct Meta {
    pub classes: Classes,
    pub counts: Vec<u64>,
    pub null_count: u64,
    pub value_type: ValueType,
}

/// The `meta` field of a result: the column's `ClassCounts`, or None for a
/// `Labels` (the caller has its classes already).
pub type PyMeta = Option<Py<PyClassCounts>>;

/// Run `f` on the view of `x` with the interpreter released. `Meta` is
/// `None` when `x` is a `Labels`.
pub fn with_view<R, F>(py: Python<'_>, x: &Bound<'_, PyAny>, f: F) -> PyResult<(R, Option<Meta>)>
where
    R: Send,
    F: for<'v> FnOnce(&LabelView<'v>) -> fastbal_core::Result<R> + Send,
{
    if let Ok(labels) = x.cast::<PyLabels>() {
        let inner = &labels.get().inner;
        let r = detach(py, inner.len(), || f(&inner.view()))?.map_err(|e| with_classes(e, &inner.classes))?;
        return Ok((r, None));
    }
    let (input, value_type) = Input::extract(x)?;
    let column = input.column()?;
    let (r, classes, counts, null_count) = detach(py, column.len(), || {
        let compacted = Compacted::new(Prepared::new(&column).map_err(|e| (e, None))?);
        let r = f(&compacted.view()).map_err(|e| (e, Some(compacted.classes.clone())))?;
        Ok((r, compacted.classes, compacted.counts, compacted.null_count))
    })?
    .map_err(|(e, classes): (fastbal_core::Error, Option<Classes>)| match classes {
        Some(c) => with_classes(e, &c),
        None => to_py(e),
    })?;
    Ok((r, Some(Meta { classes, counts, null_count, value_type })))
}

/// The meta of [`with_view`] for Python.
pub fn meta_to_py(py: Python<'_>, meta: Option<Meta>) -> PyResult<PyMeta> {
    meta.map(|m| Py::new(py, PyClassCounts::new(py, &m.classes, m.counts, m.null_count, m.value_type)?)).transpose()
}

/// A kernel's vector as a numpy array owned by Python.
pub fn vec_to_py<T: numpy::Element>(py: Python<'_>, v: Vec<T>) -> Py<PyArray1<T>> {
    v.into_pyarray(py).unbind()
}
