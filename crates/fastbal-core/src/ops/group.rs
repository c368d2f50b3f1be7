//! Stratified splits that keep groups whole: train/valid/test and k-fold.
//!
//! Rows that share a group (a document, a customer, a patient) all land in
//! one split, or leakage between them inflates every score. The kernel reads
//! the group x class table (rows of each class in each group, compressed by
//! group), built in one pass over the rows that hands each labeled row to
//! its range of groups, then range by range in cache (all in parallel).
//! Groups are then placed one at a time, big ones first, ties in the order
//! of a seeded hash of the group's value; each goes to the split where it
//! most lowers the error between the rows every class has in every split
//! and its quota there (relative to the class size, so a 30-row class
//! counts as much as a 30,000-row one), plus the same error for the split
//! sizes. Two such greedy passes (two orders, two error measures) run side
//! by side, each followed by a pass that moves small groups to bring split
//! sizes to their targets; the one with the smaller mean per-class
//! deviation is kept.
//!
//! Cost: O(rows) to build the table, O(groups log groups) to order them and
//! O(nnz x splits) to place them, where nnz is the number of non-empty
//! (group, class) cells. The result depends only on the seed, the group
//! values and each group's class counts: not on row order, chunking or the
//! thread count.

use rayon::prelude::*;

use crate::exec::alloc::{zeroed, Zero};
use crate::exec::blocks::{cut_at, fold_groups, map_blocks};
use crate::factorize::sort::bucketed;
use crate::hash::{hash_bytes, rank_hash, seed_offset};
use crate::ops::split::plan_split;
use crate::simd::prefetch;
use crate::{Classes, Error, LabelView, Rare, Result, Size, NULL};

/// The 64-bit key of each group value, the same for a value whatever its
/// representation: integers are their two's complement bits, strings their
/// [`hash_bytes`] (as row ids in [`crate::row_keys()`]).
pub fn group_keys(groups: &Classes) -> Vec<u64> {
    match groups {
        Classes::Int(v) => v.iter().map(|&x| x as u64).collect(),
        Classes::UInt(v) => v.clone(),
        Classes::Str(v) => v.iter().map(|s| hash_bytes(s.as_bytes())).collect(),
    }
}

/// Rows of each class in each group, compressed by group: group `g`'s cells
/// are `class[start[g]..start[g + 1]]` (ascending) and the matching `rows`.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupTable {
    pub start: Vec<usize>,
    pub class: Vec<u32>,
    pub rows: Vec<u64>,
    /// Labeled rows per group.
    pub size: Vec<u64>,
}

impl GroupTable {
    /// Number of groups.
    pub fn n_groups(&self) -> usize {
        self.size.len()
    }

    /// Ask for the cells of a group placed a few ahead into the cache, when
    /// the groups are read in `upcoming` order (the first one now): the
    /// start of a farther group first, then the cells of a nearer one, whose
    /// start has arrived by then. A hint: it changes no result.
    #[inline(always)]
    fn prefetch_cells(&self, upcoming: &[u32]) {
        if let Some(&far) = upcoming.get(PREFETCH_FAR) {
            prefetch(&self.start[far as usize..far as usize + 1]);
        }
        if let Some(&near) = upcoming.get(PREFETCH_NEAR) {
            let at = self.start[near as usize];
            if let (Some(c), Some(r)) = (self.class.get(at..at + 1), self.rows.get(at..at + 1)) {
                prefetch(c);
                prefetch(r);
            }
        }
    }

    /// The cells of group `g`: `(class, rows)`.
    pub fn cells(&self, g: usize) -> impl Iterator<Item = (u32, u64)> + '_ {
        let r = self.start[g]..self.start[g + 1];
        self.class[r.clone()].iter().copied().zip(self.rows[r].iter().copied())
    }
}

/// How many groups ahead a group's data are asked into the cache, where
/// groups are read in an order of their own (each one a cache miss): its
/// start (or size and split) this far, its cells half as far.
const PREFETCH_FAR: usize = 32;
const PREFETCH_NEAR: usize = PREFETCH_FAR / 2;

/// A labeled row's group (its offset in its part's range of groups) and
/// class, packed in one word: the group in the high bits, the class in the
/// low `class_bits`. Words sort as `(group, class)` pairs do.
trait Pair: Copy + Send + Sync + Zero {
    fn pack(group: u32, class: u32, class_bits: u32) -> Self;
    fn group(self, class_bits: u32) -> usize;
    fn class(self, class_bits: u32) -> u32;
}

macro_rules! pair {
    ($($t:ty),*) => {$(
        impl Pair for $t {
            #[inline(always)]
            fn pack(group: u32, class: u32, class_bits: u32) -> Self {
                ((group as $t) << class_bits) | class as $t
            }
            #[inline(always)]
            fn group(self, class_bits: u32) -> usize {
                (self >> class_bits) as usize
            }
            #[inline(always)]
            fn class(self, class_bits: u32) -> u32 {
                (self & ((1 << class_bits) - 1)) as u32
            }
        }
    )*};
}
pair!(u32, u64);

/// At most this many parts (ranges of groups) the table is built in: each
/// stretch of rows writes to every part at once, and each part's groups and
/// rows are then worked on in cache.
const MAX_PARTS: usize = 64;

