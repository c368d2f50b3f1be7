//! Multilabel stratified split and k-fold: rows that carry a set of labels,
//! placed so that every part gets its share of every label.
//!
//! The input is CSR-like ([`LabelSets`]): row offsets into a flat array of
//! label codes `0..n_labels`, and optionally a mask of null rows. The parts'
//! sizes are exact (as [`plan_split`] computes them for one class, or equal
//! folds); the rows are then placed by iterative stratification done label by
//! label:
//!
//! 1. labels are taken from fewest positives to most (ties: lower code first);
//! 2. a label's still unplaced rows are taken in seeded rank order (the row's
//!    hash under the seed, see [`Ranker`]) and each goes to the part, among
//!    those with room left, that lacks the label entirely (when the label has
//!    at least as many positives as there are non-empty parts), else that is
//!    still below its share of the label, then where the row's labels are
//!    furthest below their shares (the sum over the row's
//!    labels of 1 - positives held / share, where a label's share of a part
//!    is positives x part size / rows), then the part with more room,
//!    then the lower part;
//! 3. rows without a label fill what room is left, in rank order;
//! 4. coverage repair: a (label, part) cell left without a positive although
//!    the label has at least as many positives as non-empty parts (its rows
//!    went where rarer labels sent them) is filled by swapping two rows
//!    between parts, sizes unchanged: a row with the label from a part that
//!    holds two or more of its positives, for a row of the empty part, such
//!    that no part loses the last positive of a label that has enough
//!    positives. Cells are taken by label from fewest positives to most, then
//!    by part; among the possible swaps the one that moves the cells' counts
//!    closest to their shares wins (ties: the earlier row in rank order).
//!    This repeats until no swap fills a cell, so afterwards no single swap
//!    of two rows can cover a missing cell without uncovering another.
//!
//! Every step is O(positives) or O(rows x parts) apart from one sort of the
//! rows by rank. The repair costs nothing unless a cell is missing; then each
//! round costs, per missing cell, a pass over the part's rows and over the
//! label's positives, and rounds repeat while a swap succeeds. Missing cells
//! are rare: they need parts too small for their labels (a part of 50 rows
//! out of 200k with 1000 labels leaves most labels out of it whatever the
//! placement, and there the repair costs about ten times the placement). Nothing depends on the thread count, and with row ids the
//! rank is the id's hash, so the result does not depend on row order either.

use rayon::slice::ParallelSliceMut;

use crate::contract::{LEFT_OUT, TEST, TRAIN, VALID};
use crate::hash::{mix64, Ranker};
use crate::ops::split::plan_split;
use crate::params::{Rare, Size};
use crate::{Error, Result};

