//! Exact per-class rank cuts of a column seen only in batches (partitions on
//! a cluster, row groups of a file), and the per-batch assignment they give.
//!
//! The single-machine kernels (`crate::rank`) rank the rows of a class by
//! the key `(rank_hash(key, seed), position)` and cut each class at given
//! ranks. Here the same cuts are found without ever holding the column:
//!
//! 1. each batch reports, per open cut, how many of its rows of that class
//!    hash below an interval, and either gathers the keys of the rows inside
//!    it or counts them in a histogram of [`BINS`] equal sub-intervals
//!    ([`probe_batch`]; the reports of all batches merge by addition and
//!    concatenation, in any order);
//! 2. [`CutSearch::advance`] locates each cut: in the gathered keys (done,
//!    exactly), in one histogram bin (the next interval, whose row count is
//!    now known), or outside the interval (the rest of the hash space);
//! 3. once every cut is found, [`batch_parts`] places each row of a batch
//!    by comparing its key with its class's cut keys.
//!
//! The first intervals are the windows the single-machine kernel uses (six
//! standard deviations around the expected quantile, as hashes are uniform),
//! so one probing pass gathers about `12 * sqrt(n)` keys per cut of a class
//! of `n` rows and nearly always finishes; a cut outside its window costs a
//! histogram pass or two more. A batch knows its rows' global positions from
//! its offset (the rows of the batches before it), or hashed ids: the results
//! are those of the single-machine kernels on the concatenated column.

use rayon::prelude::*;

use crate::contract::{TEST, VALID};
use crate::hash::{rank_hash, seed_offset};
use crate::ops::split::SplitPlan;
use crate::rank::windows::{window, Window};
use crate::{Error, Result, NULL};

/// A row's full rank key: its hash, then its global position.
pub type RankKey = (u64, u64);

/// Sub-intervals of a histogram probe.
pub const BINS: usize = 1 << 12;

/// Keys a probe gathers at most, unless its interval is narrower than [`BINS`] hashes.
pub const GATHER_LIMIT: u64 = 1 << 20;

/// Rank keys of a batch's rows: global positions from `offset`, and the
/// hashed ids of its rows when the key is an id column.
#[derive(Clone, Copy, Debug)]
pub struct BatchRanker<'a> {
    offset: u64,
    ids: Option<&'a [u64]>,
    seed: u64,
}

impl<'a> BatchRanker<'a> {
    /// The batch's first row is row `offset` of the whole column; `ids`, when
    /// given, holds one hashed id per row of the batch (`rows` rows).
    pub fn new(offset: u64, ids: Option<&'a [u64]>, seed: u64, rows: usize) -> Result<Self> {
        if let Some(ids) = ids {
            if ids.len() != rows {
                return Err(Error::InvalidArgument(format!("ids has {} rows but the labels have {rows}", ids.len())));
            }
        }
        Ok(BatchRanker { offset, ids, seed: seed_offset(seed) })
    }

    /// The rank key of row `row` of the batch: its rank hash, as the whole
    /// column's [`crate::Ranker`] gives it, then what breaks ties: the global
    /// position, or with ids the hashed id itself, so that where a row sits
    /// (which batch, which position) changes nothing once it has an id.
    /// Unique ids have distinct hashes, so the rows come in the order the
    /// whole column's ranker gives them either way.
    #[inline(always)]
    pub fn key(&self, row: usize) -> RankKey {
        match self.ids {
            None => {
                let at = self.offset + row as u64;
                (rank_hash(at, self.seed), at)
            }
            Some(h) => (rank_hash(h[row], self.seed), h[row]),
        }
    }
}

/// One open cut's question to the batches: the rows of `class` hashing in
/// `lo..=hi`, gathered or counted per bin, and those hashing below `lo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probe {
    pub class: u32,
    pub lo: u64,
    pub hi: u64,
    pub gather: bool,
}

impl Probe {
    #[inline(always)]
    fn bin(&self, h: u64) -> usize {
        ((h - self.lo) as u128 * BINS as u128 / (self.hi - self.lo) as u128).min(BINS as u128 - 1) as usize
    }

