//! Seeded ranking of rows within their class: the mechanism behind the split,
//! k-fold, stratified sampling and under-sampling.
//!
//! Row `i` gets the rank key `(rank_hash(key_i, seed), i)`, where `key_i` is
//! its global position or the hash of its id. Within a class, rows are
//! ordered by that key, and per-class cut ranks divide them into parts (the
//! lowest go to part 0). A row's part depends only on the seed, its key, its
//! class and the class's cut ranks: not on the thread count, on chunking, or
//! (with ids) on row order.
//!
//! The cuts are found by selection, not sorting: a histogram of the top bits
//! of the hash per class (mergeable across threads, chunks or machines)
//! locates the bucket holding each cut, and only the rows of those buckets are
//! gathered and ordered.

use rayon::prelude::*;

use crate::alloc::{zeroed, Zero};
use crate::blocks::{fold_blocks, map_blocks};
use crate::hash::{rank_hash, seed_offset};
use crate::ids::NULL;
use crate::view::LabelView;

/// What a row's rank hash is computed from.
#[derive(Clone, Copy, Debug)]
pub enum RowKeys<'a> {
    /// The row's global position.
    Position,
    /// One 64-bit key per row (hashed ids).
    Hashed(&'a [u64]),
}

/// A row's full rank key: its hash, then its position to break (rare) ties.
type RankKey = (u64, u64);

/// Rank keys of rows under one seed.
#[derive(Clone, Copy)]
pub struct Ranker<'a> {
    keys: RowKeys<'a>,
    offset: u64,
}

impl<'a> Ranker<'a> {
    pub fn new(keys: RowKeys<'a>, seed: u64) -> Self {
        Ranker { keys, offset: seed_offset(seed) }
    }

    /// Rank `n_rows` rows by their position, or by `ids` (one key per row,
    /// see [`crate::row_keys`]), under `seed`.
    pub fn for_rows(ids: Option<&'a [u64]>, seed: u64, n_rows: usize) -> crate::Result<Self> {
        match ids {
            None => Ok(Ranker::new(RowKeys::Position, seed)),
            Some(k) if k.len() == n_rows => Ok(Ranker::new(RowKeys::Hashed(k), seed)),
            Some(k) => {
                Err(crate::Error::InvalidArgument(format!("ids has {} rows but the labels have {n_rows}", k.len())))
            }
        }
    }

    #[inline(always)]
    pub fn key(&self, row: usize) -> RankKey {
        let k = match self.keys {
            RowKeys::Position => row as u64,
            RowKeys::Hashed(h) => h[row],
        };
        (rank_hash(k, self.offset), row as u64)
    }
}

/// Hash buckets per class: `bits[c]` top bits of the hash, at `offset[c]`.
struct Buckets {
    offset: Vec<usize>,
    bits: Vec<u32>,
    total: usize,
}

impl Buckets {
    /// About 64 rows per bucket, at most 2^20 buckets per class.
    fn new(counts: &[u64]) -> Self {
        let mut offset = Vec::with_capacity(counts.len());
        let mut bits = Vec::with_capacity(counts.len());
        let mut total = 0;
        for &n in counts {
            let b = (n / 64).max(1).next_power_of_two().trailing_zeros().min(20);
            offset.push(total);
            bits.push(b);
            total += 1 << b;
        }
        Buckets { offset, bits, total }
    }

    #[inline(always)]
    fn of(&self, class: usize, h: u64) -> usize {
        let b = self.bits[class];
        self.offset[class] + if b == 0 { 0 } else { (h >> (64 - b)) as usize }
    }
}