/// Build the group x class table of a column. `groups[row]` is the row's
/// group code in `0..n_groups`; rows without a label are left out.
pub fn group_table(view: &LabelView<'_>, groups: &[u32], n_groups: usize) -> Result<GroupTable> {
    if groups.len() != view.len() {
        return Err(Error::InvalidArgument(format!(
            "groups has {} rows but the labels have {}",
            groups.len(),
            view.len()
        )));
    }
    let shift = (n_groups.div_ceil(MAX_PARTS)).next_power_of_two().trailing_zeros();
    let class_bits = 32 - (view.n_classes().max(2) as u32 - 1).leading_zeros();
    // a u32 holds the pair with room to spare (its class mask is below 2^32)
    if shift + class_bits < 32 {
        build_table::<u32>(view, groups, n_groups, shift, class_bits)
    } else {
        build_table::<u64>(view, groups, n_groups, shift, class_bits)
    }
}

/// The bits of a class sorted in one counting pass.
const DIGIT_BITS: u32 = 11;

/// Stable counting sort of `items` into `out` (as long) by `key(item)` in
/// `0..buckets`; returns the items per bucket.
fn spread<P: Copy>(
    items: impl Iterator<Item = P> + Clone,
    out: &mut [P],
    buckets: usize,
    key: impl Fn(P) -> usize,
) -> Vec<usize> {
    let mut counts = vec![0usize; buckets];
    items.clone().for_each(|x| counts[key(x)] += 1);
    let mut next = Vec::with_capacity(buckets);
    let mut at = 0;
    for &k in &counts {
        next.push(at);
        at += k;
    }
    for x in items {
        let slot = &mut next[key(x)];
        out[*slot] = x;
        *slot += 1;
    }
    counts
}

/// [`group_table`] with each row's pair in a `P`: parts of `2^shift` groups,
/// classes of `class_bits` (at most 32).
fn build_table<P: Pair>(
    view: &LabelView<'_>,
    groups: &[u32],
    n_groups: usize,
    shift: u32,
    class_bits: u32,
) -> Result<GroupTable> {
    // 1. every labeled row's pair to its part, a range of groups (per
    //    stretch of rows, in parallel); rows without a group counted
    let parts = n_groups.div_ceil(1 << shift);
    let per_task = view.len() / rayon::current_num_threads().max(1) / parts.max(1) + 16;
    let local = (1u32 << shift) - 1;
    let scattered: Vec<(Vec<Vec<P>>, u64)> = fold_groups(
        view.ids(),
        || ((0..parts).map(|_| Vec::with_capacity(per_task)).collect::<Vec<_>>(), 0u64),
        |(buffers, missing), row, ids| {
            for (&c, &g) in ids.iter().zip(&groups[row..row + ids.len()]) {
                if (g as usize) >= n_groups {
                    *missing += 1;
                } else if c != NULL {
                    buffers[(g >> shift) as usize].push(P::pack(g & local, c, class_bits));
                }
            }
        },
    );
    let missing: u64 = scattered.iter().map(|(_, m)| m).sum();
    if missing > 0 {
        return Err(Error::InvalidData(format!(
            "groups have {missing} null rows; every row needs a group (fill them, e.g. with the row's own id)"
        )));
    }
    // 2. per part (in parallel, in cache): its pairs sorted (stable counting
    //    sorts by the class's digits, then by the group), then counted
    let mut size = vec![0u64; n_groups];
    let bounds: Vec<usize> = (0..=parts).map(|p| (p << shift).min(n_groups)).collect();
    let cells: Vec<(Vec<u32>, Vec<u64>, Vec<usize>)> = cut_at(&mut size, &bounds)
        .into_par_iter()
        .enumerate()
        .map(|(p, size)| {
            let n: usize = scattered.iter().map(|(buffers, _)| buffers[p].len()).sum();
            let (mut sorted, mut spare): (Vec<P>, Vec<P>) = (zeroed(n), zeroed(n));
            for (i, low) in (0..class_bits).step_by(DIGIT_BITS as usize).enumerate() {
                let width = (class_bits - low).min(DIGIT_BITS);
                let digit = |x: P| ((x.class(class_bits) >> low) & ((1 << width) - 1)) as usize;
                if i == 0 {
                    let pairs = scattered.iter().flat_map(|(buffers, _)| buffers[p].iter().copied());
                    spread(pairs, &mut spare, 1 << width, digit);
                } else {
                    spread(sorted.iter().copied(), &mut spare, 1 << width, digit);
                }
                std::mem::swap(&mut sorted, &mut spare);
            }
            let counts = spread(sorted.iter().copied(), &mut spare, size.len(), |x| x.group(class_bits));
            // each group's run of classes counted
            let (mut class, mut count) = (Vec::with_capacity(n), Vec::with_capacity(n));
            let mut start = Vec::with_capacity(size.len());
            let mut at = 0;
            for (m, &k) in size.iter_mut().zip(&counts) {
                *m = k as u64;
                start.push(class.len());
                let mut run = spare[at..at + k].iter().map(|&x| x.class(class_bits));
                at += k;
                if let Some(first) = run.next() {
                    let (mut c, mut r) = (first, 1u64);
                    for x in run {
                        if x == c {
                            r += 1;
                        } else {
                            class.push(c);
                            count.push(r);
                            (c, r) = (x, 1);
                        }
                    }
                    class.push(c);
                    count.push(r);
                }
            }
            (class, count, start)
        })
        .collect();
    drop(scattered);
    // 3. the parts' cells side by side (in parallel)
    let mut offsets = Vec::with_capacity(parts + 1);
    offsets.push(0);
    for (c, _, _) in &cells {
        offsets.push(offsets[offsets.len() - 1] + c.len());
    }
    let total = offsets[parts];
    let (mut class, mut rows): (Vec<u32>, Vec<u64>) = (zeroed(total), zeroed(total));
    let mut start: Vec<usize> = zeroed(n_groups + 1);
    start[n_groups] = total;
    cut_at(&mut class, &offsets)
        .into_par_iter()
        .zip(cut_at(&mut rows, &offsets))
        .zip(cut_at(&mut start[..n_groups], &bounds))
        .zip(cells.into_par_iter().zip(&offsets[..parts]))
        .for_each(|(((class, rows), start), ((c, n, s), &offset))| {
            class.copy_from_slice(&c);
            rows.copy_from_slice(&n);
            start.iter_mut().zip(s).for_each(|(to, from)| *to = offset + from);
        });
    Ok(GroupTable { start, class, rows, size })
}