    /// The first hash of bin `j` (`j` may be `BINS`, the end).
    fn bin_start(&self, j: usize) -> u128 {
        if j >= BINS {
            return self.hi as u128 + 1;
        }
        let w = (self.hi - self.lo) as u128;
        // inverse of `bin`: the smallest offset d with d * BINS / w >= j
        self.lo as u128 + (j as u128 * w).div_ceil(BINS as u128)
    }
}

/// What batches report for a list of probes; reports merge by addition.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProbeCounts {
    /// Per probe, the rows of its class hashing below its interval.
    pub below: Vec<u64>,
    /// [`BINS`] counts per histogram probe, in probe order.
    pub hist: Vec<u64>,
    /// Gathered rows: (probe, hash, global position).
    pub keys: Vec<(u32, u64, u64)>,
}

impl ProbeCounts {
    /// The report of no rows.
    pub fn empty(probes: &[Probe]) -> Self {
        let n_hist = probes.iter().filter(|p| !p.gather).count();
        ProbeCounts { below: vec![0; probes.len()], hist: vec![0; n_hist * BINS], keys: Vec::new() }
    }

    /// Add another report on the same probes.
    pub fn merge(&mut self, other: ProbeCounts) -> Result<()> {
        if self.below.len() != other.below.len() || self.hist.len() != other.hist.len() {
            return Err(Error::InvalidArgument("cannot merge reports on different probes".into()));
        }
        self.below.iter_mut().zip(&other.below).for_each(|(a, b)| *a += b);
        self.hist.iter_mut().zip(&other.hist).for_each(|(a, b)| *a += b);
        self.keys.extend(other.keys);
        Ok(())
    }
}

/// Where the histogram of each probe starts in [`ProbeCounts::hist`].
fn hist_starts(probes: &[Probe]) -> Vec<usize> {
    let mut at = 0;
    probes
        .iter()
        .map(|p| {
            let s = at;
            if !p.gather {
                at += BINS;
            }
            s
        })
        .collect()
}

/// Answer the probes over one batch of class codes ([`NULL`] for no label).
pub fn probe_batch(codes: &[u32], ranker: BatchRanker<'_>, probes: &[Probe]) -> ProbeCounts {
    // probes of each class: `first[c]..first[c + 1]` (probes come in class order)
    let n_classes = probes.iter().map(|p| p.class as usize + 1).max().unwrap_or(0);
    let mut by_class: Vec<Vec<u32>> = vec![Vec::new(); n_classes];
    for (i, p) in probes.iter().enumerate() {
        by_class[p.class as usize].push(i as u32);
    }
    let starts = hist_starts(probes);
    const PIECE: usize = 1 << 15;
    codes
        .par_chunks(PIECE)
        .enumerate()
        .fold(
            || ProbeCounts::empty(probes),
            |mut acc, (piece, chunk)| {
                for (j, &c) in chunk.iter().enumerate() {
                    let Some(mine) = by_class.get(c as usize) else { continue };
                    if mine.is_empty() {
                        continue;
                    }
                    let row = piece * PIECE + j;
                    let key = ranker.key(row);
                    for &i in mine {
                        let p = &probes[i as usize];
                        if key.0 < p.lo {
                            acc.below[i as usize] += 1;
                        } else if key.0 <= p.hi {
                            if p.gather {
                                acc.keys.push((i, key.0, key.1));
                            } else {
                                acc.hist[starts[i as usize] + p.bin(key.0)] += 1;
                            }
                        }
                    }
                }
                acc
            },
        )
        .reduce_with(|mut a, b| {
            a.below.iter_mut().zip(&b.below).for_each(|(x, y)| *x += y);
            a.hist.iter_mut().zip(&b.hist).for_each(|(x, y)| *x += y);
            a.keys.extend(b.keys);
            a
        })
        .unwrap_or_else(|| ProbeCounts::empty(probes))
}

