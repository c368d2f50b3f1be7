//! Bindings of the batched rank cuts: the search (driven where the batches'
//! reports are merged) and the per-batch probe and assignment (run where
//! the batches are).

use fastbal_core::cut::RankKey;
use fastbal_core::row_keys as core_row_keys;
use fastbal_core::{batch_parts as core_batch_parts, probe_batch as core_probe_batch};
use fastbal_core::{BatchRanker, CutSearch, Error, Probe, ProbeCounts};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use crate::column::Input;
use crate::errors::to_py;
use crate::exec::detach;

/// One pass's probes, as arrays of one entry per probe.
#[pyclass(module = "fastbal._fastbal", name = "ProbeArrays", frozen, get_all)]
pub struct PyProbeArrays {
    /// The class (code) each probe asks about.
    classes: Py<PyArray1<u32>>,
    /// The low end of each probe's hash interval.
    lo: Py<PyArray1<u64>>,
    /// The high end of each probe's hash interval.
    hi: Py<PyArray1<u64>>,
    /// Whether a probe gathers its rows (else it counts them in a histogram).
    gather: Py<PyArray1<bool>>,
}

/// What one batch (or several, merged) answered to probes.
#[pyclass(module = "fastbal._fastbal", name = "ProbeCounts", frozen, get_all)]
pub struct PyProbeCounts {
    /// Per probe, the rows of its class hashing below its interval.
    below: Py<PyArray1<u64>>,
    /// The bin counts of every histogram probe, in probe order.
    hist: Py<PyArray1<u64>>,
    /// The probe of each gathered row.
    probe: Py<PyArray1<u32>>,
    /// The rank hash of each gathered row.
    hash: Py<PyArray1<u64>>,
    /// The global position of each gathered row.
    row: Py<PyArray1<u64>>,
}

/// The rank keys at the cut ranks: arrays of shape (classes, cuts).
#[pyclass(module = "fastbal._fastbal", name = "RankKeys", frozen, get_all)]
pub struct PyRankKeys {
    hash: Py<PyArray2<u64>>,
    row: Py<PyArray2<u64>>,
}

/// Probes as `probe_batch` takes them: (class, lo, hi, gather), the fields of `ProbeArrays`.
type ProbesArg<'py> =
    (PyReadonlyArray1<'py, u32>, PyReadonlyArray1<'py, u64>, PyReadonlyArray1<'py, u64>, PyReadonlyArray1<'py, bool>);

/// The search for the rank keys at given per-class cut ranks.
#[pyclass(module = "fastbal._fastbal", name = "CutSearch")]
pub struct PyCutSearch {
    inner: CutSearch,
}

#[pymethods]
impl PyCutSearch {
    /// `ranks[c]` are the ascending cut ranks of class `c`, which has `counts[c]` rows.
    #[new]
    #[pyo3(signature = (counts, ranks, gather_limit=None))]
    fn new(
        counts: PyReadonlyArray1<'_, u64>,
        ranks: PyReadonlyArray2<'_, u64>,
        gather_limit: Option<u64>,
    ) -> PyResult<Self> {
        let ranks: Vec<Vec<u64>> = ranks.as_array().rows().into_iter().map(|r| r.to_vec()).collect();
        let mut inner = CutSearch::new(counts.as_slice()?, ranks).map_err(to_py)?;
        if let Some(limit) = gather_limit {
            inner = inner.with_gather_limit(limit);
        }
        Ok(PyCutSearch { inner })
    }

    #[getter]
    fn done(&self) -> bool {
        self.inner.is_done()
    }

    /// Probing passes made so far.
    #[getter]
    fn passes(&self) -> usize {
        self.inner.passes()
    }

    /// The next pass's probes.
    fn probes(&mut self, py: Python<'_>) -> PyProbeArrays {
        let probes = self.inner.probes();
        PyProbeArrays {
            classes: probes.iter().map(|p| p.class).collect::<Vec<_>>().into_pyarray(py).unbind(),
            lo: probes.iter().map(|p| p.lo).collect::<Vec<_>>().into_pyarray(py).unbind(),
            hi: probes.iter().map(|p| p.hi).collect::<Vec<_>>().into_pyarray(py).unbind(),
            gather: probes.iter().map(|p| p.gather).collect::<Vec<_>>().into_pyarray(py).unbind(),
        }
    }

    /// Take the merged report of every batch on the last probes.
    fn advance(
        &mut self,
        py: Python<'_>,
        below: PyReadonlyArray1<'_, u64>,
        hist: PyReadonlyArray1<'_, u64>,
        probe: PyReadonlyArray1<'_, u32>,
        hash: PyReadonlyArray1<'_, u64>,
        row: PyReadonlyArray1<'_, u64>,
    ) -> PyResult<()> {
        let report = report_from(&below, &hist, &probe, &hash, &row)?;
        let inner = &mut self.inner;
        detach(py, 0, || inner.advance(report))?.map_err(to_py)
    }

    /// The keys at the cut ranks.
    fn thresholds(&self, py: Python<'_>) -> PyResult<PyRankKeys> {
        let th = self
            .inner
            .thresholds()
            .ok_or_else(|| to_py(Error::InvalidArgument("the cuts are not all found yet; probe again".into())))?;
        let m = th.first().map_or(0, |t| t.len());
        let flat = |f: fn(&RankKey) -> u64| th.iter().flat_map(|t| t.iter().map(f)).collect::<Vec<_>>();
        let (h, r) = (flat(|k| k.0), flat(|k| k.1));
        Ok(PyRankKeys {
            hash: h.into_pyarray(py).reshape([th.len(), m])?.unbind(),
            row: r.into_pyarray(py).reshape([th.len(), m])?.unbind(),
        })
    }
}