/// Where every group went and how the splits came out.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupPlan {
    /// The split (or fold) of every group.
    pub split_of: Vec<u16>,
    /// `cells[c][s]`: rows of class `c` in split `s`.
    pub cells: Vec<Vec<u64>>,
    /// The rows asked for per split, rounded once.
    pub target: Vec<u64>,
    /// The rows each split received.
    pub sizes: Vec<u64>,
    /// Groups (with a labeled row) per split.
    pub groups: Vec<u64>,
    /// Classes whose rows lie in fewer groups than there are non-empty
    /// splits: they cannot appear in every split.
    pub lone_classes: Vec<u32>,
    /// Groups with more rows than the smallest non-empty split asks for,
    /// largest first: no placement can meet that split's size exactly.
    pub large_groups: Vec<u32>,
}

/// The order groups are placed in: both put big groups first, where a
/// misplaced group costs most; equal keys follow the seeded hash of the
/// group's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Order {
    /// Most rows first.
    Size,
    /// Most concentrated first: by the spread of the group's class counts
    /// (`classes x sum of squares - rows^2`, the variance of its class vector
    /// up to a factor), which ranks big single-class groups first and big
    /// mixed ones after them.
    Peak,
}

impl Order {
    /// The key group `g` is placed by, largest first.
    fn primary(self, table: &GroupTable, g: usize, n_classes: usize) -> u64 {
        let m = table.size[g];
        match self {
            Order::Size => m,
            Order::Peak => {
                let squares: u128 = table.cells(g).map(|(_, r)| r as u128 * r as u128).sum();
                let spread = (n_classes as u128 * squares).saturating_sub(m as u128 * m as u128);
                u64::try_from(spread).unwrap_or(u64::MAX)
            }
        }
    }
}

/// What a placement minimizes, summed over the classes of a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cost {
    /// The squared gap between rows and quota, per class and split, over
    /// the class size squared.
    Squared,
    /// The length of a class's gap vector over the splits, over the class
    /// size: closer to a mean over classes, which the squares overweight
    /// for classes far off.
    Norm,
}

/// The candidate placements tried (side by side); the one with the smallest
/// mean per-class deviation is kept. Each is a greedy pass of O(cells x
/// splits). Neither wins everywhere: on groups of one class, size order with
/// squared gaps tends to come out ahead; where groups mix classes, the
/// concentrated-first order with gap lengths.
const CANDIDATES: [(Order, Cost); 2] = [(Order::Size, Cost::Squared), (Order::Peak, Cost::Norm)];

/// A placement: the split of every group, rows per class per split, rows per split.
type Placement = (Vec<u16>, Vec<Vec<u64>>, Vec<u64>);

/// Place the groups of `table` over splits with the given target sizes
/// (rows; a zero target keeps the split empty).
///
/// Runs the greedy placement for every (order, cost) candidate and keeps the
/// one whose mean per-class deviation (see [`class_deviation`]) is smallest;
/// ties go to the smaller gap between split sizes and targets, then to the
/// first candidate.
pub fn place_groups(
    table: &GroupTable,
    counts: &[u64],
    target: &[u64],
    share: &[f64],
    keys: &[u64],
    seed: u64,
) -> GroupPlan {
    let tried: Vec<Placement> = CANDIDATES
        .par_iter()
        .map(|&(order, cost)| {
            let aim = Aim { counts, target, share };
            let (mut split_of, placed) = place(table, aim, keys, seed, order, cost);
            let (mut cells, mut sizes) = tally(table, counts.len(), target.len(), &split_of);
            rebalance(table, aim, &placed, &mut split_of, &mut cells, &mut sizes);
            fill_empty(table, target, &placed, &mut split_of, &mut cells, &mut sizes);
            (split_of, cells, sizes)
        })
        .collect();
    let score = |(_, cells, sizes): &Placement| {
        let dev = class_deviation(cells, counts, share);
        let mean = dev.iter().sum::<f64>() / dev.len().max(1) as f64;
        let size_gap: u64 = sizes.iter().zip(target).map(|(&a, &b)| a.abs_diff(b)).sum();
        (mean, size_gap)
    };
    let mut best = 0;
    for i in 1..tried.len() {
        let (a, b) = (score(&tried[i]), score(&tried[best]));
        if a.0 < b.0 || (a.0 == b.0 && a.1 < b.1) {
            best = i;
        }
    }
    let (split_of, cells, sizes) = tried.into_iter().nth(best).expect("at least one candidate");
    summarize(table, counts.len(), target, split_of, cells, sizes)
}

