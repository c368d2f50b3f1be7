//! Bindings of the stratified splits that keep groups whole.

use fastbal_core::group::{assign_groups, group_keys, group_table, plan_group_kfold, plan_group_split};
use fastbal_core::params::folds;
use fastbal_core::positions::positions_by_value;
use fastbal_core::{GroupPlan, Labels};
use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors::to_py;
use crate::input::Input;
use crate::labels::{classes_to_py, PyLabels};
use crate::split::size;
use crate::view::{detach, meta_to_py, vec_to_py, with_view, PyMeta};

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

/// How a group plan came out: (target rows per split, rows per split, groups
/// per split, lone classes, values of the large groups, their rows).
type PlanReport<'py> = (Vec<u64>, Vec<u64>, Vec<u64>, Vec<u32>, Bound<'py, PyAny>, Vec<u64>);

fn report<'py>(py: Python<'py>, groups: &Labels, plan: GroupPlan) -> PyResult<PlanReport<'py>> {
    let large = classes_to_py(py, &groups.classes.take(&plan.large_groups))?;
    let large_rows = plan.large_groups.iter().map(|&g| groups.counts[g as usize]).collect();
    Ok((plan.target, plan.sizes, plan.groups, plan.lone_classes, large, large_rows))
}

fn cells_to_py<'py>(py: Python<'py>, cells: &[Vec<u64>], splits: usize) -> PyResult<Bound<'py, PyArray2<u64>>> {
    let n = cells.len();
    vec_to_py(py, cells.concat()).reshape([n, splits])
}

type GroupSplitResult<'py> = (
    Bound<'py, PyArray1<i8>>,
    (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<i64>>),
    Bound<'py, PyArray2<u64>>,
    PlanReport<'py>,
    Option<PyMeta<'py>>,
);

/// Stratified train/valid/test split keeping groups whole. Returns
/// (assignment, (train, valid, test) rows, cells [class x (train, valid,
/// test)], plan report, meta).
#[pyfunction]
#[pyo3(signature = (x, groups, test_size, val_size, seed=0))]
pub fn stratified_group_split<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    groups: &Bound<'py, PyAny>,
    test_size: &Bound<'py, PyAny>,
    val_size: &Bound<'py, PyAny>,
    seed: u64,
) -> PyResult<GroupSplitResult<'py>> {
    let (test, valid) = (size("test_size", test_size)?, size("val_size", val_size)?);
    with_groups(py, groups, |g| {
        let ((assignment, parts, plan), meta) = with_view(py, x, |v| {
            let table = group_table(v, &g.codes, g.n_classes())?;
            let plan = plan_group_split(&table, v.counts, test, valid, &group_keys(&g.classes), seed)?;
            let assignment = assign_groups(v, &g.codes, &plan, -1i8, |s| s as i8);
            let parts = positions_by_value(&assignment, 3);
            Ok((assignment, parts, plan))
        })?;
        let cells = cells_to_py(py, &plan.cells, 3)?;
        let [train, valid, test]: [Vec<i64>; 3] =
            parts.try_into().map_err(|_| PyValueError::new_err("internal error: expected three splits"))?;
        Ok((
            vec_to_py(py, assignment),
            (vec_to_py(py, train), vec_to_py(py, valid), vec_to_py(py, test)),
            cells,
            report(py, g, plan)?,
            meta_to_py(py, meta)?,
        ))
    })
}

/// Stratified k-fold keeping groups whole. Returns (fold per row, -1 for
/// rows without a label; rows per class per fold; plan report; meta).
#[pyfunction]
#[pyo3(signature = (x, groups, k=5, seed=0))]
pub fn stratified_group_kfold<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    groups: &Bound<'py, PyAny>,
    k: i64,
    seed: u64,
) -> PyResult<(Bound<'py, PyArray1<i16>>, Bound<'py, PyArray2<u64>>, PlanReport<'py>, Option<PyMeta<'py>>)> {
    let k = folds(k).map_err(to_py)?;
    with_groups(py, groups, |g| {
        let ((folds, plan), meta) = with_view(py, x, |v| {
            let table = group_table(v, &g.codes, g.n_classes())?;
            let plan = plan_group_kfold(&table, v.counts, k, &group_keys(&g.classes), seed)?;
            Ok((assign_groups(v, &g.codes, &plan, -1i16, |s| s as i16), plan))
        })?;
        let cells = cells_to_py(py, &plan.cells, k)?;
        Ok((vec_to_py(py, folds), cells, report(py, g, plan)?, meta_to_py(py, meta)?))
    })
}
