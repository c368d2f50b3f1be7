//! Bindings of the stratified splits that keep groups whole (`fastbal_core::group`).

use fastbal_core::contract::LEFT_OUT;
use fastbal_core::group::{assign_groups, group_keys, group_table, plan_group_kfold, plan_group_split};
use fastbal_core::params::folds;
use fastbal_core::positions::positions_by_value;
use fastbal_core::{GroupPlan, Labels};
use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::prelude::*;

use crate::column::Input;
use crate::errors::{internal, to_py};
use crate::exec::detach;
use crate::labels::{classes_to_py, PyLabels};
use crate::params::size;
use crate::view::{meta_to_py, vec_to_py, with_view, PyMeta};

/// Where the groups went and how the splits (or folds) came out.
#[pyclass(module = "fastbal._fastbal", name = "GroupPlan", frozen, get_all)]
pub struct PyGroupPlan {
    /// Rows of each class (class order) in each split: shape (classes, splits).
    cells: Py<PyArray2<u64>>,
    /// The rows asked for per split, rounded once.
    target: Vec<u64>,
    /// The rows each split received.
    sizes: Vec<u64>,
    /// Groups (with a labeled row) per split.
    groups: Vec<u64>,
    /// Classes (codes) whose rows lie in fewer groups than there are non-empty splits.
    lone_classes: Vec<u32>,
    /// The values of the groups larger than the smallest non-empty split,
    /// largest first (an int64/uint64 numpy array, or an object array of str).
    large_groups: Py<PyAny>,
    /// The rows of each of those groups.
    large_group_rows: Vec<u64>,
}

impl PyGroupPlan {
    fn new(py: Python<'_>, groups: &Labels, plan: GroupPlan, splits: usize) -> PyResult<Self> {
        let n = plan.cells.len();
        Ok(PyGroupPlan {
            cells: vec_to_py(py, plan.cells.concat()).into_bound(py).reshape([n, splits])?.unbind(),
            large_groups: classes_to_py(py, &groups.classes.take(&plan.large_groups))?.unbind(),
            large_group_rows: plan.large_groups.iter().map(|&g| groups.counts[g as usize]).collect(),
            target: plan.target,
            sizes: plan.sizes,
            groups: plan.groups,
            lone_classes: plan.lone_classes,
        })
    }
}

/// A stratified train/valid/test split that keeps groups whole.
#[pyclass(module = "fastbal._fastbal", name = "GroupSplitResult", frozen, get_all)]
pub struct PyGroupSplitResult {
    /// The split code of every row (`SPLIT_NAMES` index), `LEFT_OUT` for a null label.
    assignment: Py<PyArray1<i8>>,
    /// The rows of each split, sorted.
    train: Py<PyArray1<i64>>,
    valid: Py<PyArray1<i64>>,
    test: Py<PyArray1<i64>>,
    plan: Py<PyGroupPlan>,
    /// The column's classes and counts; None for a `Labels`.
    meta: PyMeta,
}

/// A stratified k-fold that keeps groups whole.
#[pyclass(module = "fastbal._fastbal", name = "GroupKFoldResult", frozen, get_all)]
pub struct PyGroupKFoldResult {
    /// The test fold of every row, `LEFT_OUT` for a null label.
    folds: Py<PyArray1<i16>>,
    plan: Py<PyGroupPlan>,
    /// The column's classes and counts; None for a `Labels`.
    meta: PyMeta,
}

/// Run `f` on the factorized group column (a `Labels` is used as it is).
fn with_groups<R>(py: Python<'_>, groups: &Bound<'_, PyAny>, f: impl FnOnce(&Labels) -> PyResult<R>) -> PyResult<R> {
    if let Ok(labels) = groups.cast::<PyLabels>() {
        return f(&labels.get().inner);
    }
    let (input, _) = Input::extract(groups)?;
    let column = input.column()?;
    let labels = detach(py, column.len(), || Labels::new(&column))?.map_err(to_py)?;
    f(&labels)
}

/// Stratified train/valid/test split keeping groups whole.
#[pyfunction]
#[pyo3(signature = (x, groups, test_size, val_size, seed=0))]
pub fn stratified_group_split(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    groups: &Bound<'_, PyAny>,
    test_size: &Bound<'_, PyAny>,
    val_size: &Bound<'_, PyAny>,
    seed: u64,
) -> PyResult<PyGroupSplitResult> {
    let (test, valid) = (size("test_size", test_size)?, size("val_size", val_size)?);
    with_groups(py, groups, |g| {
        let ((assignment, parts, plan), meta) = with_view(py, x, |v| {
            let table = group_table(v, &g.codes, g.n_classes())?;
            let plan = plan_group_split(&table, v.counts, test, valid, &group_keys(&g.classes), seed)?;
            let assignment = assign_groups(v, &g.codes, &plan, LEFT_OUT, |s| s as i8);
            let parts = positions_by_value(&assignment, 3);
            Ok((assignment, parts, plan))
        })?;
        let [train, valid, test]: [Vec<i64>; 3] = parts.try_into().map_err(|_| internal("expected three splits"))?;
        Ok(PyGroupSplitResult {
            assignment: vec_to_py(py, assignment),
            train: vec_to_py(py, train),
            valid: vec_to_py(py, valid),
            test: vec_to_py(py, test),
            plan: Py::new(py, PyGroupPlan::new(py, g, plan, 3)?)?,
            meta: meta_to_py(py, meta)?,
        })
    })
}

/// Stratified k-fold keeping groups whole.
#[pyfunction]
#[pyo3(signature = (x, groups, k=5, seed=0))]
pub fn stratified_group_kfold(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    groups: &Bound<'_, PyAny>,
    k: i64,
    seed: u64,
) -> PyResult<PyGroupKFoldResult> {
    let k = folds(k).map_err(to_py)?;
    with_groups(py, groups, |g| {
        let ((folds, plan), meta) = with_view(py, x, |v| {
            let table = group_table(v, &g.codes, g.n_classes())?;
            let plan = plan_group_kfold(&table, v.counts, k, &group_keys(&g.classes), seed)?;
            Ok((assign_groups(v, &g.codes, &plan, LEFT_OUT as i16, |s| s as i16), plan))
        })?;
        Ok(PyGroupKFoldResult {
            folds: vec_to_py(py, folds),
            plan: Py::new(py, PyGroupPlan::new(py, g, plan, k)?)?,
            meta: meta_to_py(py, meta)?,
        })
    })
}