/// Per class, the rank keys at each cut rank, ascending: a row is in part
/// `p` of its class when exactly `p` thresholds are at or below its key.
///
/// Hashes are uniform, so the key at rank `b` of `n` lies near the quantile
/// `b / n` of the hash space: one pass counts, per cut, the rows below a
/// window around that quantile (six standard deviations wide each side)
/// and gathers the rows inside it. If a cut falls outside its window (not
/// expected in practice), the exact bucket method below decides instead.
///
/// Each row is compared with its class's windows, so the windows serve
/// classes with few cuts (splits, samples, a k-fold of small k); with more
/// cuts the bucket method, whose work per row does not grow with them, is
/// used directly.
fn thresholds(view: &LabelView<'_>, ranker: Ranker<'_>, cuts: &[Vec<u64>]) -> Vec<Vec<RankKey>> {
    const MAX_WINDOWS_PER_CLASS: usize = 16;
    if cuts.iter().all(|c| c.len() <= MAX_WINDOWS_PER_CLASS) {
        if let Some(th) = thresholds_by_windows(view, ranker, cuts) {
            return th;
        }
    }
    thresholds_by_buckets(view, ranker, cuts)
}

/// A class's cuts reduced to the distinct ranks strictly inside it, and the
/// part of a row above exactly `j` of those: `parts[j]`, the number of the
/// original cuts at or below its rank. Cuts at 0 hold every row, cuts at or
/// past the class size none; repeated cuts (empty parts) collapse. So a
/// k-fold of a class smaller than `k` has at most as many thresholds as the
/// class has rows.
struct ClassCuts {
    inner: Vec<Vec<u64>>,
    parts: Vec<Vec<u32>>,
}

impl ClassCuts {
    fn new(counts: &[u64], cuts: &[Vec<u64>]) -> Self {
        let (mut inner, mut parts) = (Vec::with_capacity(cuts.len()), Vec::with_capacity(cuts.len()));
        for (class_cuts, &n) in cuts.iter().zip(counts) {
            let mut i: Vec<u64> = Vec::new();
            let mut p: Vec<u32> = vec![class_cuts.iter().take_while(|&&b| b == 0).count() as u32];
            for (at, &b) in class_cuts.iter().enumerate() {
                if b == 0 || b >= n {
                    continue;
                }
                // cuts ascend: this cut and every equal one after it are at or below rank b
                if i.last() == Some(&b) {
                    *p.last_mut().expect("one part per cut") = at as u32 + 1;
                } else {
                    i.push(b);
                    p.push(at as u32 + 1);
                }
            }
            inner.push(i);
            parts.push(p);
        }
        ClassCuts { inner, parts }
    }
}

/// A hash window around the expected position of one cut.
#[derive(Clone, Copy)]
struct Window {
    lo: u64,
    hi: u64,
}

fn window(rank: u64, n: u64) -> Window {
    let (q, nf) = (rank as f64 / n as f64, n as f64);
    let delta = 6.0 * (q * (1.0 - q) / nf).sqrt() + 2.0 / nf;
    let at = |x: f64| {
        if x <= 0.0 {
            0
        } else if x >= 1.0 {
            u64::MAX
        } else {
            (x * 18_446_744_073_709_551_616.0) as u64
        }
    };
    Window { lo: at(q - delta), hi: at(q + delta) }
}