/// Per class, the largest gap over the splits between the share of the
/// class's rows in a split and the share of all rows asked for it.
pub fn class_deviation(cells: &[Vec<u64>], counts: &[u64], share: &[f64]) -> Vec<f64> {
    cells
        .iter()
        .zip(counts)
        .map(|(cell, &nc)| {
            let nc = nc.max(1) as f64;
            cell.iter().zip(share).map(|(&r, &p)| (r as f64 / nc - p).abs()).fold(0.0, f64::max)
        })
        .collect()
}

/// What a placement aims at: rows per class, and rows and shares per split.
#[derive(Clone, Copy)]
struct Aim<'a> {
    counts: &'a [u64],
    target: &'a [u64],
    share: &'a [f64],
}

/// One greedy placement: the split of every group, and the order the groups
/// with a labeled row were placed in.
fn place(table: &GroupTable, aim: Aim<'_>, keys: &[u64], seed: u64, order: Order, cost: Cost) -> (Vec<u16>, Vec<u32>) {
    let Aim { counts, target, share } = aim;
    let s_n = target.len();
    let n: u64 = counts.iter().sum();
    let nf = n.max(1) as f64;
    let active: Vec<usize> = (0..s_n).filter(|&s| target[s] > 0).collect();
    // rows minus quota, per class and split (`dev[c * s_n + s]`), and per split
    let mut dev: Vec<f64> = counts.iter().flat_map(|&nc| share.iter().map(move |&p| -(nc as f64) * p)).collect();
    let mut dev_size: Vec<f64> = target.iter().map(|&t| -(t as f64)).collect();
    // per class: the sum of its squared gaps over the splits (for `Cost::Norm`)
    let mut sq: Vec<f64> = (0..counts.len()).map(|c| active.iter().map(|&s| dev[c * s_n + s].powi(2)).sum()).collect();
    let inv: Vec<f64> = counts.iter().map(|&nc| 1.0 / nc.max(1) as f64).collect();
    let inv_size = 1.0 / nf;

    let groups = placement_order(table, keys, seed, order, counts.len());
    let mut split_in_order = vec![0u16; groups.len()];
    let mut score = vec![0.0f64; s_n];
    for (i, &g) in groups.iter().enumerate() {
        table.prefetch_cells(&groups[i..]);
        let span = table.start[g as usize]..table.start[g as usize + 1];
        let (classes, rows) = (&table.class[span.clone()], &table.rows[span]);
        let cells = || classes.iter().zip(rows).map(|(&c, &r)| (c, r));
        let m: f64 = rows.iter().map(|&r| r as f64).sum();
        for &s in &active {
            // the split sizes always count as squares: one more "class" of all rows
            score[s] = inv_size * inv_size * m * (2.0 * dev_size[s] + m);
        }
        for (c, r) in cells() {
            let (c, r) = (c as usize, r as f64);
            let d = &dev[c * s_n..(c + 1) * s_n];
            match cost {
                Cost::Squared => {
                    let w = inv[c] * inv[c] * r;
                    for &s in &active {
                        score[s] += w * (2.0 * d[s] + r);
                    }
                }
                Cost::Norm => {
                    let now = sq[c].max(0.0).sqrt();
                    for &s in &active {
                        score[s] += inv[c] * ((sq[c] + r * (2.0 * d[s] + r)).max(0.0).sqrt() - now);
                    }
                }
            }
        }
        // the lowest score; ties to the split with most room left, then the first
        let best = active
            .iter()
            .copied()
            .min_by(|&a, &b| score[a].total_cmp(&score[b]).then(dev_size[a].total_cmp(&dev_size[b])).then(a.cmp(&b)));
        let Some(best) = best else { break };
        split_in_order[i] = best as u16;
        dev_size[best] += m;
        for (c, r) in cells() {
            let (c, r) = (c as usize, r as f64);
            let d = &mut dev[c * s_n + best];
            sq[c] += r * (2.0 * *d + r);
            *d += r;
        }
    }
    let mut split_of = vec![active.first().copied().unwrap_or(0) as u16; table.n_groups()];
    for (&g, &s) in groups.iter().zip(&split_in_order) {
        split_of[g as usize] = s;
    }
    (split_of, groups)
}

/// The groups with a labeled row in the order they are placed: descending
/// primary (see [`Order`]), then ascending seeded hash of the group's key,
/// then ascending group.
///
/// Sorted (in parallel) as one radix word per group, which never decreases
/// along that order: the primary's offset from the smallest in the top
/// bits, as many as its range needs, the hash's leading bits below. Groups
/// whose words tie (the same primary and leading hash bits: rare unless the
/// primaries span the whole word) are ordered by the whole hash, then the
/// group.
fn placement_order(table: &GroupTable, keys: &[u64], seed: u64, order: Order, n_classes: usize) -> Vec<u32> {
    let offset = seed_offset(seed);
    // (descending primary as an ascending word, group), for groups with a labeled row
    let mut items: Vec<(u64, u32)> = (0..table.n_groups() as u32)
        .into_par_iter()
        .map(|g| (u64::MAX - order.primary(table, g as usize, n_classes), g))
        .collect();
    if table.size.contains(&0) {
        items.retain(|&(_, g)| table.size[g as usize] > 0);
    }
    let (lo, hi) = items.iter().fold((u64::MAX, 0), |(lo, hi), &(p, _)| (lo.min(p), hi.max(p)));
    let bits = 64 - hi.saturating_sub(lo).leading_zeros();
    let hash = |g: u32| rank_hash(keys[g as usize], offset);
    items.par_iter_mut().for_each(|(word, g)| {
        *word = (*word - lo).checked_shl(64 - bits).unwrap_or(0) | hash(*g).checked_shr(bits).unwrap_or(0);
    });
    let sorted = bucketed(items, &|&(word, _): &(u64, u32)| word, &|a: &(u64, u32), b: &(u64, u32)| {
        a.0.cmp(&b.0).then_with(|| (hash(a.1), a.1).cmp(&(hash(b.1), b.1)))
    });
    sorted.into_iter().map(|(_, g)| g).collect()
}