/// The state of one cut.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Cut {
    Found(RankKey),
    /// The cut's key hashes in `lo..=hi`; `rows` of its class do, when known.
    Open {
        lo: u64,
        hi: u64,
        rows: Option<u64>,
    },
}

/// The search for the rank keys at given per-class ranks of a column seen in
/// batches. Drive it with [`CutSearch::probes`], [`probe_batch`] over every
/// batch (reports merged), and [`CutSearch::advance`], until
/// [`CutSearch::thresholds`] answers.
#[derive(Clone, Debug)]
pub struct CutSearch {
    counts: Vec<u64>,
    ranks: Vec<Vec<u64>>,
    cuts: Vec<Vec<Cut>>,
    gather_limit: u64,
    /// The probes handed out last, and the (class, cut) each answers for.
    asked: Vec<(Probe, Vec<(usize, usize)>)>,
    passes: usize,
}

impl CutSearch {
    /// Search the keys at ranks `ranks[c]` (ascending, in `0..=counts[c]`) of
    /// each class `c` with `counts[c]` rows.
    pub fn new(counts: &[u64], ranks: Vec<Vec<u64>>) -> Result<Self> {
        if ranks.len() != counts.len() {
            return Err(Error::InvalidArgument(format!(
                "{} classes counted but cut ranks given for {}",
                counts.len(),
                ranks.len()
            )));
        }
        let mut cuts = Vec::with_capacity(ranks.len());
        for (c, (class_ranks, &n)) in ranks.iter().zip(counts).enumerate() {
            if class_ranks.len() >= u8::MAX as usize {
                return Err(Error::InvalidArgument(format!("at most 254 cuts per class; class #{c} has more")));
            }
            if class_ranks.windows(2).any(|w| w[0] > w[1]) || class_ranks.iter().any(|&r| r > n) {
                return Err(Error::InvalidArgument(format!(
                    "cut ranks of class #{c} must ascend within 0..={n}; got {class_ranks:?}"
                )));
            }
            cuts.push(
                class_ranks
                    .iter()
                    .map(|&b| match b {
                        0 => Cut::Found((0, 0)),
                        b if b >= n => Cut::Found((u64::MAX, u64::MAX)),
                        b => {
                            // the first probe: the single-machine kernel's window (only
                            // the number of passes depends on it, never a result)
                            let Window { lo, hi } = window(b, n);
                            Cut::Open { lo, hi, rows: None }
                        }
                    })
                    .collect(),
            );
        }
        Ok(CutSearch { counts: counts.to_vec(), ranks, cuts, gather_limit: GATHER_LIMIT, asked: Vec::new(), passes: 0 })
    }

    /// Gather at most `limit` keys per probe (a smaller limit means more,
    /// lighter passes).
    pub fn with_gather_limit(mut self, limit: u64) -> Self {
        self.gather_limit = limit;
        self
    }

    /// Whether every cut is found.
    pub fn is_done(&self) -> bool {
        self.cuts.iter().flatten().all(|c| matches!(c, Cut::Found(_)))
    }

    /// Probing passes made so far.
    pub fn passes(&self) -> usize {
        self.passes
    }

    /// The questions of the next pass over the batches (empty when done).
    pub fn probes(&mut self) -> Vec<Probe> {
        let mut asked: Vec<(Probe, Vec<(usize, usize)>)> = Vec::new();
        for (c, class_cuts) in self.cuts.iter().enumerate() {
            let n = self.counts[c];
            for (j, cut) in class_cuts.iter().enumerate() {
                let Cut::Open { lo, hi, rows } = *cut else { continue };
                let expected = rows.unwrap_or_else(|| ((hi - lo) as f64 / u64::MAX as f64 * n as f64) as u64);
                let gather = expected <= self.gather_limit || hi - lo < BINS as u64;
                let probe = Probe { class: c as u32, lo, hi, gather };
                match asked.last_mut() {
                    Some((p, who)) if *p == probe => who.push((c, j)),
                    _ => asked.push((probe, vec![(c, j)])),
                }
            }
        }
        self.asked = asked;
        self.asked.iter().map(|(p, _)| *p).collect()
    }