fn thresholds_by_windows(view: &LabelView<'_>, ranker: Ranker<'_>, cuts: &[Vec<u64>]) -> Option<Vec<Vec<RankKey>>> {
    // windows of every proper cut, flattened; `start[c]..start[c + 1]` are class c's
    let mut windows = Vec::new();
    let mut start = vec![0u32; cuts.len() + 1];
    for (c, class_cuts) in cuts.iter().enumerate() {
        let n = view.counts[c];
        windows.extend(class_cuts.iter().filter(|&&b| b > 0 && b < n).map(|&b| window(b, n)));
        start[c + 1] = windows.len() as u32;
    }
    // per window: rows below it, and the rows inside it (window index, key)
    let (below, mut inside) = fold_blocks(
        view.ids(),
        || (vec![0u64; windows.len()], Vec::<(u32, RankKey)>::new()),
        |(below, inside), row, ids| {
            for (j, &c) in ids.iter().enumerate() {
                if c == NULL {
                    continue;
                }
                let c = c as usize;
                let (a, b) = (start[c] as usize, start[c + 1] as usize);
                if a == b {
                    continue;
                }
                let key = ranker.key(row + j);
                for (w, win) in windows[a..b].iter().enumerate() {
                    if key.0 < win.lo {
                        below[a + w] += 1;
                    } else if key.0 <= win.hi {
                        inside.push(((a + w) as u32, key));
                    }
                }
            }
        },
        |(mut b1, mut i1), (b2, mut i2)| {
            b1.iter_mut().zip(&b2).for_each(|(x, y)| *x += y);
            i1.append(&mut i2);
            (b1, i1)
        },
    );
    inside.par_sort_unstable();
    // where each window's rows begin in `inside`
    let mut first = vec![0usize; windows.len() + 1];
    for &(w, _) in &inside {
        first[w as usize + 1] += 1;
    }
    for w in 0..windows.len() {
        first[w + 1] += first[w];
    }
    let mut out = Vec::with_capacity(cuts.len());
    for (c, class_cuts) in cuts.iter().enumerate() {
        let n = view.counts[c];
        let mut w = start[c] as usize;
        let mut th = Vec::with_capacity(class_cuts.len());
        for &b in class_cuts {
            th.push(if b == 0 {
                (0, 0)
            } else if b >= n {
                (u64::MAX, u64::MAX)
            } else {
                let r = b.checked_sub(below[w])? as usize;
                let rows = &inside[first[w]..first[w + 1]];
                w += 1;
                rows.get(r)?.1
            });
        }
        out.push(th);
    }
    Some(out)
}

/// The exact method: a histogram of hash buckets per class locates each cut.
fn thresholds_by_buckets(view: &LabelView<'_>, ranker: Ranker<'_>, cuts: &[Vec<u64>]) -> Vec<Vec<RankKey>> {
    let buckets = Buckets::new(view.counts);
    // 1. how many rows fall in each bucket
    let hist = fold_blocks(
        view.ids(),
        || vec![0u64; buckets.total],
        |h, row, ids| {
            for (j, &c) in ids.iter().enumerate() {
                if c != NULL {
                    h[buckets.of(c as usize, ranker.key(row + j).0)] += 1;
                }
            }
        },
        |mut a, b| {
            a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
            a
        },
    );
    // 2. the bucket, and the rank inside it, of every cut
    let mut wanted = vec![false; buckets.total];
    let mut located: Vec<Vec<Option<(usize, u64)>>> = Vec::with_capacity(cuts.len());
    for (c, class_cuts) in cuts.iter().enumerate() {
        let n = view.counts[c];
        let range = buckets.offset[c]..buckets.offset[c] + (1usize << buckets.bits[c]);
        let mut out = Vec::with_capacity(class_cuts.len());
        let (mut bucket, mut below) = (range.start, 0u64);
        for &cut in class_cuts {
            if cut == 0 || cut >= n {
                out.push(None);
                continue;
            }
            // (`bucket` stays in the class's range even if the rows read now
            // disagree with the counts, as when another thread writes them)
            while bucket + 1 < range.end && below + hist[bucket] <= cut {
                below += hist[bucket];
                bucket += 1;
            }
            wanted[bucket] = true;
            out.push(Some((bucket, cut - below)));
        }
        located.push(out);
    }
    // 3. gather the rows of those buckets only, and order them
    let mut gathered = fold_blocks(
        view.ids(),
        Vec::new,
        |acc: &mut Vec<(usize, RankKey)>, row, ids| {
            for (j, &c) in ids.iter().enumerate() {
                if c != NULL {
                    let key = ranker.key(row + j);
                    let b = buckets.of(c as usize, key.0);
                    if wanted[b] {
                        acc.push((b, key));
                    }
                }
            }
        },
        |mut a, mut b| {
            a.append(&mut b);
            a
        },
    );
    gathered.par_sort_unstable();
    let mut start = vec![0usize; buckets.total];
    let mut at = 0;
    for (b, &w) in wanted.iter().enumerate() {
        if w {
            start[b] = at;
            at += hist[b] as usize;
        }
    }
    located
        .iter()
        .zip(cuts)
        .zip(view.counts)
        .map(|((loc, class_cuts), &n)| {
            loc.iter()
                .zip(class_cuts)
                .map(|(l, &cut)| match l {
                    Some((b, r)) => gathered.get(start[*b] + *r as usize).map_or((u64::MAX, u64::MAX), |g| g.1),
                    None if cut == 0 => (0, 0),
                    None => {
                        debug_assert!(cut >= n);
                        (u64::MAX, u64::MAX)
                    }
                })
                .collect()
        })
        .collect()
}

