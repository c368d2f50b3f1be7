//! Bindings of the stratified split and k-fold.

use fastbal_core::factorize::row_keys;
use fastbal_core::rank::{positions_by_value, shuffle as shuffle_rows, Ranker};
use fastbal_core::split::{assign_kfold, assign_split, plan_kfold, plan_split, Rare, Size};
use fastbal_core::{Error, RowKeys};
use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt};

use crate::errors::{to_py, type_error};
use crate::input::Input;
use crate::view::{meta_to_py, vec_to_py, with_view, PyMeta};

pub(crate) fn size(name: &str, obj: &Bound<'_, PyAny>) -> PyResult<Size> {
    if obj.is_instance_of::<PyBool>() {
        return Err(type_error(format!("{name} must be a float fraction or an int row count; got a bool")));
    }
    if obj.is_instance_of::<PyInt>() {
        return obj
            .extract::<u64>()
            .map(Size::Rows)
            .map_err(|_| PyValueError::new_err(format!("{name} must be a row count in [0, 2**64); got {obj}")));
    }
    if obj.is_instance_of::<PyFloat>() {
        let f: f64 = obj.extract()?;
        if !(0.0..1.0).contains(&f) {
            return Err(PyValueError::new_err(format!("{name} must be in [0, 1) as a fraction; got {f}")));
        }
        return Ok(Size::Fraction(f));
    }
    Err(type_error(format!("{name} must be a float fraction or an int row count; got {}", obj.get_type().name()?)))
}

/// The rare-class policy named by `rare`.
pub(crate) fn rare_policy(rare: &str) -> PyResult<Rare> {
    match rare {
        "train" => Ok(Rare::Train),
        "drop" => Ok(Rare::Drop),
        "error" => Ok(Rare::Error),
        other => Err(PyValueError::new_err(format!("rare must be \"train\", \"drop\" or \"error\"; got {other:?}"))),
    }
}

fn keys(py: Python<'_>, ids: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<u64>>> {
    let Some(ids) = ids else { return Ok(None) };
    let (input, _) = Input::extract(ids)?;
    let column = input.column()?;
    py.detach(|| row_keys(&column)).map(Some).map_err(to_py)
}

fn ranker<'a>(keys: &'a Option<Vec<u64>>, seed: u64, n_rows: usize) -> fastbal_core::Result<Ranker<'a>> {
    match keys {
        None => Ok(Ranker::new(RowKeys::Position, seed)),
        Some(k) if k.len() == n_rows => Ok(Ranker::new(RowKeys::Hashed(k), seed)),
        Some(k) => Err(Error::InvalidArgument(format!("ids has {} rows but the labels have {n_rows}", k.len()))),
    }
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
    let rare = rare_policy(rare)?;
    let keys = keys(py, ids)?;
    let ((assignment, parts, plan), meta) = with_view(py, x, |v| {
        let ranker = ranker(&keys, seed, v.len())?;
        let plan = plan_split(v.counts, test, valid, rare)?;
        let assignment = assign_split(v, ranker, &plan);
        let mut parts = positions_by_value(&assignment, 3);
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

/// Stratified k-fold. Returns (fold per row, rows per class per fold, meta).
#[pyfunction]
#[pyo3(signature = (x, k=5, seed=0, ids=None))]
pub fn stratified_kfold<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    k: i64,
    seed: u64,
    ids: Option<&Bound<'py, PyAny>>,
) -> PyResult<(Bound<'py, PyArray1<i16>>, Bound<'py, PyArray2<u64>>, Option<PyMeta<'py>>)> {
    if !(2..=i16::MAX as i64).contains(&k) {
        return Err(PyValueError::new_err(format!("k must be between 2 and {}; got {k}", i16::MAX)));
    }
    let keys = keys(py, ids)?;
    let ((folds, plan), meta) = with_view(py, x, |v| {
        let ranker = ranker(&keys, seed, v.len())?;
        let plan = plan_kfold(v.counts, k as usize)?;
        Ok((assign_kfold(v, ranker, &plan), plan))
    })?;
    let n = plan.len();
    let plan = vec_to_py(py, plan.concat()).reshape([n, k as usize])?;
    Ok((vec_to_py(py, folds), plan, meta_to_py(py, meta)?))
}
