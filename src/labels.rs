//! Factorization and counting: the `Labels` class, `value_counts`, and the
//! `ClassCounts` every kernel run on a column read in place returns.

use fastbal_core::{count_classes, order_by_count, Classes, HashPath};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::column::{Input, ValueType};
use crate::errors::to_py;
use crate::exec::detach;

/// Add the classes and functions of this module to the extension module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyLabels>()?;
    m.add_class::<PyClassCounts>()?;
    m.add_function(wrap_pyfunction!(value_counts, m)?)?;
    Ok(())
}

/// The classes of a column, their rows, its null rows and the type of its
/// label values.
#[pyclass(module = "fastbal._fastbal", name = "ClassCounts", frozen, get_all)]
pub struct PyClassCounts {
    /// The class values: an int64/uint64 numpy array, or an object array of str.
    pub classes: Py<PyAny>,
    /// Rows per class, in the order of `classes`.
    pub counts: Py<PyArray1<u64>>,
    /// Rows without a label.
    pub null_count: u64,
    /// The type of the label values: a numpy dtype name, or "str".
    pub value_type: ValueType,
}

impl PyClassCounts {
    pub fn new(
        py: Python<'_>,
        classes: &Classes,
        counts: Vec<u64>,
        null_count: u64,
        value_type: ValueType,
    ) -> PyResult<Self> {
        Ok(PyClassCounts {
            classes: classes_to_py(py, classes)?.unbind(),
            counts: counts.into_pyarray(py).unbind(),
            null_count,
            value_type,
        })
    }
}

/// A factorized label column: class code per row, counts and classes.
#[pyclass(module = "fastbal._fastbal", name = "Labels", frozen)]
pub struct PyLabels {
    pub inner: fastbal_core::Labels,
    value_type: ValueType,
}

/// Class values as a Python object: an int64 / uint64 numpy array, or a numpy
/// object array of str (made here at once: no list for numpy to look through).
pub fn classes_to_py<'py>(py: Python<'py>, classes: &Classes) -> PyResult<Bound<'py, PyAny>> {
    Ok(match classes {
        Classes::Int(v) => v.clone().into_pyarray(py).into_any(),
        Classes::UInt(v) => v.clone().into_pyarray(py).into_any(),
        Classes::Str(v) => {
            PyArray1::<Py<PyAny>>::from_iter(py, v.iter().map(|s| PyString::new(py, s).into_any().unbind())).into_any()
        }
    })
}

#[pymethods]
impl PyLabels {
    /// `hash_path` forces how a hashed column (strings, sparse integers) is
    /// factorized: "auto" (from the data), "segmented" or "partitioned"; the
    /// result is the same, only the time differs.
    #[new]
    #[pyo3(signature = (x, *, hash_path = "auto"))]
    fn new(py: Python<'_>, x: &Bound<'_, PyAny>, hash_path: &str) -> PyResult<Self> {
        let path = match hash_path {
            "auto" => HashPath::Auto,
            "segmented" => HashPath::Segmented,
            "partitioned" => HashPath::Partitioned,
            other => {
                return Err(to_py(fastbal_core::Error::InvalidArgument(format!(
                    "hash_path must be \"auto\", \"segmented\" or \"partitioned\"; got {other:?}"
                ))))
            }
        };
        let (input, value_type) = Input::extract(x)?;
        let column = input.column()?;
        let inner = detach(py, column.len(), || fastbal_core::Labels::with_path(&column, path))?.map_err(to_py)?;
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

    /// The class values, sorted (numpy int64/uint64, or an object array of str).
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

/// Count each class: the classes ordered by count descending, ties by class value.
#[pyfunction]
pub fn value_counts(py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<PyClassCounts> {
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
                Ok((counts, c.null_count, c.classes.into_take(&order)))
            })?
            .map_err(to_py)?;
            (counts, null_count, classes, value_type)
        }
    };
    PyClassCounts::new(py, &classes, counts, null_count, value_type)
}
