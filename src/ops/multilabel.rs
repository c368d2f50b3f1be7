//! Bindings of the multilabel split and k-fold (`fastbal_core::multilabel`).
//!
//! The label sets arrive CSR-like, as numpy arrays read in place: row
//! offsets and label codes (int32 or int64), and a boolean mask of null rows.

use fastbal_core::multilabel::{
    multilabel_kfold as core_kfold, multilabel_split as core_split, set_stats, Indices, LabelSets, MultilabelPlan,
};
use fastbal_core::params::folds;
use fastbal_core::positions::positions_by_value;
use fastbal_core::{row_keys, Ranker};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::prelude::*;

use crate::column::Input;
use crate::errors::{internal, to_py, type_error};
use crate::exec::detach;
use crate::params::size;
use crate::view::vec_to_py;

/// An int32 or int64 numpy array, borrowed.
enum IntArray<'py> {
    I32(PyReadonlyArray1<'py, i32>),
    I64(PyReadonlyArray1<'py, i64>),
}

impl<'py> IntArray<'py> {
    fn extract(name: &str, obj: &Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(a) = obj.extract::<PyReadonlyArray1<'py, i64>>() {
            return Ok(IntArray::I64(a));
        }
        if let Ok(a) = obj.extract::<PyReadonlyArray1<'py, i32>>() {
            return Ok(IntArray::I32(a));
        }
        Err(type_error(format!("{name} must be a 1-D numpy array of int32 or int64")))
    }

    fn indices(&self) -> PyResult<Indices<'_>> {
        let contiguous = || type_error("the offsets and label codes must be C-contiguous");
        Ok(match self {
            IntArray::I32(a) => Indices::I32(a.as_slice().map_err(|_| contiguous())?),
            IntArray::I64(a) => Indices::I64(a.as_slice().map_err(|_| contiguous())?),
        })
    }
}

/// How a multilabel split or k-fold came out.
#[pyclass(module = "fastbal._fastbal", name = "MultilabelPlan", frozen, get_all)]
pub struct PyMultilabelPlan {
    /// Rows per part (train, valid, test; or fold by fold).
    sizes: Vec<u64>,
    /// Positives of each label (code order) in each part: shape (labels, parts).
    cells: Py<PyArray2<u64>>,
    /// Positives per label (code order).
    counts: Py<PyArray1<u64>>,
    /// Labels (codes) with at least as many positives as non-empty parts that
    /// still miss a non-empty part.
    uncovered: Vec<u32>,
    /// Rows marked null, left out.
    null_rows: u64,
    /// Non-null rows without a label.
    empty_rows: u64,
}

impl PyMultilabelPlan {
    fn new(py: Python<'_>, plan: MultilabelPlan, null_rows: u64, empty_rows: u64) -> PyResult<Self> {
        let (q, parts) = (plan.counts.len(), plan.sizes.len());
        Ok(PyMultilabelPlan {
            cells: vec_to_py(py, plan.cells).into_bound(py).reshape([q, parts])?.unbind(),
            counts: vec_to_py(py, plan.counts),
            sizes: plan.sizes,
            uncovered: plan.uncovered,
            null_rows,
            empty_rows,
        })
    }
}

/// A multilabel stratified train/valid/test split.
#[pyclass(module = "fastbal._fastbal", name = "MultilabelSplitResult", frozen, get_all)]
pub struct PyMultilabelSplitResult {
    /// The split code of every row (`SPLIT_NAMES` index), `LEFT_OUT` for a null row.
    assignment: Py<PyArray1<i8>>,
    /// The rows of each split, sorted.
    train: Py<PyArray1<i64>>,
    valid: Py<PyArray1<i64>>,
    test: Py<PyArray1<i64>>,
    plan: Py<PyMultilabelPlan>,
}

/// A multilabel stratified k-fold.
#[pyclass(module = "fastbal._fastbal", name = "MultilabelKFoldResult", frozen, get_all)]
pub struct PyMultilabelKFoldResult {
    /// The test fold of every row, `LEFT_OUT` for a null row.
    folds: Py<PyArray1<i16>>,
    plan: Py<PyMultilabelPlan>,
}

/// Label-set statistics: distinct sets and the most frequent pairs.
#[pyclass(module = "fastbal._fastbal", name = "LabelSetStats", frozen, get_all)]
pub struct PyLabelSetStats {
    /// Positives per label (code order).
    counts: Py<PyArray1<u64>>,
    /// Rows marked null.
    null_rows: u64,
    /// Non-null rows without a label.
    empty_rows: u64,
    /// Distinct label sets among the non-null rows (the empty set included).
    distinct_sets: u64,
    /// The most frequent label pairs as `(a, b, rows)`, `a < b` codes.
    pairs: Vec<(u32, u32, u64)>,
}

fn keys(py: Python<'_>, ids: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<u64>>> {
    let Some(ids) = ids else { return Ok(None) };
    let (input, _) = Input::extract(ids)?;
    let column = input.column()?;
    detach(py, column.len(), || row_keys(&column))?.map(Some).map_err(to_py)
}

/// The arrays of a CSR-like input, borrowed for one call.
struct Csr<'py> {
    offsets: IntArray<'py>,
    labels: IntArray<'py>,
    null: Option<PyReadonlyArray1<'py, bool>>,
}

