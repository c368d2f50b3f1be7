//! Binding of the k-fold plan made from class counts alone (a
//! `LabelCounter`'s, merged from batches): the rows of each class in each
//! test fold, whose running sums are the cut ranks that place its rows.

use fastbal_core::params::{folds, Rare};
use fastbal_core::split::plan_kfold;
use pyo3::prelude::*;

use crate::batch::counter::PyLabelCounter;
use crate::errors::{to_py, with_classes};
use crate::ops::split::PyKFoldPlan;

/// The k-fold plan of a column seen in batches, as `stratified_kfold`'s:
/// the rows of each class in each test fold, the rare classes and whether
/// they are left out.
#[pyfunction]
#[pyo3(signature = (counter, k=5, rare="train"))]
pub fn kfold_plan<'py>(
    py: Python<'py>,
    counter: PyRef<'py, PyLabelCounter>,
    k: i64,
    rare: &str,
) -> PyResult<PyKFoldPlan> {
    let k = folds(k).map_err(to_py)?;
    let rare: Rare = rare.parse().map_err(to_py)?;
    let plan = plan_kfold(counter.inner.counts(), k, rare).map_err(|e| with_classes(e, counter.inner.classes()))?;
    PyKFoldPlan::new(py, plan, k)
}