    /// Take the merged report of every batch on the last probes.
    pub fn advance(&mut self, report: ProbeCounts) -> Result<()> {
        let probes: Vec<Probe> = self.asked.iter().map(|(p, _)| *p).collect();
        let empty = ProbeCounts::empty(&probes);
        if report.below.len() != empty.below.len() || report.hist.len() != empty.hist.len() {
            return Err(Error::InvalidArgument("the report does not answer the last probes".into()));
        }
        let mut keys = report.keys;
        if keys.iter().any(|k| k.0 as usize >= probes.len() || !probes[k.0 as usize].gather) {
            return Err(Error::InvalidArgument("the report gathers rows for probes that did not ask".into()));
        }
        keys.par_sort_unstable();
        let mut first = vec![0usize; probes.len() + 1];
        for k in &keys {
            first[k.0 as usize + 1] += 1;
        }
        for i in 0..probes.len() {
            first[i + 1] += first[i];
        }
        let starts = hist_starts(&probes);
        for (i, (p, who)) in self.asked.iter().enumerate() {
            let n = self.counts[p.class as usize];
            let below = report.below[i];
            let hist = (!p.gather).then(|| &report.hist[starts[i]..starts[i] + BINS]);
            let gathered = &keys[first[i]..first[i + 1]];
            let inside = hist.map_or(gathered.len() as u64, |h| h.iter().sum());
            if below + inside > n {
                return Err(Error::InvalidData(format!(
                    "the batches hold more rows of class #{} than were counted ({n}); count and assign the \
                     same data",
                    p.class
                )));
            }
            for &(c, j) in who {
                let b = self.ranks[c][j];
                self.cuts[c][j] = if b < below {
                    Cut::Open { lo: 0, hi: p.lo - 1, rows: Some(below) }
                } else if b >= below + inside {
                    if p.hi == u64::MAX {
                        return Err(Error::InvalidData(format!(
                            "the batches hold fewer rows of class #{} than were counted ({n}); count and \
                             assign the same data",
                            p.class
                        )));
                    }
                    Cut::Open { lo: p.hi + 1, hi: u64::MAX, rows: Some(n - below - inside) }
                } else if let Some(h) = hist {
                    let (mut at, mut bin) = (below, 0);
                    while at + h[bin] <= b {
                        at += h[bin];
                        bin += 1;
                    }
                    let lo = p.bin_start(bin) as u64;
                    let hi = (p.bin_start(bin + 1) - 1) as u64;
                    // the rows below the bin are now known; the next probe recounts them
                    Cut::Open { lo, hi, rows: Some(h[bin]) }
                } else {
                    let k = gathered[(b - below) as usize];
                    Cut::Found((k.1, k.2))
                };
            }
        }
        self.asked.clear();
        self.passes += 1;
        Ok(())
    }

    /// Per class, the keys at its cut ranks (in rank order), once all are found.
    pub fn thresholds(&self) -> Option<Vec<Vec<RankKey>>> {
        self.cuts
            .iter()
            .map(|cuts| cuts.iter().map(|c| if let Cut::Found(k) = c { Some(*k) } else { None }).collect())
            .collect()
    }
}

/// The part of every row of a batch: how many of its class's cut keys are at
/// or below its key (`u8::MAX` for a row without a label).
pub fn batch_parts(codes: &[u32], ranker: BatchRanker<'_>, thresholds: &[Vec<RankKey>]) -> Result<Vec<u8>> {
    if let Some(&c) = codes.iter().find(|&&c| c != NULL && c as usize >= thresholds.len()) {
        return Err(Error::InvalidArgument(format!("class code {c} out of range of {} classes", thresholds.len())));
    }
    const PIECE: usize = 1 << 15;
    let mut out = vec![0u8; codes.len()];
    out.par_chunks_mut(PIECE).zip(codes.par_chunks(PIECE)).enumerate().for_each(|(piece, (out, codes))| {
        for (j, (o, &c)) in out.iter_mut().zip(codes).enumerate() {
            *o = if c == NULL {
                u8::MAX
            } else {
                let key = ranker.key(piece * PIECE + j);
                thresholds[c as usize].iter().filter(|t| **t <= key).count() as u8
            };
        }
    });
    Ok(out)
}