/// A borrowed integer array of either width (offsets or label codes as numpy
/// or Arrow hand them over).
#[derive(Clone, Copy, Debug)]
pub enum Indices<'a> {
    I32(&'a [i32]),
    I64(&'a [i64]),
}

impl Indices<'_> {
    pub fn len(&self) -> usize {
        match self {
            Indices::I32(v) => v.len(),
            Indices::I64(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline(always)]
    fn get(&self, i: usize) -> i64 {
        match self {
            Indices::I32(v) => i64::from(v[i]),
            Indices::I64(v) => v[i],
        }
    }
}

/// The label sets of `n` rows: row `i` holds the codes
/// `labels[offsets[i]..offsets[i + 1]]`, or is null when `null[i]`.
#[derive(Clone, Debug)]
pub struct LabelSets {
    /// `n + 1` offsets, starting at 0.
    starts: Vec<u64>,
    /// The codes, each in `0..n_labels`.
    codes: Vec<u32>,
    /// Null rows (left out of every part).
    null: Vec<bool>,
    /// Positives per label.
    pub counts: Vec<u64>,
}

impl LabelSets {
    /// Check and read a CSR-like input. `offsets` has one more entry than
    /// rows and never decreases (it may start above 0, as a sliced Arrow list
    /// does); `labels` holds codes in `0..n_labels` (`n_labels` defaults to
    /// the largest code plus one), each at most once per row; `null` has one
    /// entry per row when given.
    pub fn new(
        offsets: Indices<'_>,
        labels: Indices<'_>,
        null: Option<&[bool]>,
        n_labels: Option<usize>,
    ) -> Result<Self> {
        if offsets.is_empty() {
            return Err(Error::InvalidData("offsets must hold one more entry than there are rows; got none".into()));
        }
        let n = offsets.len() - 1;
        if n >= u32::MAX as usize {
            return Err(Error::TooLarge { what: "a multilabel split".into(), len: n as u128, bytes: n as u128 * 16 });
        }
        if let Some(null) = null {
            if null.len() != n {
                return Err(Error::InvalidArgument(format!(
                    "the null mask has {} rows but the offsets {n}",
                    null.len()
                )));
            }
        }
        let first = offsets.get(0);
        let mut starts = Vec::with_capacity(n + 1);
        let mut prev = first;
        if first < 0 {
            return Err(Error::InvalidData(format!("offsets must not be negative; got {first} at row 0")));
        }
        for i in 0..=n {
            let o = offsets.get(i);
            if o < prev {
                return Err(Error::InvalidData(format!(
                    "offsets must never decrease; got {o} after {prev} at row {i}"
                )));
            }
            prev = o;
            starts.push((o - first) as u64);
        }
        if prev as u64 > labels.len() as u64 {
            return Err(Error::InvalidData(format!(
                "the offsets end at {prev} but there are only {} label values",
                labels.len()
            )));
        }
        let (lo, hi) = (first as usize, prev as usize);
        let mut codes = Vec::with_capacity(hi - lo);
        let mut max = -1i64;
        for i in lo..hi {
            let c = labels.get(i);
            if c < 0 {
                return Err(Error::InvalidData(format!("label ids must not be negative; got {c}")));
            }
            max = max.max(c);
            if c >= u32::MAX as i64 {
                return Err(Error::InvalidData(format!("label ids must be below {}; got {c}", u32::MAX)));
            }
            codes.push(c as u32);
        }
        let q = match n_labels {
            Some(q) if (max + 1) as usize > q => {
                return Err(Error::InvalidData(format!("label id {max} is out of range for {q} labels")));
            }
            Some(q) => q,
            None => (max + 1) as usize,
        };
        let null = null.map_or_else(|| vec![false; n], <[bool]>::to_vec);
        let mut counts = vec![0u64; q];
        // the row each label was last seen in, to refuse a label repeated within a row
        let mut seen = vec![u32::MAX; q];
        for r in 0..n {
            let (a, b) = (starts[r] as usize, starts[r + 1] as usize);
            if null[r] {
                continue;
            }
            for &c in &codes[a..b] {
                if seen[c as usize] == r as u32 {
                    return Err(Error::InvalidData(format!(
                        "row {r} holds label {c} twice; a row's labels must be distinct"
                    )));
                }
                seen[c as usize] = r as u32;
                counts[c as usize] += 1;
            }
        }
        Ok(LabelSets { starts, codes, null, counts })
    }

    /// Rows, null ones included.
    pub fn len(&self) -> usize {
        self.null.len()
    }

    pub fn is_empty(&self) -> bool {
        self.null.is_empty()
    }

    /// Rows marked null.
    pub fn null_rows(&self) -> u64 {
        self.null.iter().filter(|&&x| x).count() as u64
    }

    /// Non-null rows without any label.
    pub fn empty_rows(&self) -> u64 {
        (0..self.len()).filter(|&r| !self.null[r] && self.starts[r] == self.starts[r + 1]).count() as u64
    }

    #[inline(always)]
    fn row(&self, r: usize) -> &[u32] {
        &self.codes[self.starts[r] as usize..self.starts[r + 1] as usize]
    }
}

/// How a multilabel split came out.
#[derive(Clone, Debug, PartialEq)]
pub struct MultilabelPlan {
    /// Rows per part.
    pub sizes: Vec<u64>,
    /// `cells[l * parts + p]`: positives of label `l` in part `p`.
    pub cells: Vec<u64>,
    /// Positives per label.
    pub counts: Vec<u64>,
    /// Labels with at least as many positives as non-empty parts that still
    /// miss some non-empty part (their rows were placed by other labels first).
    pub uncovered: Vec<u32>,
}

/// The part of a row placed in none (a null row).
pub const UNPLACED: u32 = u32::MAX;

/// A fraction in fixed point, so that sums of them do not depend on the order
/// of a row's labels (float sums would).
#[inline(always)]
fn fixed(x: f64) -> i64 {
    (x * (1u64 << 40) as f64) as i64
}

/// Place the non-null rows of `sets` into parts of exactly `sizes` rows
/// (summing to the non-null rows); the part per row, [`UNPLACED`] for null rows.
pub fn assign_parts(sets: &LabelSets, ranker: Ranker<'_>, sizes: &[u64]) -> Result<(Vec<u32>, MultilabelPlan)> {
    let n = sets.len();
    let parts = sizes.len();
    let rows: u64 = n as u64 - sets.null_rows();
    if sizes.iter().sum::<u64>() != rows {
        return Err(Error::InvalidArgument(format!(
            "the part sizes {sizes:?} must add up to the {rows} non-null rows"
        )));
    }
    let q = sets.counts.len();
    // non-null rows in rank order
    let mut order: Vec<(u64, u32)> = (0..n).filter(|&r| !sets.null[r]).map(|r| (ranker.key(r).0, r as u32)).collect();
    order.par_sort_unstable();
    // each label's rows, in rank order
    let mut start = vec![0usize; q + 1];
    for l in 0..q {
        start[l + 1] = start[l] + sets.counts[l] as usize;
    }
    let mut fill = start.clone();
    let mut by_label = vec![0u32; start[q]];
    for &(_, r) in &order {
        for &c in sets.row(r as usize) {
            by_label[fill[c as usize]] = r;
            fill[c as usize] += 1;
        }
    }
    let mut labels: Vec<u32> = (0..q as u32).filter(|&l| sets.counts[l as usize] > 0).collect();
    labels.sort_unstable_by_key(|&l| (sets.counts[l as usize], l));

    let active = sizes.iter().filter(|&&s| s > 0).count() as u64;
    let mut room: Vec<u64> = sizes.to_vec();
    let mut cells = vec![0u64; q * parts];
    let mut part = vec![UNPLACED; n];
    // 1 / share of each (label, part), share = positives x part size / rows
    let inv: Vec<f64> = (0..q * parts)
        .map(|i| {
            let share = sets.counts[i / parts] as f64 * sizes[i % parts] as f64 / rows.max(1) as f64;
            if share > 0.0 {
                1.0 / share
            } else {
                0.0
            }
        })
        .collect();
    for &l in &labels {
        let l = l as usize;
        let count = sets.counts[l];
        let cover = count >= active;
        for &r in &by_label[start[l]..start[l + 1]] {
            if part[r as usize] != UNPLACED {
                continue;
            }
            let row = sets.row(r as usize);
            let cell = &cells[l * parts..(l + 1) * parts];
            // (lacks the label, below its share of it, the row's labels' summed shortfall, room):
            // the largest wins, then the lower part
            let mut best = usize::MAX;
            let mut best_key = (false, false, i64::MIN, 0u64);
            for p in 0..parts {
                if room[p] == 0 {
                    continue;
                }
                let shortfall: i64 = row
                    .iter()
                    .map(|&m| fixed(1.0 - cells[m as usize * parts + p] as f64 * inv[m as usize * parts + p]))
                    .sum();
                let under = u128::from(cell[p]) * u128::from(rows) < u128::from(count) * u128::from(sizes[p]);
                let key = (cover && cell[p] == 0, under, shortfall, room[p]);
                if best == usize::MAX || key > best_key {
                    best = p;
                    best_key = key;
                }
            }
            debug_assert!(best != usize::MAX, "a labeled row always finds room: the sizes add up to the rows");
            part[r as usize] = best as u32;
            room[best] -= 1;
            for &c in sets.row(r as usize) {
                cells[c as usize * parts + best] += 1;
            }
        }
    }
    // rows without a label fill the room left, part by part, in rank order
    let mut p = 0;
    for &(_, r) in &order {
        if part[r as usize] != UNPLACED {
            continue;
        }
        while room[p] == 0 {
            p += 1;
        }
        part[r as usize] = p as u32;
        room[p] -= 1;
    }
    repair_coverage(
        &Placed { sets, by_label: &by_label, start: &start, sizes, rows, active },
        &labels,
        &order,
        &mut part,
        &mut cells,
    );
    let uncovered = (0..q as u32)
        .filter(|&l| {
            let l = l as usize;
            sets.counts[l] >= active && (0..parts).any(|p| sizes[p] > 0 && cells[l * parts + p] == 0)
        })
        .collect();
    Ok((part, MultilabelPlan { sizes: sizes.to_vec(), cells, counts: sets.counts.clone(), uncovered }))
}

/// What the coverage repair reads of a placement.
struct Placed<'a> {
    sets: &'a LabelSets,
    /// Each label's rows in rank order: `by_label[start[l]..start[l + 1]]`.
    by_label: &'a [u32],
    start: &'a [usize],
    sizes: &'a [u64],
    /// Non-null rows.
    rows: u64,
    /// Non-empty parts.
    active: u64,
}

impl Placed<'_> {
    /// A label every non-empty part should hold.
    #[inline(always)]
    fn required(&self, m: usize) -> bool {
        self.sets.counts[m] >= self.active
    }

    /// How far `c` positives of label `m` in part `p` are from the share:
    /// |c - share| / part size (the part's rate of the label off the whole
    /// data's), in fixed point so that sums do not depend on label order.
    #[inline(always)]
    fn cost(&self, m: usize, p: usize, c: u64) -> i64 {
        let size = self.sizes[p] as f64;
        let share = self.sets.counts[m] as f64 * size / self.rows as f64;
        fixed((c as f64 - share).abs() / size)
    }

    /// The change in cost when a row with labels `row` moves from part `from`
    /// to part `to`, leaving out the labels in `keep` (those of the row that
    /// moves the other way, which cancel).
    fn moved(&self, cells: &[u64], row: &[u32], keep: &[u32], from: usize, to: usize) -> i64 {
        let parts = self.sizes.len();
        row.iter()
            .filter(|m| !keep.contains(m))
            .map(|&m| {
                let m = m as usize;
                let (cf, ct) = (cells[m * parts + from], cells[m * parts + to]);
                self.cost(m, from, cf - 1) - self.cost(m, from, cf) + self.cost(m, to, ct + 1) - self.cost(m, to, ct)
            })
            .sum()
    }

    /// The best swap that gives part `p` a positive of label `l`: `(a, b)`,
    /// row `a` (with `l`) moving into `p` and row `b` out of `p` into `a`'s
    /// part; `None` when every such swap would take the last positive of a
    /// required label out of a part. `members`: the rows of part `p`;
    /// `pos[r]`: row `r`'s place in its part's members (ties go to the
    /// earlier `a` in rank order, then the earlier `b` in `members`).
    fn best_swap(
        &self,
        l: usize,
        p: usize,
        part: &[u32],
        cells: &[u64],
        members: &[u32],
        pos: &[u32],
    ) -> Option<(u32, u32)> {
        let parts = self.sizes.len();
        // the row is the only positive of a required label in the part
        let crit = |m: u32, q: usize| self.required(m as usize) && cells[m as usize * parts + q] == 1;
        // parts that can give up a positive of l
        let from: Vec<bool> = (0..parts).map(|q| q != p && cells[l * parts + q] >= 2).collect();
        if !from.contains(&true) {
            return None;
        }
        // rows of p that may leave it whatever comes in: the cheapest per
        // destination; the others (sole holders of a required label in p)
        // by the lowest such label: a row coming in must bring it
        let mut free: Vec<Option<(i64, u32)>> = vec![None; parts];
        let mut sole: Vec<(u32, u32)> = Vec::new();
        for &b in members {
            let rb = self.sets.row(b as usize);
            if let Some(m) = rb.iter().copied().filter(|&m| crit(m, p)).min() {
                sole.push((m, b));
                continue;
            }
            for q in (0..parts).filter(|&q| from[q]) {
                let g = self.moved(cells, rb, &[], p, q);
                if free[q].is_none_or(|(s, _)| g < s) {
                    free[q] = Some((g, b));
                }
            }
        }
        sole.sort_unstable_by_key(|&(m, b)| (m, pos[b as usize]));
        // (score, b's place, a, b), the least wins; a's come in rank order
        let mut best: Option<(i64, u32, u32, u32)> = None;
        for &a in &self.by_label[self.start[l]..self.start[l + 1]] {
            let q = part[a as usize] as usize;
            if !from[q] {
                continue;
            }
            let ra = self.sets.row(a as usize);
            // required labels a is the only positive of in q: b must bring them
            let need: Vec<u32> = ra.iter().copied().filter(|&m| crit(m, q)).collect();
            let mut this: Option<(i64, u32, u32, u32)> = None;
            let mut consider = |b: u32| {
                let rb = self.sets.row(b as usize);
                if need.iter().any(|m| !rb.contains(m)) || rb.iter().any(|&m| crit(m, p) && !ra.contains(&m)) {
                    return;
                }
                let score = self.moved(cells, ra, rb, q, p) + self.moved(cells, rb, ra, p, q);
                let key = (score, pos[b as usize], a, b);
                if this.is_none_or(|t| (key.0, key.1) < (t.0, t.1)) {
                    this = Some(key);
                }
            };
            if let Some(&m) = need.iter().min() {
                let m = m as usize;
                for &b in &self.by_label[self.start[m]..self.start[m + 1]] {
                    if part[b as usize] as usize == p {
                        consider(b);
                    }
                }
            } else {
                if let Some((_, b)) = free[q] {
                    consider(b);
                }
                // sole holders whose lowest sole label a brings
                for &m in ra {
                    let lo = sole.partition_point(|&(x, _)| x < m);
                    for &(x, b) in &sole[lo..] {
                        if x != m {
                            break;
                        }
                        consider(b);
                    }
                }
            }
            if let Some(t) = this {
                if best.is_none_or(|b| t.0 < b.0) {
                    best = Some(t);
                }
            }
        }
        best.map(|(_, _, a, b)| (a, b))
    }
}

