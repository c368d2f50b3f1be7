//! Bindings of the stratified split and k-fold.

use fastbal_core::params::{folds, Rare, Size, SizeArg};
use fastbal_core::positions::positions_by_value;
use fastbal_core::rank::{shuffle as shuffle_rows, Ranker};
use fastbal_core::split::{stratified_kfold as core_kfold, stratified_split as core_split};
use fastbal_core::{row_keys, Error};
use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt};

use crate::errors::{to_py, type_error, value_error};
use crate::input::Input;
use crate::view::{detach, meta_to_py, vec_to_py, with_view, PyMeta};

/// A split size from Python: an int row count or a float fraction (bools refused).
pub(crate) fn size(name: &str, obj: &Bound<'_, PyAny>) -> PyResult<Size> {
    let arg = if obj.is_instance_of::<PyBool>() {
        None
    } else if obj.is_instance_of::<PyInt>() {
        let rows = obj
            .extract::<u64>()
            .map_err(|_| value_error(format!("{name} must be a row count in [0, 2**64); got {obj}")))?;
        Some(SizeArg::Rows(rows))
    } else if obj.is_instance_of::<PyFloat>() {
        Some(SizeArg::Fraction(obj.extract()?))
    } else {
        None
    };
    match arg {
        Some(arg) => arg.check(name).map_err(to_py),
        None => Err(type_error(format!(
            "{name} must be a float fraction or an int row count; got {}",
            obj.get_type().name()?
        ))),
    }
}

fn keys(py: Python<'_>, ids: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<u64>>> {
    let Some(ids) = ids else { return Ok(None) };
    let (input, _) = Input::extract(ids)?;
    let column = input.column()?;
    detach(py, column.len(), || row_keys(&column))?.map(Some).map_err(to_py)
}

type SplitResult<'py> = (
    Bound<'py, PyArray1<i8>>,
    (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<i64>>),
    Bound<'py, PyArray2<u64>>,
    (Vec<u32>, bool, [u64; 3], [u64; 3]),
    Option<PyMeta<'py>>,
);

/// Stratified train/valid/test split. Returns (assignment, (train, valid,
/// test) rows, cells [class x (train, valid, test)], (rare classes, dropped,
/// target sizes, planned sizes), meta).
#[pyfunction]
#[pyo3(signature = (x, test_size, val_size, seed=0, rare="train", ids=None, shuffle=false))]
#[allow(clippy::too_many_arguments)]
pub fn stratified_split<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    test_size: &Bound<'py, PyAny>,
    val_size: &Bound<'py, PyAny>,
    seed: u64,
    rare: &str,
    ids: Option<&Bound<'py, PyAny>>,
    shuffle: bool,
) -> PyResult<SplitResult<'py>> {
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
    let k = plan.cells.len();
    let cells = vec_to_py(py, plan.cells.concat()).reshape([k, 3])?;
    let [train, valid, test]: [Vec<i64>; 3] = parts.try_into().expect("three splits");
    Ok((
        vec_to_py(py, assignment),
        (vec_to_py(py, train), vec_to_py(py, valid), vec_to_py(py, test)),
        cells,
        (plan.rare, plan.rare_dropped, plan.target, plan.sizes),
        meta_to_py(py, meta)?,
    ))
}

/// Stratified k-fold. Returns (fold per row, rows per class per fold, rare
/// classes, meta). The fold is -1 for rows without a label or of a dropped
/// rare class, -2 for rows of a rare class kept in every training part.
#[pyfunction]
#[pyo3(signature = (x, k=5, seed=0, ids=None, rare="train"))]
pub fn stratified_kfold<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    k: i64,
    seed: u64,
    ids: Option<&Bound<'py, PyAny>>,
    rare: &str,
) -> PyResult<(Bound<'py, PyArray1<i16>>, Bound<'py, PyArray2<u64>>, Vec<u32>, Option<PyMeta<'py>>)> {
    let k = folds(k).map_err(to_py)?;
    let rare: Rare = rare.parse().map_err(to_py)?;
    let keys = keys(py, ids)?;
    let ((folds, plan), meta) = with_view(py, x, |v| {
        let (folds, plan) = core_kfold(v, Ranker::for_rows(keys.as_deref(), seed, v.len())?, k, rare)?;
        let dropped: u64 = plan.rare.iter().filter(|_| plan.rare_dropped).map(|&c| v.counts[c as usize]).sum();
        let assigned = folds.iter().filter(|&&f| f != -1).count() as u64;
        if assigned + dropped != v.total() {
            return Err(Error::labels_changed()); // the rows read now are not the rows counted
        }
        Ok((folds, plan))
    })?;
    let n = plan.folds.len();
    let cells = vec_to_py(py, plan.folds.concat()).reshape([n, k])?;
    Ok((vec_to_py(py, folds), cells, plan.rare, meta_to_py(py, meta)?))
}