/// Bring split sizes closer to their targets after a greedy placement: the
/// groups, last placed (smallest) first, move from a split over its target
/// to one under it when that narrows the size gaps and leaves no class of
/// the group further from its shares. The mean per-class deviation never
/// grows; sizes that the greedy pass left a few rows apart (its class terms
/// outweigh the size term) come out as close as the groups allow.
fn rebalance(
    table: &GroupTable,
    aim: Aim<'_>,
    placed: &[u32],
    split_of: &mut [u16],
    cells: &mut [Vec<u64>],
    sizes: &mut [u64],
) {
    let Aim { counts, target, share } = aim;
    let gap = |size: u64, s: usize| size.abs_diff(target[s]);
    let class_dev = |cell: &[u64], c: usize| -> f64 {
        let nc = counts[c].max(1) as f64;
        cell.iter().zip(share).map(|(&r, &p)| (r as f64 / nc - p).abs()).fold(0.0, f64::max)
    };
    for (i, &g) in placed.iter().enumerate().rev() {
        if let Some(&far) = placed.get(i.wrapping_sub(PREFETCH_FAR)) {
            prefetch(&split_of[far as usize..far as usize + 1]);
            prefetch(&table.size[far as usize..far as usize + 1]);
        }
        let g = g as usize;
        let (a, m) = (split_of[g] as usize, table.size[g]);
        if sizes[a] <= target[a] {
            continue;
        }
        let mut best: Option<(u64, usize)> = None;
        for b in (0..target.len()).filter(|&b| b != a && target[b] > 0 && sizes[b] < target[b]) {
            let before = gap(sizes[a], a) + gap(sizes[b], b);
            let after = gap(sizes[a] - m, a) + gap(sizes[b] + m, b);
            if after >= before || best.is_some_and(|(gain, _)| gain >= before - after) {
                continue;
            }
            let widens = table.cells(g).any(|(c, r)| {
                let c = c as usize;
                let mut moved = cells[c].clone();
                moved[a] -= r;
                moved[b] += r;
                class_dev(&moved, c) > class_dev(&cells[c], c) + 1e-12
            });
            if !widens {
                best = Some((before - after, b));
            }
        }
        if let Some((_, b)) = best {
            split_of[g] = b as u16;
            sizes[a] -= m;
            sizes[b] += m;
            for (c, r) in table.cells(g) {
                cells[c as usize][a] -= r;
                cells[c as usize][b] += r;
            }
        }
    }
}

/// Give every split with a target a group: while one has none and another
/// holds two or more, the split holding the most groups (the first of
/// equals) hands over its smallest group (the last placed of equals). The
/// greedy pass can leave a split empty when a few large groups fill the
/// others past their targets.
fn fill_empty(
    table: &GroupTable,
    target: &[u64],
    placed: &[u32],
    split_of: &mut [u16],
    cells: &mut [Vec<u64>],
    sizes: &mut [u64],
) {
    // every placed group has a labeled row: a split holds none if it holds no row
    if (0..target.len()).all(|s| target[s] == 0 || sizes[s] > 0) {
        return;
    }
    let mut held = vec![0usize; target.len()];
    placed.iter().for_each(|&g| held[split_of[g as usize] as usize] += 1);
    while let Some(empty) = (0..target.len()).find(|&s| target[s] > 0 && held[s] == 0) {
        let donor = (0..target.len()).fold(0, |best, s| if held[s] > held[best] { s } else { best });
        if held[donor] < 2 {
            return;
        }
        let g = placed
            .iter()
            .rev()
            .copied()
            .filter(|&g| split_of[g as usize] as usize == donor)
            .min_by_key(|&g| table.size[g as usize])
            .expect("the donor holds groups") as usize;
        split_of[g] = empty as u16;
        held[donor] -= 1;
        held[empty] += 1;
        sizes[donor] -= table.size[g];
        sizes[empty] += table.size[g];
        for (c, r) in table.cells(g) {
            cells[c as usize][donor] -= r;
            cells[c as usize][empty] += r;
        }
    }
}

/// Rows per class per split, and rows per split, of a placement.
fn tally(table: &GroupTable, n_classes: usize, s_n: usize, split_of: &[u16]) -> (Vec<Vec<u64>>, Vec<u64>) {
    let mut cells = vec![vec![0u64; s_n]; n_classes];
    let mut sizes = vec![0u64; s_n];
    for g in 0..table.n_groups() {
        let s = split_of[g] as usize;
        sizes[s] += table.size[g];
        for (c, r) in table.cells(g) {
            cells[c as usize][s] += r;
        }
    }
    (cells, sizes)
}

