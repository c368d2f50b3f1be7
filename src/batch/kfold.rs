//! Binding of the k-fold plan made from class counts alone (a
//! `LabelCounter`'s, merged from batches): the rows of each class in each
//! test fold, whose running sums are the cut ranks that place its rows.

use fastbal_core::params::{folds, Rare};
use fastbal_core::split::plan_kfold;
use numpy::{IntoPyArray, PyArray2, PyArrayMethods};
use pyo3::prelude::*;

use crate::batch::counter::PyLabelCounter;
use crate::errors::{to_py, with_classes};

/// The k-fold plan of a column seen in batches: the cells (rows of each class
/// in each test fold, shape (classes, k)), the rare classes (codes) and
/// whether they are left out.
#[pyfunction]
#[pyo3(signature = (counter, k=5, rare="train"))]
pub fn kfold_plan<'py>(
    py: Python<'py>,
    counter: PyRef<'py, PyLabelCounter>,
    k: i64,
    rare: &str,
) -> PyResult<(Bound<'py, PyArray2<u64>>, Vec<u32>, bool)> {
    let k = folds(k).map_err(to_py)?;
    let rare: Rare = rare.parse().map_err(to_py)?;
    let plan = plan_kfold(counter.inner.counts(), k, rare).map_err(|e| with_classes(e, counter.inner.classes()))?;
    let n = plan.folds.len();
    let cells = plan.folds.concat().into_pyarray(py).reshape([n, k])?;
    Ok((cells, plan.rare, plan.rare_dropped))
}