/// Cut ranks of a split plan, per class: test, test + valid, all; a class
/// left out entirely (rare, dropped) is cut at 0 three times.
pub fn split_ranks(plan: &SplitPlan, counts: &[u64]) -> Vec<Vec<u64>> {
    plan.cells
        .iter()
        .zip(counts)
        .map(|(cell, &n)| {
            if cell.iter().sum::<u64>() == 0 && n > 0 {
                vec![0, 0, 0]
            } else {
                vec![cell[TEST], cell[TEST] + cell[VALID], n]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{LEFT_OUT, SPLIT_PART_CODES};
    use crate::ops::select::{apportion, sample_rows};
    use crate::ops::split::{assign_split, plan_split, Rare, Size};
    use crate::{Chunk, Column, Ints, LabelCounter, Labels, Ranker, RowKeys};

    fn ints(v: &[i64]) -> Column<'_> {
        Column::Int(Ints::I64(vec![Chunk::new(v, None)]))
    }

    /// Run the batched search over `values` cut at `bounds`; the parts of every row.
    fn batched(
        values: &[i64],
        bounds: &[usize],
        ids: Option<&[u64]>,
        seed: u64,
        limit: u64,
        ranks: impl Fn(&[u64]) -> Vec<Vec<u64>>,
    ) -> (Vec<u8>, usize) {
        let batches: Vec<(usize, &[i64])> = bounds.windows(2).map(|w| (w[0], &values[w[0]..w[1]])).collect();
        let mut counter = LabelCounter::new();
        for (_, b) in &batches {
            counter.update(&ints(b)).unwrap();
        }
        let codes: Vec<(usize, Vec<u32>)> =
            batches.iter().map(|&(at, b)| (at, counter.batch_codes(&ints(b)).unwrap())).collect();
        let ranker =
            |at: usize, len: usize| BatchRanker::new(at as u64, ids.map(|h| &h[at..at + len]), seed, len).unwrap();
        let mut search = CutSearch::new(counter.counts(), ranks(counter.counts())).unwrap().with_gather_limit(limit);
        while !search.is_done() {
            let probes = search.probes();
            let mut report = ProbeCounts::empty(&probes);
            // merged in reverse batch order: the order reports arrive in does not matter
            for (at, c) in codes.iter().rev() {
                report.merge(probe_batch(c, ranker(*at, c.len()), &probes)).unwrap();
            }
            search.advance(report).unwrap();
        }
        let th = search.thresholds().unwrap();
        let parts = codes.iter().flat_map(|(at, c)| batch_parts(c, ranker(*at, c.len()), &th).unwrap()).collect();
        (parts, search.passes())
    }

    fn values(n: usize) -> Vec<i64> {
        (0..n as i64)
            .map(|i| (i * 7919 % 23) % 7 + if i % 331 == 0 { 100 } else { 0 } + if i == 17 { 1000 } else { 0 })
            .collect()
    }

    #[test]
    fn batched_split_equals_the_single_machine_split() {
        let v = values(40_000);
        let whole = Labels::new(&ints(&v)).unwrap();
        let plan = plan_split(&whole.counts, Size::Fraction(0.2), Size::Fraction(0.1), Rare::Drop).unwrap();
        let ids: Vec<u64> = (0..v.len() as u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 77).collect();
        for (seed, keys) in [(0, None), (7, Some(&ids[..]))] {
            let ranker = Ranker::new(keys.map_or(RowKeys::Position, RowKeys::Hashed), seed);
            let expect = assign_split(&whole.view(), ranker, &plan);
            for bounds in [vec![0, 40_000], vec![0, 0, 1, 999, 999, 25_000, 40_000]] {
                for limit in [GATHER_LIMIT, 50] {
                    let (parts, passes) = batched(&v, &bounds, keys, seed, limit, |counts| {
                        let plan = plan_split(counts, Size::Fraction(0.2), Size::Fraction(0.1), Rare::Drop).unwrap();
                        split_ranks(&plan, counts)
                    });
                    let got: Vec<i8> =
                        parts.iter().map(|&p| SPLIT_PART_CODES.get(p as usize).copied().unwrap_or(LEFT_OUT)).collect();
                    assert_eq!(got, expect, "seed {seed}, bounds {bounds:?}, limit {limit}");
                    // windows gather in one pass; a tiny gather limit refines histograms first
                    assert!(if limit == 50 { passes > 1 } else { passes == 1 }, "{passes} passes");
                }
            }
        }
    }

    #[test]
    fn batched_sample_equals_the_single_machine_sample() {
        let v = values(30_000);
        let whole = Labels::new(&ints(&v)).unwrap();
        let sizes = apportion(&whole.counts, 3_000);
        let expect = sample_rows(&whole.view(), Ranker::new(RowKeys::Position, 3), &sizes).unwrap();
        let (parts, _) = batched(&v, &[0, 10_000, 10_001, 30_000], None, 3, GATHER_LIMIT, |counts| {
            apportion(counts, 3_000).into_iter().map(|s| vec![s]).collect()
        });
        let got: Vec<i64> = (0..parts.len() as i64).filter(|&i| parts[i as usize] == 0).collect();
        assert_eq!(got, expect);
    }

    #[test]
    fn cuts_outside_their_window_are_found_from_the_side() {
        // a report that puts every row below the window sends the search left
        let mut s = CutSearch::new(&[100], vec![vec![50]]).unwrap();
        let probes = s.probes();
        assert_eq!(probes.len(), 1);
        s.advance(ProbeCounts { below: vec![100], hist: vec![], keys: vec![] }).unwrap();
        let p = s.probes();
        assert_eq!((p[0].lo, p[0].hi, p[0].gather), (0, probes[0].lo - 1, true));
        // more rows than counted is refused
        let err = s.advance(ProbeCounts { below: vec![101], hist: vec![], keys: vec![] }).unwrap_err();
        assert!(err.to_string().contains("more rows of class #0 than were counted"));
    }

    #[test]
    fn ranker_matches_the_whole_column_ranker() {
        let ids: Vec<u64> = (0..100).map(|i| i * 3 + 1).collect();
        let whole = Ranker::new(RowKeys::Hashed(&ids), 5);
        let batch = BatchRanker::new(40, Some(&ids[40..]), 5, 60).unwrap();
        let pos = BatchRanker::new(40, None, 5, 60).unwrap();
        for r in 0..60 {
            assert_eq!(batch.key(r), (whole.key(40 + r).0, ids[40 + r]));
            assert_eq!(pos.key(r), Ranker::new(RowKeys::Position, 5).key(40 + r));
        }
        // with ids, a row's key does not depend on its batch or position
        let moved = BatchRanker::new(7, Some(&ids[40..]), 5, 60).unwrap();
        assert!((0..60).all(|r| moved.key(r) == batch.key(r)));
        assert!(BatchRanker::new(0, Some(&ids), 5, 99).is_err());
    }

    #[test]
    fn histogram_bins_tile_the_interval() {
        let p = Probe { class: 0, lo: 1000, hi: 1000 + 3 * BINS as u64 + 5, gather: false };
        for j in 0..BINS {
            let (a, b) = (p.bin_start(j) as u64, p.bin_start(j + 1) as u64 - 1);
            assert_eq!((p.bin(a), p.bin(b)), (j, j));
        }
        assert_eq!(p.bin_start(BINS), p.hi as u128 + 1);
        let full = Probe { class: 0, lo: 0, hi: u64::MAX, gather: false };
        assert_eq!(full.bin(u64::MAX), BINS - 1);
        assert_eq!(full.bin_start(BINS), u64::MAX as u128 + 1);
    }
}