fn report_from(
    below: &PyReadonlyArray1<'_, u64>,
    hist: &PyReadonlyArray1<'_, u64>,
    probe: &PyReadonlyArray1<'_, u32>,
    hash: &PyReadonlyArray1<'_, u64>,
    row: &PyReadonlyArray1<'_, u64>,
) -> PyResult<ProbeCounts> {
    let (p, h, r) = (probe.as_slice()?, hash.as_slice()?, row.as_slice()?);
    if p.len() != h.len() || p.len() != r.len() {
        return Err(to_py(Error::InvalidArgument("gathered probe, hash and row arrays differ in length".into())));
    }
    Ok(ProbeCounts {
        below: below.as_slice()?.to_vec(),
        hist: hist.as_slice()?.to_vec(),
        keys: p.iter().zip(h).zip(r).map(|((&p, &h), &r)| (p, h, r)).collect(),
    })
}

fn ranker<'a>(
    offset: u64,
    ids: Option<&'a PyReadonlyArray1<'_, u64>>,
    seed: u64,
    rows: usize,
) -> PyResult<BatchRanker<'a>> {
    let ids = ids.map(|a| a.as_slice()).transpose()?;
    BatchRanker::new(offset, ids, seed, rows).map_err(to_py)
}

/// Answer probes over one batch of class codes whose first row is row
/// `offset` of the column (`ids`: hashed ids of its rows, from `row_keys`).
#[pyfunction]
#[pyo3(signature = (codes, probes, seed, offset, ids=None))]
pub fn probe_batch<'py>(
    py: Python<'py>,
    codes: PyReadonlyArray1<'py, u32>,
    probes: ProbesArg<'py>,
    seed: u64,
    offset: u64,
    ids: Option<PyReadonlyArray1<'py, u64>>,
) -> PyResult<PyProbeCounts> {
    let (class, lo, hi, gather) =
        (probes.0.as_slice()?, probes.1.as_slice()?, probes.2.as_slice()?, probes.3.as_slice()?);
    if [lo.len(), hi.len(), gather.len()].iter().any(|&n| n != class.len()) {
        return Err(to_py(Error::InvalidArgument("probe arrays differ in length".into())));
    }
    let probes: Vec<Probe> =
        (0..class.len()).map(|i| Probe { class: class[i], lo: lo[i], hi: hi[i], gather: gather[i] }).collect();
    if let Some(p) = probes.iter().find(|p| p.lo > p.hi || (!p.gather && p.hi - p.lo < fastbal_core::cut::BINS as u64))
    {
        return Err(to_py(Error::InvalidArgument(format!("malformed probe {p:?}"))));
    }
    let codes = codes.as_slice()?;
    let ranker = ranker(offset, ids.as_ref(), seed, codes.len())?;
    let r = detach(py, codes.len(), || core_probe_batch(codes, ranker, &probes))?;
    Ok(PyProbeCounts {
        probe: r.keys.iter().map(|k| k.0).collect::<Vec<_>>().into_pyarray(py).unbind(),
        hash: r.keys.iter().map(|k| k.1).collect::<Vec<_>>().into_pyarray(py).unbind(),
        row: r.keys.iter().map(|k| k.2).collect::<Vec<_>>().into_pyarray(py).unbind(),
        below: r.below.into_pyarray(py).unbind(),
        hist: r.hist.into_pyarray(py).unbind(),
    })
}

/// The part of every row of a batch under the cut keys (`thresholds()` of a
/// finished search): how many of its class's cut keys are at or below its
/// key; 255 for a row without a label.
#[pyfunction]
#[pyo3(signature = (codes, thresholds, seed, offset, ids=None))]
pub fn batch_parts<'py>(
    py: Python<'py>,
    codes: PyReadonlyArray1<'py, u32>,
    thresholds: (PyReadonlyArray2<'py, u64>, PyReadonlyArray2<'py, u64>),
    seed: u64,
    offset: u64,
    ids: Option<PyReadonlyArray1<'py, u64>>,
) -> PyResult<Bound<'py, PyArray1<u8>>> {
    let (h, r) = (thresholds.0.as_array(), thresholds.1.as_array());
    if h.shape() != r.shape() {
        return Err(to_py(Error::InvalidArgument("threshold hash and row arrays differ in shape".into())));
    }
    let th: Vec<Vec<RankKey>> =
        h.rows().into_iter().zip(r.rows()).map(|(h, r)| h.iter().copied().zip(r.iter().copied()).collect()).collect();
    let codes = codes.as_slice()?;
    let ranker = ranker(offset, ids.as_ref(), seed, codes.len())?;
    Ok(detach(py, codes.len(), || core_batch_parts(codes, ranker, &th))?.map_err(to_py)?.into_pyarray(py))
}

/// One 64-bit key per row of an id column: the keys the split ranks rows by
/// when given `ids`. Refuses null and duplicate ids.
#[pyfunction]
pub fn row_keys<'py>(py: Python<'py>, ids: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyArray1<u64>>> {
    let (input, _) = Input::extract(ids)?;
    let column = input.column()?;
    Ok(detach(py, column.len(), || core_row_keys(&column))?.map_err(to_py)?.into_pyarray(py))
}