/// Fill the (required label, non-empty part) cells placement left without a
/// positive by swapping rows between parts (step 4 of the module docs).
fn repair_coverage(at: &Placed<'_>, labels: &[u32], order: &[(u64, u32)], part: &mut [u32], cells: &mut [u64]) {
    let parts = at.sizes.len();
    let open = |cells: &[u64], l: usize, p: usize| at.sizes[p] > 0 && cells[l * parts + p] == 0;
    let missing = |cells: &[u64]| {
        labels.iter().any(|&l| at.required(l as usize) && (0..parts).any(|p| open(cells, l as usize, p)))
    };
    if !missing(cells) {
        return;
    }
    // the rows of each part, in rank order (a swap trades places), and each
    // row's place there
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); parts];
    let mut pos = vec![0u32; part.len()];
    for &(_, r) in order {
        let m = &mut members[part[r as usize] as usize];
        pos[r as usize] = m.len() as u32;
        m.push(r);
    }
    // every swap fills a cell and empties none, so this ends
    loop {
        let mut swapped = false;
        for &l in labels {
            let l = l as usize;
            if !at.required(l) {
                continue;
            }
            for p in 0..parts {
                if !open(cells, l, p) {
                    continue;
                }
                let Some((a, b)) = at.best_swap(l, p, part, cells, &members[p], &pos) else { continue };
                let q = part[a as usize] as usize;
                for &m in at.sets.row(a as usize) {
                    cells[m as usize * parts + q] -= 1;
                    cells[m as usize * parts + p] += 1;
                }
                for &m in at.sets.row(b as usize) {
                    cells[m as usize * parts + p] -= 1;
                    cells[m as usize * parts + q] += 1;
                }
                part[a as usize] = p as u32;
                part[b as usize] = q as u32;
                let (ia, ib) = (pos[a as usize], pos[b as usize]);
                members[q][ia as usize] = b;
                members[p][ib as usize] = a;
                pos[a as usize] = ib;
                pos[b as usize] = ia;
                swapped = true;
            }
        }
        if !swapped {
            break;
        }
    }
}