/// The plan of a placement, with what the summary reports.
fn summarize(
    table: &GroupTable,
    n_classes: usize,
    target: &[u64],
    split_of: Vec<u16>,
    cells: Vec<Vec<u64>>,
    sizes: Vec<u64>,
) -> GroupPlan {
    let active = target.iter().filter(|&&t| t > 0).count() as u64;
    let mut groups = vec![0u64; target.len()];
    let mut groups_of_class = vec![0u64; n_classes];
    for g in 0..table.n_groups() {
        if table.size[g] > 0 {
            groups[split_of[g] as usize] += 1;
            table.cells(g).for_each(|(c, _)| groups_of_class[c as usize] += 1);
        }
    }
    let lone_classes = (0..n_classes as u32).filter(|&c| groups_of_class[c as usize] < active).collect();
    let smallest = target.iter().copied().filter(|&t| t > 0).min().unwrap_or(0);
    let mut large_groups: Vec<u32> =
        (0..table.n_groups() as u32).filter(|&g| table.size[g as usize] > smallest).collect();
    large_groups.sort_by_key(|&g| (std::cmp::Reverse(table.size[g as usize]), g));
    GroupPlan { split_of, cells, target: target.to_vec(), sizes, groups, lone_classes, large_groups }
}

/// Plan a train/valid/test split that keeps groups whole. Sizes are read as
/// in [`plan_split`]: fractions of the labeled rows or row counts. Splits
/// are indexed train, valid, test.
pub fn plan_group_split(
    table: &GroupTable,
    counts: &[u64],
    test: Size,
    valid: Size,
    keys: &[u64],
    seed: u64,
) -> Result<GroupPlan> {
    let n: u64 = counts.iter().sum();
    // the global sizes, exactly as the row split would ask for them
    let target = plan_split(&[n], test, valid, Rare::Train)?.target;
    // the shares asked for: the fractions, or the row counts over the rows
    let share: Vec<f64> = match (test, valid) {
        (Size::Fraction(t), Size::Fraction(v)) => vec![1.0 - t - v, v, t],
        _ => target.iter().map(|&t| t as f64 / n.max(1) as f64).collect(),
    };
    Ok(place_groups(table, counts, &target, &share, keys, seed))
}

/// Plan `k` folds that keep groups whole: every class aims at `1 / k` of
/// its rows per fold, fold sizes at `n / k` rows (the first `n % k` folds
/// one more).
pub fn plan_group_kfold(table: &GroupTable, counts: &[u64], k: usize, keys: &[u64], seed: u64) -> Result<GroupPlan> {
    if !(2..=i16::MAX as usize).contains(&k) {
        return Err(Error::InvalidArgument(format!("k must be between 2 and {}; got {k}", i16::MAX)));
    }
    let filled = table.size.iter().filter(|&&s| s > 0).count();
    if filled < k {
        return Err(Error::Infeasible(format!(
            "cannot make {k} folds out of {filled} groups with a labeled row; every fold needs a group"
        )));
    }
    let n: u64 = counts.iter().sum();
    let target: Vec<u64> = (0..k as u64).map(|f| n / k as u64 + u64::from(f < n % k as u64)).collect();
    Ok(place_groups(table, counts, &target, &vec![1.0 / k as f64; k], keys, seed))
}