/// The part of every row: `part(p)` for a row in part `p` of its class,
/// `null` for rows without a label. `cuts[c]` are ascending ranks in `0..=n_c`.
pub fn rank_parts<T, P>(view: &LabelView<'_>, ranker: Ranker<'_>, cuts: &[Vec<u64>], null: T, part: P) -> Vec<T>
where
    T: Copy + Send + Sync + Zero,
    P: Fn(usize) -> T + Sync,
{
    let class_cuts = ClassCuts::new(view.counts, cuts);
    let th = thresholds(view, ranker, &class_cuts.inner);
    let mut out = zeroed(view.len());
    map_blocks(view.ids(), &mut out, |row, ids, out| {
        for (j, (&c, o)) in ids.iter().zip(out.iter_mut()).enumerate() {
            *o = match (th.get(c as usize), class_cuts.parts.get(c as usize)) {
                (Some(th), Some(parts)) => {
                    // thresholds ascend: the part follows from how many are at or below the key
                    let key = ranker.key(row + j);
                    part(parts[th.partition_point(|t| *t <= key)] as usize)
                }
                _ => null,
            };
        }
    });
    out
}

/// The rows of rank below `sizes[c]` in each class, sorted, in a single pass:
/// every row hashing below the top of its class's cut window is gathered, and
/// the lowest-ranked of those kept. Worth it when the windows are low, so few
/// rows are gathered (small samples, under-sampling); `None` when more than a
/// sixteenth of the rows would be (or, not expected in practice, when a cut
/// fell outside its window).
pub fn lowest_rows_one_pass(view: &LabelView<'_>, ranker: Ranker<'_>, sizes: &[u64]) -> Option<Vec<i64>> {
    // per class, the highest hash a kept row can have
    let mut hi = Vec::with_capacity(sizes.len());
    let mut expected = 0.0;
    for (&size, &n) in sizes.iter().zip(view.counts) {
        let top = if size == 0 {
            None
        } else if size >= n {
            Some(u64::MAX)
        } else {
            Some(window(size, n).hi)
        };
        expected += top.map_or(0.0, |h| n as f64 * (h as f64 / u64::MAX as f64));
        hi.push(top);
    }
    if expected > (view.total() as f64 / 16.0).max(65_536.0) {
        return None;
    }
    let mut gathered = fold_blocks(
        view.ids(),
        Vec::new,
        |acc: &mut Vec<(u32, RankKey)>, row, ids| {
            for (j, &c) in ids.iter().enumerate() {
                if let Some(Some(h)) = hi.get(c as usize) {
                    let key = ranker.key(row + j);
                    if key.0 <= *h {
                        acc.push((c, key));
                    }
                }
            }
        },
        |mut a, mut b| {
            a.append(&mut b);
            a
        },
    );
    gathered.par_sort_unstable();
    let mut rows = Vec::with_capacity(sizes.iter().sum::<u64>() as usize);
    let mut i = 0;
    for (c, &size) in sizes.iter().enumerate() {
        let begin = i;
        while i < gathered.len() && gathered[i].0 as usize == c {
            i += 1;
        }
        if ((i - begin) as u64) < size.min(view.counts[c]) {
            return None;
        }
        rows.extend(gathered[begin..begin + size as usize].iter().map(|&(_, (_, r))| r as i64));
    }
    rows.par_sort_unstable();
    Some(rows)
}