/// Multilabel stratified train/valid/test split: the split code per row
/// (`TRAIN`, `VALID`, `TEST`, `LEFT_OUT` for a null row) and the plan, whose
/// parts are in code order (train, valid, test). The sizes are those
/// [`plan_split`] gives one class of all the non-null rows.
pub fn multilabel_split(
    sets: &LabelSets,
    ranker: Ranker<'_>,
    test: Size,
    valid: Size,
) -> Result<(Vec<i8>, MultilabelPlan)> {
    let rows = sets.len() as u64 - sets.null_rows();
    let target = plan_split(&[rows], test, valid, Rare::Train)?.target;
    let mut sizes = vec![0u64; 3];
    for s in [TRAIN, VALID, TEST] {
        sizes[s] = target[s];
    }
    let (part, plan) = assign_parts(sets, ranker, &sizes)?;
    Ok((part.iter().map(|&p| if p == UNPLACED { LEFT_OUT } else { p as i8 }).collect(), plan))
}

/// Multilabel stratified k-fold: the test fold per row (`LEFT_OUT` for a null
/// row) and the plan. Fold sizes differ by at most one row, the larger first.
pub fn multilabel_kfold(sets: &LabelSets, ranker: Ranker<'_>, k: usize) -> Result<(Vec<i16>, MultilabelPlan)> {
    if k < 2 {
        return Err(Error::InvalidArgument(format!("k must be at least 2; got {k}")));
    }
    let rows = sets.len() as u64 - sets.null_rows();
    if rows < k as u64 {
        return Err(Error::Infeasible(format!("cannot make {k} folds out of {rows} non-null rows")));
    }
    let sizes: Vec<u64> = (0..k as u64).map(|f| rows / k as u64 + u64::from(f < rows % k as u64)).collect();
    let (part, plan) = assign_parts(sets, ranker, &sizes)?;
    Ok((part.iter().map(|&p| if p == UNPLACED { i16::from(LEFT_OUT) } else { p as i16 }).collect(), plan))
}

