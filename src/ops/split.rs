//! Bindings of the stratified split and k-fold (`fastbal_core::split`).

use fastbal_core::contract::LEFT_OUT;
use fastbal_core::params::{folds, Rare};
use fastbal_core::positions::positions_by_value;
use fastbal_core::split::{stratified_kfold as core_kfold, stratified_split as core_split, SplitPlan};
use fastbal_core::{row_keys, Error};
use fastbal_core::{shuffle as shuffle_rows, Ranker};
use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::prelude::*;

use crate::column::Input;
use crate::errors::{internal, to_py};
use crate::exec::detach;
use crate::params::size;
use crate::view::{meta_to_py, vec_to_py, with_view, PyMeta};

/// Rows per class per split, and how the global sizes came out.
#[pyclass(module = "fastbal._fastbal", name = "SplitPlan", frozen, get_all)]
pub struct PySplitPlan {
    /// Rows of each class (class order) in train, valid and test: shape (classes, 3).
    cells: Py<PyArray2<u64>>,
    /// Classes (codes) with fewer rows than there are non-empty splits.
    rare: Vec<u32>,
    /// Whether the rare classes were left out (else they went to train).
    rare_dropped: bool,
    /// The rows asked for per split (train, valid, test), rounded once.
    target: Vec<u64>,
    /// The rows planned per split; differs from `target` only when keeping
    /// every class in every split required it.
    sizes: Vec<u64>,
}

impl PySplitPlan {
    pub fn new(py: Python<'_>, plan: SplitPlan) -> PyResult<Self> {
        let k = plan.cells.len();
        Ok(PySplitPlan {
            cells: vec_to_py(py, plan.cells.concat()).into_bound(py).reshape([k, 3])?.unbind(),
            rare: plan.rare,
            rare_dropped: plan.rare_dropped,
            target: plan.target.to_vec(),
            sizes: plan.sizes.to_vec(),
        })
    }
}

/// A stratified train/valid/test split.
#[pyclass(module = "fastbal._fastbal", name = "SplitResult", frozen, get_all)]
pub struct PySplitResult {
    /// The split code of every row (`SPLIT_NAMES` index), `LEFT_OUT` for a row left out.
    assignment: Py<PyArray1<i8>>,
    /// The rows of each split (sorted, or in a seeded order with `shuffle`).
    train: Py<PyArray1<i64>>,
    valid: Py<PyArray1<i64>>,
    test: Py<PyArray1<i64>>,
    plan: Py<PySplitPlan>,
    /// The column's classes and counts; None for a `Labels`.
    meta: PyMeta,
}

/// Rows per class per fold, and the classes too small to be in every fold.
#[pyclass(module = "fastbal._fastbal", name = "KFoldPlan", frozen, get_all)]
pub struct PyKFoldPlan {
    /// Rows of each class (class order) in each test fold: shape (classes, k).
    cells: Py<PyArray2<u64>>,
    /// Classes (codes) with fewer rows than folds.
    rare: Vec<u32>,
    /// Whether the rare classes were left out (else they are in every training part).
    rare_dropped: bool,
}

impl PyKFoldPlan {
    /// The core's plan of a `k`-fold, for Python.
    pub fn new(py: Python<'_>, plan: fastbal_core::KFoldPlan, k: usize) -> PyResult<Self> {
        let n = plan.folds.len();
        let cells = vec_to_py(py, plan.folds.concat()).into_bound(py).reshape([n, k])?.unbind();
        Ok(PyKFoldPlan { cells, rare: plan.rare, rare_dropped: plan.rare_dropped })
    }
}

/// A stratified k-fold.
#[pyclass(module = "fastbal._fastbal", name = "KFoldResult", frozen, get_all)]
pub struct PyKFoldResult {
    /// The test fold of every row; `LEFT_OUT` for a row without a label or of
    /// a dropped rare class, `ALWAYS_TRAIN` for a row of a rare class kept in
    /// every training part.
    folds: Py<PyArray1<i16>>,
    plan: Py<PyKFoldPlan>,
    /// The column's classes and counts; None for a `Labels`.
    meta: PyMeta,
}

fn keys(py: Python<'_>, ids: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<u64>>> {
    let Some(ids) = ids else { return Ok(None) };
    let (input, _) = Input::extract(ids)?;
    let column = input.column()?;
    detach(py, column.len(), || row_keys(&column))?.map(Some).map_err(to_py)
}

/// Stratified train/valid/test split.
#[pyfunction]
#[pyo3(signature = (x, test_size, val_size, seed=0, rare="train", ids=None, shuffle=false))]
#[allow(clippy::too_many_arguments)]
pub fn stratified_split(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    test_size: &Bound<'_, PyAny>,
    val_size: &Bound<'_, PyAny>,
    seed: u64,
    rare: &str,
    ids: Option<&Bound<'_, PyAny>>,
    shuffle: bool,
) -> PyResult<PySplitResult> {
    let (test, valid) = (size("test_size", test_size)?, size("val_size", val_size)?);
    let rare: Rare = rare.parse().map_err(to_py)?;
    let keys = keys(py, ids)?;
    let ((assignment, parts, plan), meta) = with_view(py, x, |v| {
        let ranker = Ranker::for_rows(keys.as_deref(), seed, v.len())?;
        let (assignment, plan) = core_split(v, ranker, test, valid, rare)?;
        let mut parts = positions_by_value(&assignment, 3);
        if (0..3).any(|s| parts[s].len() as u64 != plan.sizes[s]) {
            return Err(Error::labels_changed()); // the rows read now are not the rows counted
        }
        if shuffle {
            parts.iter_mut().for_each(|p| shuffle_rows(p, ranker));
        }
        Ok((assignment, parts, plan))
    })?;
    let [train, valid, test]: [Vec<i64>; 3] = parts.try_into().map_err(|_| internal("expected three splits"))?;
    Ok(PySplitResult {
        assignment: vec_to_py(py, assignment),
        train: vec_to_py(py, train),
        valid: vec_to_py(py, valid),
        test: vec_to_py(py, test),
        plan: Py::new(py, PySplitPlan::new(py, plan)?)?,
        meta: meta_to_py(py, meta)?,
    })
}

/// Stratified k-fold.
#[pyfunction]
#[pyo3(signature = (x, k=5, seed=0, ids=None, rare="train"))]
pub fn stratified_kfold(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    k: i64,
    seed: u64,
    ids: Option<&Bound<'_, PyAny>>,
    rare: &str,
) -> PyResult<PyKFoldResult> {
    let k = folds(k).map_err(to_py)?;
    let rare: Rare = rare.parse().map_err(to_py)?;
    let keys = keys(py, ids)?;
    let ((folds, plan), meta) = with_view(py, x, |v| {
        let (folds, plan) = core_kfold(v, Ranker::for_rows(keys.as_deref(), seed, v.len())?, k, rare)?;
        let dropped: u64 = plan.rare.iter().filter(|_| plan.rare_dropped).map(|&c| v.counts[c as usize]).sum();
        let assigned = folds.iter().filter(|&&f| f != LEFT_OUT as i16).count() as u64;
        if assigned + dropped != v.total() {
            return Err(Error::labels_changed()); // the rows read now are not the rows counted
        }
        Ok((folds, plan))
    })?;
    let plan = PyKFoldPlan::new(py, plan, k)?;
    Ok(PyKFoldResult { folds: vec_to_py(py, folds), plan: Py::new(py, plan)?, meta: meta_to_py(py, meta)? })
}