/// Sorted positions of the rows whose value satisfies `pred`.
pub fn positions<T: Sync>(values: &[T], pred: impl Fn(&T) -> bool + Sync) -> Vec<i64> {
    positions_by(values, 1, |v| pred(v).then_some(0)).pop().unwrap_or_default()
}

/// Sorted positions of the rows holding each value `0..n_values` (other
/// values skipped): `out[v]` lists the rows where `values[row] == v`.
pub fn positions_by_value(values: &[i8], n_values: usize) -> Vec<Vec<i64>> {
    positions_by(values, n_values, |&v| usize::try_from(v).ok().filter(|&v| v < n_values))
}

/// Rows grouped by `slot(value)`: one counting pass, then every piece of rows
/// writes its own stretch of each (exactly sized) output.
fn positions_by<T: Sync>(values: &[T], n_slots: usize, slot: impl Fn(&T) -> Option<usize> + Sync) -> Vec<Vec<i64>> {
    const PIECE: usize = 1 << 16;
    let counts: Vec<Vec<usize>> = values
        .par_chunks(PIECE)
        .map(|chunk| {
            let mut c = vec![0usize; n_slots];
            chunk.iter().filter_map(&slot).for_each(|v| c[v] += 1);
            c
        })
        .collect();
    let mut out: Vec<Vec<i64>> = (0..n_slots).map(|v| zeroed(counts.iter().map(|c| c[v]).sum())).collect();
    let mut stretches: Vec<Vec<&mut [i64]>> = (0..counts.len()).map(|_| Vec::with_capacity(n_slots)).collect();
    for (v, o) in out.iter_mut().enumerate() {
        let mut rest = o.as_mut_slice();
        for (p, c) in counts.iter().enumerate() {
            let (head, tail) = rest.split_at_mut(c[v]);
            stretches[p].push(head);
            rest = tail;
        }
    }
    values.par_chunks(PIECE).zip(stretches).enumerate().for_each(|(p, (chunk, mut outs))| {
        let mut at = vec![0usize; n_slots];
        for (j, v) in chunk.iter().enumerate() {
            if let Some(v) = slot(v) {
                outs[v][at[v]] = (p * PIECE + j) as i64;
                at[v] += 1;
            }
        }
    });
    out
}

