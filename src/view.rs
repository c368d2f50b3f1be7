//! Run a kernel on whatever the user passed: a factorized `Labels`, or any
//! column read in place for this one call.

use fastbal_core::{Classes, Compacted, LabelView, Prepared};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;

use crate::errors::to_py;
use crate::input::{Input, ValueType};
use crate::labels::{classes_to_py, PyLabels};

/// Classes and counts of a column read in place (class order), returned
/// beside a kernel's result so the caller need not count again.
pub struct Meta {
    pub classes: Classes,
    pub counts: Vec<u64>,
    pub null_count: u64,
    pub value_type: ValueType,
}

/// `(classes, counts, null_count, value_type)` for Python.
pub type PyMeta<'py> = (Bound<'py, PyAny>, Bound<'py, PyArray1<u64>>, u64, ValueType);

impl Meta {
    pub fn into_py(self, py: Python<'_>) -> PyResult<PyMeta<'_>> {
        Ok((classes_to_py(py, &self.classes)?, self.counts.into_pyarray(py), self.null_count, self.value_type))
    }
}

/// Release the interpreter and run a kernel over `rows` rows under the
/// core's parallelism switch (the pool for large inputs, the calling thread
/// for small ones and in a forked child). A panic (a failed internal check)
/// comes back as `fastbal.InternalError`, never as a `PanicException`.
pub fn detach<R: Send>(py: Python<'_>, rows: usize, f: impl FnOnce() -> R + Send) -> PyResult<R> {
    py.detach(|| std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fastbal_core::parallel::run(rows, f))))
        .map_err(crate::errors::from_panic)
}

/// Run `f` on the view of `x` with the interpreter released. `Meta` is
/// `None` when `x` is a `Labels` (the caller has its classes already).
pub fn with_view<R, F>(py: Python<'_>, x: &Bound<'_, PyAny>, f: F) -> PyResult<(R, Option<Meta>)>
where
    R: Send,
    F: for<'v> FnOnce(&LabelView<'v>) -> fastbal_core::Result<R> + Send,
{
    if let Ok(labels) = x.cast::<PyLabels>() {
        let inner = &labels.get().inner;
        let r = detach(py, inner.len(), || f(&inner.view()))?
            .map_err(|e| crate::errors::with_classes(e, &inner.classes))?;
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
        Some(c) => crate::errors::with_classes(e, &c),
        None => to_py(e),
    })?;
    Ok((r, Some(Meta { classes, counts, null_count, value_type })))
}

/// The meta of [`with_view`] for Python (None for a `Labels`).
pub fn meta_to_py(py: Python<'_>, meta: Option<Meta>) -> PyResult<Option<PyMeta<'_>>> {
    meta.map(|m| m.into_py(py)).transpose()
}

/// Extract a 1-D numpy array result.
pub fn vec_to_py<T: numpy::Element>(py: Python<'_>, v: Vec<T>) -> Bound<'_, PyArray1<T>> {
    v.into_pyarray(py)
}
