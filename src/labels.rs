//! Factorization and counting: the `Labels` class and `value_counts`.

use fastbal_core::{count_classes, order_by_count, Classes};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::errors::to_py;
use crate::input::{Input, ValueType};
use crate::view::detach;

/// A factorized label column: class code per row, counts and classes.
#[pyclass(module = "fastbal._fastbal", name = "Labels", frozen)]
pub struct PyLabels {
    pub inner: fastbal_core::Labels,
    value_type: ValueType,
}

/// Class values as a Python object: an int64 / uint64 numpy array or a list of str.
pub fn classes_to_py<'py>(py: Python<'py>, classes: &Classes) -> PyResult<Bound<'py, PyAny>> {
    Ok(match classes {
        Classes::Int(v) => v.clone().into_pyarray(py).into_any(),
        Classes::UInt(v) => v.clone().into_pyarray(py).into_any(),
        Classes::Str(v) => PyList::new(py, v)?.into_any(),
    })
}

#[pymethods]
impl PyLabels {
    #[new]
    fn new(py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<Self> {
        let (input, value_type) = Input::extract(x)?;
        let column = input.column()?;
        let inner = detach(py, column.len(), || fastbal_core::Labels::new(&column))?.map_err(to_py)?;
        Ok(PyLabels { inner, value_type })
    }

    /// Class code per row as int64, -1 for a missing label (a copy).
    fn codes<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        let codes = &self.inner.codes;
        py.detach(|| codes.iter().map(|&c| if c == fastbal_core::NULL { -1 } else { c as i64 }).collect::<Vec<_>>())
            .into_pyarray(py)
    }

    /// Rows per class, in class order.
    #[getter]
    fn counts<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        self.inner.counts.clone().into_pyarray(py)
    }

    /// The class values, sorted (numpy int64/uint64, or a list of str).
    #[getter]
    fn classes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        classes_to_py(py, &self.inner.classes)
    }

    #[getter]
    fn null_count(&self) -> u64 {
        self.inner.null_count
    }

    /// The type label values had: a numpy dtype name or "str".
    #[getter]
    fn value_type(&self) -> &'static str {
        self.value_type
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }
}

/// Count each class. Returns (classes, counts, null_count, value_type) with
/// classes ordered by count descending, ties by class value.
#[pyfunction]
pub fn value_counts<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyArray1<u64>>, u64, ValueType)> {
    let (counts, null_count, classes, value_type) = match x.cast::<PyLabels>() {
        Ok(labels) => {
            let l = &labels.get().inner;
            let order = order_by_count(&l.counts);
            let counts: Vec<u64> = order.iter().map(|&c| l.counts[c as usize]).collect();
            (counts, l.null_count, l.classes.take(&order), labels.get().value_type)
        }
        Err(_) => {
            let (input, value_type) = Input::extract(x)?;
            let column = input.column()?;
            let (counts, null_count, classes) = detach(py, column.len(), || {
                let c = count_classes(&column)?;
                let order = order_by_count(&c.counts);
                let counts = order.iter().map(|&i| c.counts[i as usize]).collect::<Vec<_>>();
                Ok((counts, c.null_count, c.classes.take(&order)))
            })?
            .map_err(to_py)?;
            (counts, null_count, classes, value_type)
        }
    };
    Ok((classes_to_py(py, &classes)?, counts.into_pyarray(py), null_count, value_type))
}