/// The label sets' shape beyond per-label counts.
#[derive(Clone, Debug, PartialEq)]
pub struct SetStats {
    /// Distinct label sets among the non-null rows (the empty set included),
    /// told apart by a 64-bit hash of the sorted set.
    pub distinct_sets: u64,
    /// The `top` most frequent pairs of labels in one row: `(a, b, rows)`
    /// with `a < b`, most frequent first (ties: lower codes first).
    pub pairs: Vec<(u32, u32, u64)>,
}

/// Distinct label sets and the most frequent label pairs of `sets`.
pub fn set_stats(sets: &LabelSets, top: usize) -> SetStats {
    let mut distinct = hashbrown::HashSet::new();
    let mut pairs: hashbrown::HashMap<(u32, u32), u64> = hashbrown::HashMap::new();
    let mut buf: Vec<u32> = Vec::new();
    for r in 0..sets.len() {
        if sets.null[r] {
            continue;
        }
        buf.clear();
        buf.extend_from_slice(sets.row(r));
        buf.sort_unstable();
        let h = buf.iter().fold(mix64(buf.len() as u64), |h, &c| mix64(h ^ u64::from(c)).wrapping_add(1));
        distinct.insert(h);
        if top > 0 {
            for (i, &a) in buf.iter().enumerate() {
                for &b in &buf[i + 1..] {
                    *pairs.entry((a, b)).or_insert(0) += 1;
                }
            }
        }
    }
    let mut pairs: Vec<(u32, u32, u64)> = pairs.into_iter().map(|((a, b), n)| (a, b, n)).collect();
    pairs.sort_unstable_by(|x, y| y.2.cmp(&x.2).then((x.0, x.1).cmp(&(y.0, y.1))));
    pairs.truncate(top);
    SetStats { distinct_sets: distinct.len() as u64, pairs }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::RowKeys;

    /// Rows with a few labels each, label l on about 1 row in (l + 2), some rows empty.
    fn sample(n: usize, q: usize, salt: u64) -> (Vec<i64>, Vec<i64>) {
        let mut offsets = vec![0i64];
        let mut codes = Vec::new();
        for r in 0..n {
            for l in 0..q {
                if mix64((r * q + l) as u64 ^ salt).is_multiple_of(l as u64 + 2) {
                    codes.push(l as i64);
                }
            }
            offsets.push(codes.len() as i64);
        }
        (offsets, codes)
    }

    fn sets(offsets: &[i64], codes: &[i64]) -> LabelSets {
        LabelSets::new(Indices::I64(offsets), Indices::I64(codes), None, None).unwrap()
    }

    #[test]
    fn split_sizes_exact_and_labels_near_their_share() {
        let (o, c) = sample(2000, 30, 1);
        let s = sets(&o, &c);
        let (split, plan) =
            multilabel_split(&s, Ranker::new(RowKeys::Position, 7), Size::Fraction(0.2), Size::Fraction(0.1)).unwrap();
        assert_eq!(plan.sizes, [1400, 200, 400]);
        for (p, &size) in plan.sizes.iter().enumerate() {
            assert_eq!(split.iter().filter(|&&x| x == p as i8).count() as u64, size);
        }
        assert!(plan.uncovered.is_empty());
        let mut far = 0;
        for l in 0..30 {
            for p in 0..3 {
                let share = plan.counts[l] as f64 * plan.sizes[p] as f64 / 2000.0;
                let got = plan.cells[l * 3 + p] as f64;
                assert!((got - share).abs() < 2.0, "label {l} part {p}: {got} vs {share}");
                far += usize::from((got - share).abs() >= 1.0);
            }
        }
        assert!(far <= 9, "{far} cells a row or more from their share");
    }

    #[test]
    fn every_label_in_every_part() {
        // label l on rows l*3 .. l*3+3 (three rows each), three parts: one row per part
        let o: Vec<i64> = (0..=30).collect();
        let c: Vec<i64> = (0..30).map(|r| r / 3).collect();
        let s = sets(&o, &c);
        let (split, plan) =
            multilabel_split(&s, Ranker::new(RowKeys::Position, 3), Size::Rows(10), Size::Rows(10)).unwrap();
        assert!(plan.uncovered.is_empty());
        for l in 0..10 {
            let mut got: Vec<i8> = split[l * 3..l * 3 + 3].to_vec();
            got.sort();
            assert_eq!(got, [0, 1, 2], "label {l}");
        }
    }

    /// The (required label, non-empty part) cells without a positive, found
    /// by brute force from the assignment (a check independent of the plan).
    fn missing_cells(s: &LabelSets, part: &[u32], sizes: &[u64]) -> Vec<(usize, usize)> {
        let active = sizes.iter().filter(|&&x| x > 0).count() as u64;
        let mut out = Vec::new();
        for l in 0..s.counts.len() {
            if s.counts[l] < active {
                continue;
            }
            for p in 0..sizes.len() {
                let held = (0..s.len()).any(|r| part[r] == p as u32 && s.row(r).contains(&(l as u32)));
                if sizes[p] > 0 && !held {
                    out.push((l, p));
                }
            }
        }
        out
    }

    /// Whether one swap of two rows between parts would fill a missing
    /// (required label, part) cell without emptying another.
    fn one_swap_helps(s: &LabelSets, part: &[u32], sizes: &[u64]) -> bool {
        let now = missing_cells(s, part, sizes);
        let mut p = part.to_vec();
        for a in 0..s.len() {
            for b in a + 1..s.len() {
                if p[a] == p[b] || p[a] == UNPLACED || p[b] == UNPLACED {
                    continue;
                }
                p.swap(a, b);
                let after = missing_cells(s, &p, sizes);
                p.swap(a, b);
                if after.len() < now.len() && after.iter().all(|c| now.contains(c)) {
                    return true;
                }
            }
        }
        false
    }

    #[test]
    fn coverage_repaired_by_a_swap() {
        // labels news 0, sports 1, tech 2; row 8 null; valid (2 rows) first
        // got rows 1 {news} and 3 {sports}, leaving tech out of it
        let o = [0i64, 2, 3, 4, 5, 7, 7, 9, 10, 10, 11];
        let c = [1i64, 0, 0, 2, 1, 2, 0, 1, 2, 0, 2];
        let mut null = [false; 10];
        null[8] = true;
        let s = LabelSets::new(Indices::I64(&o), Indices::I64(&c), Some(&null), None).unwrap();
        let (split, plan) =
            multilabel_split(&s, Ranker::new(RowKeys::Position, 0), Size::Fraction(0.3), Size::Fraction(0.2)).unwrap();
        assert_eq!(plan.sizes, [4, 2, 3]);
        assert!(plan.uncovered.is_empty(), "{plan:?}");
        for l in 0..3 {
            assert!(plan.cells[l * 3..l * 3 + 3].iter().all(|&x| x > 0), "{plan:?}");
        }
        assert_eq!(split[8], LEFT_OUT);
        for (p, &size) in plan.sizes.iter().enumerate() {
            assert_eq!(split.iter().filter(|&&x| x == p as i8).count() as u64, size);
        }
        // the plan's cells are the assignment's
        for l in 0..3u32 {
            for p in 0..3 {
                let held = (0..10).filter(|&r| split[r] == p as i8 && s.row(r).contains(&l)).count() as u64;
                assert_eq!(plan.cells[l as usize * 3 + p], held);
            }
        }
    }

    #[test]
    fn coverage_repair_keeps_sole_positives() {
        // crafted: labels 0 and 1 have three positives each, on rows that
        // also carry them together; label 2 only where label 0 is alone.
        // Whatever the seed, the result has no missing cell that one swap
        // could fill without emptying another, and sizes stay exact.
        let rows: [&[i64]; 9] = [&[0, 1], &[0, 1], &[0, 2], &[1], &[2], &[2, 1], &[], &[0], &[]];
        let mut o = vec![0i64];
        let mut c = Vec::new();
        for r in rows {
            c.extend_from_slice(r);
            o.push(c.len() as i64);
        }
        let s = sets(&o, &c);
        for seed in 0..40 {
            for sizes in [[3u64, 3, 3], [5, 2, 2], [7, 1, 1], [4, 4, 1]] {
                let (part, plan) = assign_parts(&s, Ranker::new(RowKeys::Position, seed), &sizes).unwrap();
                for (p, &size) in sizes.iter().enumerate() {
                    assert_eq!(part.iter().filter(|&&x| x == p as u32).count() as u64, size);
                }
                assert!(!one_swap_helps(&s, &part, &sizes), "seed {seed}, sizes {sizes:?}: {part:?}");
                assert_eq!(plan.uncovered.is_empty(), missing_cells(&s, &part, &sizes).is_empty());
            }
        }
    }

    #[test]
    fn coverage_repair_on_random_small_sets() {
        // small random label sets, 3 parts: never a missing cell one swap could fill
        for salt in 0..300u64 {
            let n = 6 + (mix64(salt) % 20) as usize;
            let q = 1 + (mix64(salt ^ 7) % 5) as usize;
            let mut o = vec![0i64];
            let mut c = Vec::new();
            for r in 0..n {
                for l in 0..q {
                    if mix64((r * q + l) as u64 ^ (salt << 20)).is_multiple_of(3) {
                        c.push(l as i64);
                    }
                }
                o.push(c.len() as i64);
            }
            let s = LabelSets::new(Indices::I64(&o), Indices::I64(&c), None, Some(q)).unwrap();
            let small = 1 + (mix64(salt ^ 11) % 3);
            let sizes = [n as u64 - 2 * small, small, small];
            let (part, plan) = assign_parts(&s, Ranker::new(RowKeys::Position, salt), &sizes).unwrap();
            assert!(!one_swap_helps(&s, &part, &sizes), "salt {salt}: {o:?} {c:?} -> {part:?}");
            assert_eq!(plan.uncovered.is_empty(), missing_cells(&s, &part, &sizes).is_empty());
            // with ids, the rows reversed give the same parts (repair included)
            let ids: Vec<u64> = (0..n as u64).map(|i| mix64(i ^ salt)).collect();
            let (a, pa) = assign_parts(&s, Ranker::new(RowKeys::Hashed(&ids), salt), &sizes).unwrap();
            let mut ro = vec![0i64];
            let mut rc = Vec::new();
            for r in (0..n).rev() {
                rc.extend_from_slice(&c[o[r] as usize..o[r + 1] as usize]);
                ro.push(rc.len() as i64);
            }
            let rs = LabelSets::new(Indices::I64(&ro), Indices::I64(&rc), None, Some(q)).unwrap();
            let rids: Vec<u64> = ids.iter().rev().copied().collect();
            let (b, pb) = assign_parts(&rs, Ranker::new(RowKeys::Hashed(&rids), salt), &sizes).unwrap();
            assert_eq!(b.iter().rev().copied().collect::<Vec<_>>(), a, "salt {salt}");
            assert_eq!(pa, pb);
        }
    }

    #[test]
    fn kfold_coverage_repaired() {
        // four folds of two rows; labels 0 and 1 with four positives each,
        // label 2 with three (not required). Placement alone leaves label 1
        // out of a fold at seed 0; e.g. folds {4, 0}, {5, 6}, {3, 1}, {7, 2}
        // hold both labels in every fold.
        let rows: [&[i64]; 8] = [&[], &[1, 2], &[1, 2], &[0], &[0, 1], &[0, 1], &[], &[0, 2]];
        let mut o = vec![0i64];
        let mut c = Vec::new();
        for r in rows {
            c.extend_from_slice(r);
            o.push(c.len() as i64);
        }
        let s = sets(&o, &c);
        for seed in 0..40 {
            let (folds, plan) = multilabel_kfold(&s, Ranker::new(RowKeys::Position, seed), 4).unwrap();
            let part: Vec<u32> = folds.iter().map(|&f| f as u32).collect();
            assert!(!one_swap_helps(&s, &part, &plan.sizes), "seed {seed}: {folds:?}");
            assert_eq!(plan.uncovered.is_empty(), missing_cells(&s, &part, &plan.sizes).is_empty());
            if seed == 0 {
                assert!(plan.uncovered.is_empty(), "{folds:?} {plan:?}");
            }
        }
    }

    #[test]
    fn null_rows_left_out_empty_rows_fill() {
        let o = [0i64, 1, 1, 2, 3, 3, 4, 4];
        let c = [0i64, 0, 0, 0];
        let null = [false, false, true, false, false, false, false];
        let s = LabelSets::new(Indices::I64(&o), Indices::I64(&c), Some(&null), None).unwrap();
        assert_eq!((s.null_rows(), s.empty_rows()), (1, 3));
        let (folds, plan) = multilabel_kfold(&s, Ranker::new(RowKeys::Position, 0), 3).unwrap();
        assert_eq!(folds[2], -1);
        assert_eq!(plan.sizes, [2, 2, 2]);
        assert_eq!(plan.cells, [1, 1, 1]);
    }

    #[test]
    fn deterministic_and_row_order_free_with_ids() {
        let (o, c) = sample(500, 12, 2);
        let s = sets(&o, &c);
        let ids: Vec<u64> = (0..500u64).map(|i| mix64(i + 1000)).collect();
        let a = multilabel_kfold(&s, Ranker::new(RowKeys::Hashed(&ids), 5), 5).unwrap();
        assert_eq!(a, multilabel_kfold(&s, Ranker::new(RowKeys::Hashed(&ids), 5), 5).unwrap());
        let other = multilabel_kfold(&s, Ranker::new(RowKeys::Hashed(&ids), 6), 5).unwrap();
        assert_ne!(a.0, other.0);
        // the rows reversed, ids along with them
        let mut ro = vec![0i64];
        let mut rc = Vec::new();
        for r in (0..500).rev() {
            rc.extend_from_slice(&c[o[r] as usize..o[r + 1] as usize]);
            ro.push(rc.len() as i64);
        }
        let rids: Vec<u64> = ids.iter().rev().copied().collect();
        let b = multilabel_kfold(&sets(&ro, &rc), Ranker::new(RowKeys::Hashed(&rids), 5), 5).unwrap();
        let back: Vec<i16> = b.0.iter().rev().copied().collect();
        assert_eq!(back, a.0);
        assert_eq!(b.1, a.1);
    }

    #[test]
    fn thread_count_does_not_matter() {
        let (o, c) = sample(3000, 8, 3);
        let s = sets(&o, &c);
        let one = crate::parallel::sequential(|| multilabel_kfold(&s, Ranker::new(RowKeys::Position, 1), 4).unwrap());
        assert_eq!(one, multilabel_kfold(&s, Ranker::new(RowKeys::Position, 1), 4).unwrap());
    }

    #[test]
    fn kfold_sizes_and_labels() {
        let (o, c) = sample(1003, 20, 4);
        let s = sets(&o, &c);
        let (folds, plan) = multilabel_kfold(&s, Ranker::new(RowKeys::Position, 0), 5).unwrap();
        assert_eq!(plan.sizes, [201, 201, 201, 200, 200]);
        for f in 0..5 {
            assert_eq!(folds.iter().filter(|&&x| x == f as i16).count() as u64, plan.sizes[f]);
        }
        for l in 0..20 {
            let cells = &plan.cells[l * 5..l * 5 + 5];
            assert!(cells.iter().max().unwrap() - cells.iter().min().unwrap() <= 2, "label {l}: {cells:?}");
        }
    }

    #[test]
    fn set_stats_count_sets_and_pairs() {
        // {0, 1}, {1, 0}, {2}, {}, {0, 1, 2}
        let s = sets(&[0, 2, 4, 5, 5, 8], &[0, 1, 1, 0, 2, 2, 1, 0]);
        let st = set_stats(&s, 2);
        assert_eq!(st.distinct_sets, 4);
        assert_eq!(st.pairs, [(0, 1, 3), (0, 2, 1)]);
    }

    #[test]
    fn skewed_labels_have_their_share_in_every_fold() {
        // independent labels at skewed rates (50% down to 0.1%), 5 folds:
        // nearly every (label, fold) cell within one row of its share
        for (n, q) in [(20_000usize, 20usize), (5000, 60)] {
            let mut o = vec![0i64];
            let mut c = Vec::new();
            for r in 0..n {
                for l in 0..q {
                    let rate = 0.5 * (0.002f64).powf(l as f64 / (q - 1) as f64);
                    if (mix64((r * q + l) as u64 ^ 99) as f64 / u64::MAX as f64) < rate {
                        c.push(l as i64);
                    }
                }
                o.push(c.len() as i64);
            }
            let s = sets(&o, &c);
            let (_, plan) = multilabel_kfold(&s, Ranker::new(RowKeys::Position, 0), 5).unwrap();
            let mut within = 0;
            let mut total = 0;
            for l in 0..q {
                for p in 0..5 {
                    let share = plan.counts[l] as f64 * plan.sizes[p] as f64 / n as f64;
                    total += 1;
                    within += usize::from((plan.cells[l * 5 + p] as f64 - share).abs() < 1.0);
                }
            }
            assert!(within * 100 >= total * 99, "n {n}, q {q}: {within} of {total} cells within one row");
        }
    }

    #[test]
    fn bad_input() {
        let err = |o: &[i64], c: &[i64]| LabelSets::new(Indices::I64(o), Indices::I64(c), None, None).unwrap_err();
        assert!(matches!(err(&[0, 1], &[-1]), Error::InvalidData(m) if m.contains("negative")));
        assert!(matches!(err(&[0, 2, 1], &[0, 1]), Error::InvalidData(m) if m.contains("decrease")));
        assert!(matches!(err(&[0, 3], &[0, 1]), Error::InvalidData(m) if m.contains("only 2")));
        assert!(matches!(err(&[0, 2], &[1, 1]), Error::InvalidData(m) if m.contains("twice")));
        let s = sets(&[0, 1, 2], &[0, 0]);
        assert!(matches!(multilabel_kfold(&s, Ranker::new(RowKeys::Position, 0), 3), Err(Error::Infeasible(_))));
    }
}