/// Reorder row positions by their rank key: a seeded permutation that, like
/// the ranking, does not depend on row order when keys are ids.
pub fn shuffle(rows: &mut [i64], ranker: Ranker<'_>) {
    rows.par_sort_unstable_by_key(|&r| ranker.key(r as usize));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Chunk, Column, Ints, Labels};

    fn labels(v: &[i64]) -> Labels {
        Labels::new(&Column::Int(Ints::I64(vec![Chunk::new(v, None)]))).unwrap()
    }

    /// Oracle: rank rows of each class by full sort of their rank key.
    fn oracle(codes: &[u32], ranker: Ranker<'_>, cuts: &[Vec<u64>]) -> Vec<i32> {
        let mut by_class: Vec<Vec<(RankKey, usize)>> = vec![Vec::new(); cuts.len()];
        for (i, &c) in codes.iter().enumerate() {
            if c != NULL {
                by_class[c as usize].push((ranker.key(i), i));
            }
        }
        let mut out = vec![-1; codes.len()];
        for (c, rows) in by_class.iter_mut().enumerate() {
            rows.sort();
            for (rank, &(_, i)) in rows.iter().enumerate() {
                out[i] = cuts[c].iter().filter(|&&b| b <= rank as u64).count() as i32;
            }
        }
        out
    }

    #[test]
    fn parts_match_a_full_sort() {
        let values: Vec<i64> = (0..50_000).map(|i| (i * 7919 % 13) % 5 + if i % 97 == 0 { 10 } else { 0 }).collect();
        let l = labels(&values);
        let cuts: Vec<Vec<u64>> = l.counts.iter().map(|&n| vec![n / 5, n / 5 + n / 10, n]).collect();
        for seed in [0, 42] {
            let ranker = Ranker::new(RowKeys::Position, seed);
            let got = rank_parts(&l.view(), ranker, &cuts, -1, |p| p as i32);
            assert_eq!(got, oracle(&l.codes, ranker, &cuts));
        }
    }

    #[test]
    fn window_and_bucket_methods_agree() {
        let values: Vec<i64> = (0..30_000).map(|i| (i * 31 % 17) % 7).collect();
        let l = labels(&values);
        let cuts: Vec<Vec<u64>> = l.counts.iter().map(|&n| vec![0, 1, n / 3, n / 2, n - 1, n]).collect();
        let ranker = Ranker::new(RowKeys::Position, 9);
        let windows = thresholds_by_windows(&l.view(), ranker, &cuts).expect("cuts fall in their windows");
        assert_eq!(windows, thresholds_by_buckets(&l.view(), ranker, &cuts));
    }

    #[test]
    fn positions_by_value_matches_filtering() {
        let values: Vec<i8> = (0..200_000).map(|i| ((i * 7) % 5) as i8 - 1).collect();
        let got = positions_by_value(&values, 3);
        for (v, rows) in got.iter().enumerate() {
            assert_eq!(rows, &positions(&values, |&x| x == v as i8));
        }
    }

    #[test]
    fn one_pass_lowest_rows_match_the_parts() {
        let values: Vec<i64> = (0..40_000).map(|i| (i * 13 % 11) % 6).collect();
        let l = labels(&values);
        let sizes: Vec<u64> = l.counts.iter().enumerate().map(|(c, &n)| [0, 1, 5, n, 20, 2][c].min(n)).collect();
        let ranker = Ranker::new(RowKeys::Position, 5);
        let one_pass = lowest_rows_one_pass(&l.view(), ranker, &sizes).expect("small cuts");
        let cuts: Vec<Vec<u64>> = sizes.iter().map(|&s| vec![s]).collect();
        let parts = rank_parts(&l.view(), ranker, &cuts, false, |p| p == 0);
        assert_eq!(one_pass, positions(&parts, |&keep| keep));
    }

    #[test]
    fn many_and_repeated_cuts_match_a_full_sort() {
        // a k-fold of k = 40 (the bucket method) over classes larger and smaller than k
        let values: Vec<i64> = (0..20_000).map(|i| if i % 1000 == 0 { 7 } else { (i * 7919 % 13) % 3 }).collect();
        let l = labels(&values);
        let cuts: Vec<Vec<u64>> = l.counts.iter().map(|&n| (1..=40).map(|f| n * f / 40).collect()).collect();
        assert!(cuts.iter().any(|c| c.windows(2).any(|w| w[0] == w[1])), "some folds are empty");
        let ranker = Ranker::new(RowKeys::Position, 11);
        let got = rank_parts(&l.view(), ranker, &cuts, -1, |p| p as i32);
        assert_eq!(got, oracle(&l.codes, ranker, &cuts));
    }

    #[test]
    fn parts_of_tiny_classes() {
        let l = labels(&[5, 5, 6, 7, 7, 7]);
        let cuts = vec![vec![1], vec![0], vec![2, 3]];
        let ranker = Ranker::new(RowKeys::Position, 3);
        let got = rank_parts(&l.view(), ranker, &cuts, -1, |p| p as i32);
        assert_eq!(got, oracle(&l.codes, ranker, &cuts));
        assert_eq!(got.iter().filter(|&&p| p == 0).count(), 1 + 2);
    }
}