impl<'py> Csr<'py> {
    fn extract(
        offsets: &Bound<'py, PyAny>,
        labels: &Bound<'py, PyAny>,
        null: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Self> {
        let null = null
            .map(|n| n.extract::<PyReadonlyArray1<'py, bool>>())
            .transpose()
            .map_err(|_| type_error("null must be a 1-D numpy array of bool"))?;
        Ok(Csr { offsets: IntArray::extract("offsets", offsets)?, labels: IntArray::extract("labels", labels)?, null })
    }

    fn rows(&self) -> usize {
        match &self.offsets {
            IntArray::I32(a) => a.len().saturating_sub(1),
            IntArray::I64(a) => a.len().saturating_sub(1),
        }
    }

    /// Read and check the label sets, with the interpreter released.
    fn sets(&self, py: Python<'_>, n_labels: Option<usize>) -> PyResult<LabelSets> {
        let (offsets, labels) = (self.offsets.indices()?, self.labels.indices()?);
        let null = self
            .null
            .as_ref()
            .map(|n| n.as_slice().map_err(|_| type_error("null must be C-contiguous")))
            .transpose()?;
        detach(py, self.rows(), || LabelSets::new(offsets, labels, null, n_labels))?.map_err(to_py)
    }
}

/// Multilabel stratified train/valid/test split of CSR-like label sets.
#[pyfunction]
#[pyo3(signature = (offsets, labels, null, n_labels, test_size, val_size, seed=0, ids=None))]
#[allow(clippy::too_many_arguments)]
pub fn multilabel_split(
    py: Python<'_>,
    offsets: &Bound<'_, PyAny>,
    labels: &Bound<'_, PyAny>,
    null: Option<&Bound<'_, PyAny>>,
    n_labels: Option<usize>,
    test_size: &Bound<'_, PyAny>,
    val_size: &Bound<'_, PyAny>,
    seed: u64,
    ids: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyMultilabelSplitResult> {
    let (test, valid) = (size("test_size", test_size)?, size("val_size", val_size)?);
    let keys = keys(py, ids)?;
    let sets = Csr::extract(offsets, labels, null)?.sets(py, n_labels)?;
    let (assignment, parts, plan, null_rows, empty_rows) = detach(py, sets.len(), || {
        let ranker = Ranker::for_rows(keys.as_deref(), seed, sets.len())?;
        let (assignment, plan) = core_split(&sets, ranker, test, valid)?;
        let parts = positions_by_value(&assignment, 3);
        Ok::<_, fastbal_core::Error>((assignment, parts, plan, sets.null_rows(), sets.empty_rows()))
    })?
    .map_err(to_py)?;
    let [train, valid, test]: [Vec<i64>; 3] = parts.try_into().map_err(|_| internal("expected three splits"))?;
    Ok(PyMultilabelSplitResult {
        assignment: vec_to_py(py, assignment),
        train: vec_to_py(py, train),
        valid: vec_to_py(py, valid),
        test: vec_to_py(py, test),
        plan: Py::new(py, PyMultilabelPlan::new(py, plan, null_rows, empty_rows)?)?,
    })
}

/// Multilabel stratified k-fold of CSR-like label sets.
#[pyfunction]
#[pyo3(signature = (offsets, labels, null, n_labels, k=5, seed=0, ids=None))]
#[allow(clippy::too_many_arguments)]
pub fn multilabel_kfold(
    py: Python<'_>,
    offsets: &Bound<'_, PyAny>,
    labels: &Bound<'_, PyAny>,
    null: Option<&Bound<'_, PyAny>>,
    n_labels: Option<usize>,
    k: i64,
    seed: u64,
    ids: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyMultilabelKFoldResult> {
    let k = folds(k).map_err(to_py)?;
    let keys = keys(py, ids)?;
    let sets = Csr::extract(offsets, labels, null)?.sets(py, n_labels)?;
    let (folds, plan, null_rows, empty_rows) = detach(py, sets.len(), || {
        let ranker = Ranker::for_rows(keys.as_deref(), seed, sets.len())?;
        let (folds, plan) = core_kfold(&sets, ranker, k)?;
        Ok::<_, fastbal_core::Error>((folds, plan, sets.null_rows(), sets.empty_rows()))
    })?
    .map_err(to_py)?;
    Ok(PyMultilabelKFoldResult {
        folds: vec_to_py(py, folds),
        plan: Py::new(py, PyMultilabelPlan::new(py, plan, null_rows, empty_rows)?)?,
    })
}

/// Per-label positives, null and empty rows, distinct label sets and the
/// `top` most frequent label pairs of CSR-like label sets.
#[pyfunction]
#[pyo3(signature = (offsets, labels, null, n_labels, top=10))]
pub fn label_set_stats(
    py: Python<'_>,
    offsets: &Bound<'_, PyAny>,
    labels: &Bound<'_, PyAny>,
    null: Option<&Bound<'_, PyAny>>,
    n_labels: Option<usize>,
    top: usize,
) -> PyResult<PyLabelSetStats> {
    let sets = Csr::extract(offsets, labels, null)?.sets(py, n_labels)?;
    let (stats, null_rows, empty_rows) =
        detach(py, sets.len(), || (set_stats(&sets, top), sets.null_rows(), sets.empty_rows()))?;
    Ok(PyLabelSetStats {
        counts: vec_to_py(py, sets.counts.clone()),
        null_rows,
        empty_rows,
        distinct_sets: stats.distinct_sets,
        pairs: stats.pairs,
    })
}
