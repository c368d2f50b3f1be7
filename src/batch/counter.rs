//! Binding of `LabelCounter` (`fastbal_core::counter`): mergeable class
//! counts keyed by class value.

use fastbal_core::{order_by_count, LabelCounter};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::column::{Input, ValueType};
use crate::errors::to_py;
use crate::exec::detach;
use crate::labels::classes_to_py;

/// Class counts over every batch seen, mergeable with other counters.
#[pyclass(module = "fastbal._fastbal", name = "LabelCounter")]
#[derive(Default)]
pub struct PyLabelCounter {
    pub inner: LabelCounter,
    /// The type of the label values, from the first batch holding a label.
    value_type: Option<ValueType>,
}

impl PyLabelCounter {
    fn note_type(&mut self, value_type: ValueType, has_labels: bool) {
        if self.value_type.is_none() || (has_labels && self.inner.counts().is_empty()) {
            self.value_type = Some(value_type);
        }
    }
}

#[pymethods]
impl PyLabelCounter {
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// Count one batch of labels and add its counts.
    fn update(&mut self, py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<()> {
        let (input, value_type) = Input::extract(x)?;
        let column = input.column()?;
        let mut batch = LabelCounter::new();
        detach(py, column.len(), || batch.update(&column))?.map_err(to_py)?;
        self.merge_core(&batch, value_type)
    }

    /// Add another counter's counts.
    fn merge(&mut self, other: &PyLabelCounter) -> PyResult<()> {
        match other.value_type {
            Some(t) => self.merge_core(&other.inner, t),
            None => Ok(()),
        }
    }

    /// A counter holding given counts: `classes` sorted and distinct (a
    /// numpy or Arrow array), one count per class.
    #[staticmethod]
    fn from_parts(
        py: Python<'_>,
        classes: &Bound<'_, PyAny>,
        counts: PyReadonlyArray1<'_, u64>,
        null_count: u64,
    ) -> PyResult<Self> {
        let (input, value_type) = Input::extract(classes)?;
        let column = input.column()?;
        let counts = counts.as_slice()?.to_vec();
        let inner = py
            .detach(|| {
                let c = fastbal_core::count_classes(&column)?;
                if c.null_count > 0 || c.counts.iter().any(|&n| n != 1) {
                    return Err(fastbal_core::Error::InvalidArgument("classes must be distinct and not null".into()));
                }
                LabelCounter::from_parts(c.classes, counts, null_count)
            })
            .map_err(to_py)?;
        Ok(PyLabelCounter { inner, value_type: Some(value_type) })
    }

    /// The classes seen, sorted by value (numpy int64/uint64, or an object array of str).
    #[getter]
    fn classes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        classes_to_py(py, self.inner.classes())
    }

    /// Rows per class, in class order.
    #[getter]
    fn counts<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        self.inner.counts().to_vec().into_pyarray(py)
    }

    #[getter]
    fn null_count(&self) -> u64 {
        self.inner.null_count()
    }

    /// The type of the label values ("int64" before any batch).
    #[getter]
    fn value_type(&self) -> ValueType {
        self.value_type.unwrap_or("int64")
    }

    /// Class positions ordered by count, descending (ties by class value).
    fn order_by_count<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u32>> {
        order_by_count(self.inner.counts()).into_pyarray(py)
    }

    /// The class code of every row of a batch among this counter's classes,
    /// as uint32 (2**32 - 1 for a missing label).
    fn codes<'py>(&self, py: Python<'py>, x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let (input, _) = Input::extract(x)?;
        let column = input.column()?;
        let inner = &self.inner;
        Ok(detach(py, column.len(), || inner.batch_codes(&column))?.map_err(to_py)?.into_pyarray(py))
    }

    fn __len__(&self) -> usize {
        self.inner.counts().len()
    }
}

impl PyLabelCounter {
    fn merge_core(&mut self, other: &LabelCounter, value_type: ValueType) -> PyResult<()> {
        self.note_type(value_type, !other.counts().is_empty());
        self.inner.merge(other).map_err(to_py)
    }
}
