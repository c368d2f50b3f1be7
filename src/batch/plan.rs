//! Bindings of the plans made from class counts alone (a `LabelCounter`'s,
//! merged from batches): split cells and cut ranks, class decisions of the
//! masks, class weights and stratified sample sizes.

use fastbal_core::cut::split_ranks;
use fastbal_core::params::{MaskRule, Rare, SampleSize};
use fastbal_core::select::{apportion, keep_classes as core_keep_classes};
use fastbal_core::split::plan_split;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::batch::counter::PyLabelCounter;
use crate::errors::{to_py, with_classes};
use crate::ops::split::PySplitPlan;
use crate::params::size;

/// The split plan of a column seen in batches, and the cut ranks that place its rows.
#[pyclass(module = "fastbal._fastbal", name = "SplitPlanResult", frozen, get_all)]
pub struct PySplitPlanResult {
    plan: Py<PySplitPlan>,
    /// Per class, the ranks of its cuts (test, test + valid, all): shape (classes, 3).
    ranks: Py<PyArray2<u64>>,
}

/// A split plan from a counter's counts.
#[pyfunction]
#[pyo3(signature = (counter, test_size, val_size, rare="train"))]
pub fn split_plan<'py>(
    py: Python<'py>,
    counter: PyRef<'py, PyLabelCounter>,
    test_size: &Bound<'py, PyAny>,
    val_size: &Bound<'py, PyAny>,
    rare: &str,
) -> PyResult<PySplitPlanResult> {
    let (test, valid) = (size("test_size", test_size)?, size("val_size", val_size)?);
    let rare: Rare = rare.parse().map_err(to_py)?;
    let counts = counter.inner.counts();
    let plan = plan_split(counts, test, valid, rare).map_err(|e| with_classes(e, counter.inner.classes()))?;
    let ranks = split_ranks(&plan, counts);
    let k = plan.cells.len();
    Ok(PySplitPlanResult {
        ranks: ranks.concat().into_pyarray(py).reshape([k, 3])?.unbind(),
        plan: Py::new(py, PySplitPlan::new(py, plan)?)?,
    })
}

/// One boolean per class (class order) from a mask rule on counts.
#[pyfunction]
pub fn keep_classes<'py>(
    py: Python<'py>,
    counts: PyReadonlyArray1<'py, u64>,
    rule: &str,
    k: u64,
) -> PyResult<Bound<'py, PyArray1<bool>>> {
    let rule: MaskRule = rule.parse().map_err(to_py)?;
    Ok(core_keep_classes(rule, counts.as_slice()?, k).into_pyarray(py))
}

/// Rows per class of a stratified sample of `n` rows or `fraction` of the labeled rows.
#[pyfunction]
#[pyo3(signature = (counts, n=None, fraction=None))]
pub fn sample_sizes<'py>(
    py: Python<'py>,
    counts: PyReadonlyArray1<'py, u64>,
    n: Option<u64>,
    fraction: Option<f64>,
) -> PyResult<Bound<'py, PyArray1<u64>>> {
    let counts = counts.as_slice()?;
    let n = SampleSize::new(n, fraction).and_then(|s| s.rows(counts.iter().sum())).map_err(to_py)?;
    Ok(apportion(counts, n).into_pyarray(py))
}