/// The split of every row under a plan: `code(split)`, or `null` for rows
/// without a label.
pub fn assign_groups<T, F>(view: &LabelView<'_>, groups: &[u32], plan: &GroupPlan, null: T, code: F) -> Vec<T>
where
    T: Copy + Send + Sync + Zero,
    F: Fn(u16) -> T + Sync,
{
    let mut out = zeroed(view.len());
    map_blocks(view.ids(), &mut out, |row, ids, out| {
        for ((o, &c), &g) in out.iter_mut().zip(ids).zip(&groups[row..row + ids.len()]) {
            *o = if c == NULL { null } else { code(plan.split_of[g as usize]) };
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Chunk, Column, Ints, Labels};

    fn labels(v: &[i64]) -> Labels {
        Labels::new(&Column::Int(Ints::I64(vec![Chunk::new(v, None)]))).unwrap()
    }

    /// Labels and group values of a synthetic column: groups of 1-12 rows,
    /// each mostly of one class, classes from large to tiny.
    fn synthetic(n_groups: usize, seed: u64) -> (Vec<i64>, Vec<i64>) {
        let (mut y, mut g) = (Vec::new(), Vec::new());
        let mut h = seed;
        let mut next = || {
            h = crate::hash::mix64(h.wrapping_add(0x9e37_79b9_7f4a_7c15));
            h
        };
        for group in 0..n_groups {
            let size = 1 + next() % 12;
            let main = (next() % 64).trailing_zeros() as i64; // class 0 half the groups, 1 a quarter, ...
            for _ in 0..size {
                let class = if next() % 5 == 0 { (next() % 7) as i64 } else { main };
                y.push(class);
                g.push(group as i64 * 7919 + 13); // sparse group values
            }
        }
        (y, g)
    }

    fn plan_for(y: &[i64], g: &[i64], seed: u64, k: Option<usize>) -> (Labels, Labels, GroupPlan) {
        let (l, gl) = (labels(y), labels(g));
        let table = group_table(&l.view(), &gl.codes, gl.n_classes()).unwrap();
        let keys = group_keys(&gl.classes);
        let plan = match k {
            Some(k) => plan_group_kfold(&table, &l.counts, k, &keys, seed).unwrap(),
            None => plan_group_split(&table, &l.counts, Size::Fraction(0.2), Size::Fraction(0.1), &keys, seed).unwrap(),
        };
        (l, gl, plan)
    }

    #[test]
    fn table_counts_classes_per_group() {
        let l = labels(&[1, 2, 1, 1, 3, 2]);
        let groups = [1u32, 0, 1, 0, 2, 1];
        let t = group_table(&l.view(), &groups, 3).unwrap();
        assert_eq!(t.size, [2, 3, 1]);
        let cells: Vec<Vec<(u32, u64)>> = (0..3).map(|g| t.cells(g).collect()).collect();
        assert_eq!(cells, [vec![(0, 1), (1, 1)], vec![(0, 2), (1, 1)], vec![(2, 1)]]);
    }

    #[test]
    fn table_of_many_groups_equals_a_plain_count() {
        // 5,003 groups: parts of 128 groups, the last one short
        let n_groups = 5_003u64;
        let rows = 200_000u64;
        let y: Vec<i64> = (0..rows).map(|i| (crate::hash::mix64(i) % 9) as i64).collect();
        let groups: Vec<u32> = (0..rows).map(|i| (crate::hash::mix64(i ^ 0xfeed) % n_groups) as u32).collect();
        let l = labels(&y);
        let t = group_table(&l.view(), &groups, n_groups as usize).unwrap();
        let mut want = std::collections::BTreeMap::new();
        for (&c, &g) in l.codes.iter().zip(&groups) {
            *want.entry((g, c)).or_insert(0u64) += 1;
        }
        let got: Vec<((u32, u32), u64)> =
            (0..n_groups as usize).flat_map(|g| t.cells(g).map(move |(c, r)| ((g as u32, c), r))).collect();
        assert_eq!(got, want.into_iter().collect::<Vec<_>>());
        assert_eq!(t.size.iter().sum::<u64>(), rows);
        // pairs packed in 64 bits (many groups of many classes) build the same table
        assert_eq!(build_table::<u64>(&l.view(), &groups, n_groups as usize, 7, 4).unwrap(), t);
        assert_eq!(build_table::<u64>(&l.view(), &groups, n_groups as usize, 7, 32).unwrap(), t);
        let mut past = groups.clone();
        past[rows as usize - 1] = n_groups as u32; // a code past the groups: no group
        assert!(group_table(&l.view(), &past, n_groups as usize).is_err());
    }

    #[test]
    fn placement_order_equals_a_plain_sort() {
        // primaries of few values, one value, spread over 40 bits and
        // saturating the word; keys that repeat (string keys can share a
        // hash); some groups empty
        let cases = [
            (7u64, Order::Size),
            (1, Order::Size),
            (1 << 40, Order::Size),
            (1 << 20, Order::Peak),
            (1 << 36, Order::Peak),
        ];
        for (spread, order) in cases {
            let n = 100_000u64;
            let size: Vec<u64> =
                (0..n).map(|g| if g % 97 == 5 { 0 } else { 1 + crate::hash::mix64(g) % spread }).collect();
            // every group's rows in two classes
            let (mut start, mut class, mut rows) = (vec![0], Vec::new(), Vec::new());
            for &m in &size {
                for (c, r) in [(0, m.div_ceil(2)), (1, m / 2)] {
                    if r > 0 {
                        class.push(c);
                        rows.push(r);
                    }
                }
                start.push(class.len());
            }
            let table = GroupTable { start, class, rows, size };
            let keys: Vec<u64> = (0..n).map(|g| crate::hash::mix64(g ^ 99) % 60_000).collect();
            let mut want: Vec<u32> = (0..n as u32).filter(|&g| table.size[g as usize] > 0).collect();
            want.sort_by_key(|&g| {
                let p = order.primary(&table, g as usize, 3);
                (std::cmp::Reverse(p), rank_hash(keys[g as usize], seed_offset(5)), g)
            });
            assert_eq!(placement_order(&table, &keys, 5, order, 3), want, "{order:?} spread {spread}");
        }
    }

    #[test]
    fn table_refuses_missing_groups_and_length_mismatch() {
        let l = labels(&[1, 2, 1]);
        let err = group_table(&l.view(), &[0, NULL, 1], 2).unwrap_err();
        assert!(matches!(err, Error::InvalidData(m) if m.contains("1 null rows")));
        assert!(matches!(group_table(&l.view(), &[0, 1], 2), Err(Error::InvalidArgument(_))));
    }

    #[test]
    fn groups_stay_whole_and_shares_are_close() {
        let (y, g) = synthetic(5_000, 1);
        let (l, gl, plan) = plan_for(&y, &g, 42, None);
        let assignment = assign_groups(&l.view(), &gl.codes, &plan, -1i8, |s| s as i8);
        // one split per group
        let mut seen = vec![-1i8; gl.n_classes()];
        for (&a, &gc) in assignment.iter().zip(&gl.codes) {
            assert!(seen[gc as usize] == -1 || seen[gc as usize] == a);
            seen[gc as usize] = a;
        }
        let n = y.len() as f64;
        assert_eq!(plan.sizes.iter().sum::<u64>(), y.len() as u64);
        for (s, p) in [0.7, 0.1, 0.2].iter().enumerate() {
            assert!((plan.sizes[s] as f64 / n - p).abs() < 0.002, "split {s}: {:?}", plan.sizes);
        }
        // every class with thousands of rows within half a percent of its share
        for (c, cell) in plan.cells.iter().enumerate() {
            let nc = l.counts[c] as f64;
            if nc >= 2_000.0 {
                for (s, p) in [0.7, 0.1, 0.2].iter().enumerate() {
                    assert!((cell[s] as f64 / nc - p).abs() < 0.005, "class {c} split {s}: {cell:?}");
                }
            }
        }
    }

    #[test]
    fn kfold_places_every_group_once_with_balanced_folds() {
        let (y, g) = synthetic(3_000, 2);
        let (l, gl, plan) = plan_for(&y, &g, 7, Some(5));
        let folds = assign_groups(&l.view(), &gl.codes, &plan, -1i16, |s| s as i16);
        assert!(folds.iter().all(|&f| (0..5).contains(&f)));
        let n = y.len() as f64;
        for f in 0..5 {
            assert!((plan.sizes[f] as f64 / n - 0.2).abs() < 0.002, "{:?}", plan.sizes);
            assert!(plan.groups[f] > 0);
        }
    }

    #[test]
    fn row_order_does_not_matter() {
        let (y, g) = synthetic(2_000, 3);
        let (_, gl, plan) = plan_for(&y, &g, 11, None);
        // shuffle the rows: same split per group value
        let mut perm: Vec<usize> = (0..y.len()).collect();
        perm.sort_by_key(|&i| crate::hash::mix64(i as u64 ^ 0xabcd));
        let y2: Vec<i64> = perm.iter().map(|&i| y[i]).collect();
        let g2: Vec<i64> = perm.iter().map(|&i| g[i]).collect();
        let (_, gl2, plan2) = plan_for(&y2, &g2, 11, None);
        assert_eq!(gl.classes, gl2.classes);
        assert_eq!(plan.split_of, plan2.split_of);
        assert_eq!(plan.cells, plan2.cells);
        // another seed places groups differently
        let (_, _, plan3) = plan_for(&y, &g, 12, None);
        assert_ne!(plan.split_of, plan3.split_of);
    }

    #[test]
    fn lone_classes_and_large_groups_are_reported() {
        // class 9 lives in one group; group 0 holds half the rows
        let mut y = vec![0i64; 50];
        let mut g: Vec<i64> = vec![0; 50];
        for i in 0..50 {
            y.push((i % 2) as i64);
            g.push(1 + i as i64);
        }
        y.push(9);
        g.push(77);
        let (l, gl, plan) = plan_for(&y, &g, 0, None);
        let class9 = l.classes.len() - 1;
        assert_eq!(plan.lone_classes, [class9 as u32]);
        let group0 = 0u32; // value 0 sorts first
        assert_eq!(plan.large_groups, [group0]);
        assert_eq!(gl.counts[0], 50);
        // the big group goes to train, the largest split
        assert_eq!(plan.split_of[0], 0);
    }

    #[test]
    fn one_row_groups_give_folds_within_one_row() {
        // 890, 100 and 10 rows of three classes, every row its own group
        let y: Vec<i64> = [(0, 890), (4, 100), (1, 10)].iter().flat_map(|&(c, n)| vec![c; n]).collect();
        let g: Vec<i64> = (0..y.len() as i64).collect();
        for k in 4..=10 {
            for seed in [0, 1] {
                let (l, _, plan) = plan_for(&y, &g, seed, Some(k));
                let (lo, hi) = (plan.sizes.iter().min().unwrap(), plan.sizes.iter().max().unwrap());
                assert!(hi - lo <= 1, "k={k} seed={seed}: {:?}", plan.sizes);
                for (c, cell) in plan.cells.iter().enumerate() {
                    let q = l.counts[c] as f64 / k as f64;
                    assert!(cell.iter().all(|&r| (r as f64 - q).abs() < 1.0), "k={k} class {c}: {cell:?}");
                }
            }
        }
    }

    #[test]
    fn string_and_integer_group_keys() {
        let keys = group_keys(&Classes::Str(vec!["a".into(), "b".into()]));
        assert_eq!(keys, [hash_bytes(b"a"), hash_bytes(b"b")]);
        assert_eq!(group_keys(&Classes::Int(vec![-1, 5])), [u64::MAX, 5]);
    }

    #[test]
    fn kfold_gives_every_fold_a_group() {
        // the greedy pass fills five folds past their targets with the
        // group of ten rows and four more, and leaves the sixth empty
        let mut y = vec![0i64; 10];
        y.push(1);
        y.extend([0; 4]);
        let g = [-26, 85, 11, 85, -100, 11, 85, 11, 85, 85, 48, 85, 85, 85, -63];
        let (_, _, plan) = plan_for(&y, &g, 0, Some(6));
        assert_eq!(plan.groups, vec![1; 6], "sizes {:?}", plan.sizes);
        assert!(plan.sizes.iter().all(|&s| s > 0));
        assert_eq!(plan.sizes.iter().sum::<u64>(), 15);
    }

    #[test]
    fn kfold_needs_k_groups() {
        let l = labels(&[1, 2, 1, 2]);
        let t = group_table(&l.view(), &[0, 0, 1, 1], 2).unwrap();
        let err = plan_group_kfold(&t, &l.counts, 3, &[0, 1], 0).unwrap_err();
        assert!(matches!(err, Error::Infeasible(m) if m.contains("2 groups")));
    }
}
