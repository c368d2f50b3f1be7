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
use crate::blocks::{fold_blocks, map_blocks, map_fold_blocks, BLOCK};
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

    /// The rank hashes (first halves of the rank keys) of rows
    /// `row..row + out.len()`: a vectorizable loop, run with AVX-512 where
    /// the CPU has it (chosen at run time; the hashes are the same either way).
    pub fn hashes(&self, row: usize, out: &mut [u64]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512dq") {
            // SAFETY: the CPU supports AVX-512 F and DQ, all `hashes_avx512` needs.
            return unsafe { self.hashes_avx512(row, out) };
        }
        self.hashes_inline(row, out)
    }

    /// # Safety
    /// The CPU must support AVX-512 F and DQ.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512dq")]
    unsafe fn hashes_avx512(&self, row: usize, out: &mut [u64]) {
        self.hashes_inline(row, out)
    }

    #[inline(always)]
    fn hashes_inline(&self, row: usize, out: &mut [u64]) {
        match self.keys {
            RowKeys::Position => {
                for (j, o) in out.iter_mut().enumerate() {
                    *o = rank_hash((row + j) as u64, self.offset);
                }
            }
            RowKeys::Hashed(h) => {
                let n = out.len();
                for (o, &k) in out.iter_mut().zip(&h[row..row + n]) {
                    *o = rank_hash(k, self.offset);
                }
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
pub(crate) struct Window {
    pub(crate) lo: u64,
    pub(crate) hi: u64,
}

/// The hash window of the cut at rank `rank` of `n` rows: hashes are uniform,
/// so the cut's key lies near the quantile `rank / n` of the hash space; the
/// window spans six standard deviations each side.
pub(crate) fn window(rank: u64, n: u64) -> Window {
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

/// Per class, hash windows around the expected positions of its cuts (see
/// [`window`]), merged where they overlap: disjoint and ascending, each
/// holding a run of the class's cuts. Every class gets the same number of
/// windows, `width`, padded with empty ones at the top of the hash space.
///
/// A row's *region* is the number of window edges at or below its hash: an
/// even region `2i` lies between windows (below window `i`), so the row's part
/// is known at once; an odd region `2i + 1` is inside window `i`, decided once
/// that window's rows are ranked. Class `c`'s regions are numbered from
/// `c * (2 * width + 1)`.
struct Regions {
    width: usize,
    /// Window `c * width + i` is class `c`'s `i`-th.
    lo: Vec<u64>,
    hi: Vec<u64>,
    /// Per window, its class's cuts before it and in it.
    cuts_before: Vec<u32>,
    cuts_in: Vec<u32>,
}

impl Regions {
    fn new(counts: &[u64], cuts: &[Vec<u64>]) -> Self {
        let merged: Vec<Vec<(Window, u32)>> = cuts.iter().zip(counts).map(|(c, &n)| merged_windows(c, n)).collect();
        let width = merged.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let mut r = Regions { width, lo: Vec::new(), hi: Vec::new(), cuts_before: Vec::new(), cuts_in: Vec::new() };
        for (windows, class_cuts) in merged.iter().zip(cuts) {
            let mut before = 0;
            for &(w, m) in windows {
                r.push(w, before, m);
                before += m;
            }
            for _ in windows.len()..width {
                r.push(Window { lo: u64::MAX, hi: u64::MAX }, class_cuts.len() as u32, 0);
            }
        }
        r
    }

    fn push(&mut self, w: Window, before: u32, cuts: u32) {
        self.lo.push(w.lo);
        self.hi.push(w.hi);
        self.cuts_before.push(before);
        self.cuts_in.push(cuts);
    }

    fn per_class(&self) -> usize {
        2 * self.width + 1
    }
}

/// The windows of one class's cuts (ascending ranks inside `0..n`), merged
/// where they overlap (a window's low edge can lie below its predecessor's:
/// their widths differ), each with the number of cuts it holds.
fn merged_windows(cuts: &[u64], n: u64) -> Vec<(Window, u32)> {
    let mut out: Vec<(Window, u32)> = Vec::with_capacity(cuts.len());
    for &b in cuts {
        out.push((window(b, n), 1));
        while let [.., (prev, m0), (last, m1)] = out[..] {
            if last.lo > prev.hi {
                break;
            }
            out.pop();
            *out.last_mut().expect("two windows") =
                (Window { lo: prev.lo.min(last.lo), hi: prev.hi.max(last.hi) }, m0 + m1);
        }
    }
    out
}

/// The part of every row by the windows of [`Regions`], in one pass over the
/// rows: rows between windows are written at once; rows inside one are
/// gathered, ranked per window (they are few), and written after. `None`
/// when a cut falls outside its window (not expected in practice) or the
/// rows read disagree with the counts.
fn parts_by_windows<T, P>(
    view: &LabelView<'_>,
    ranker: Ranker<'_>,
    cuts: &ClassCuts,
    null: T,
    part: &P,
    out: &mut [T],
) -> Option<()>
where
    T: Copy + Send + Sync,
    P: Fn(usize) -> T + Sync,
{
    let regions = Regions::new(view.counts, &cuts.inner);
    let (count, inside) = match regions.width {
        1 => region_pass::<1, T, P>(view, ranker, &regions, cuts, null, part, out),
        2 => region_pass::<2, T, P>(view, ranker, &regions, cuts, null, part, out),
        3 | 4 => region_pass::<4, T, P>(view, ranker, &regions, cuts, null, part, out),
        5..=8 => region_pass::<8, T, P>(view, ranker, &regions, cuts, null, part, out),
        _ => region_pass::<16, T, P>(view, ranker, &regions, cuts, null, part, out),
    };
    let windows = rank_inside(&regions, &count, inside)?;
    // decide the rows inside each window by its cuts' ranks among them
    let per_class = regions.per_class();
    for (w, rows) in windows.iter().enumerate() {
        let (c, i) = (w / regions.width, w % regions.width);
        let below: u64 = count[c * per_class..c * per_class + 2 * i + 1].iter().sum();
        let (k0, m) = (regions.cuts_before[w] as usize, regions.cuts_in[w] as usize);
        let local: Vec<usize> = cuts.inner[c][k0..k0 + m]
            .iter()
            .map(|&b| b.checked_sub(below).map(|x| x as usize).filter(|&x| x < rows.len()))
            .collect::<Option<_>>()?;
        for (p, &(_, row)) in rows.iter().enumerate() {
            let above = local.partition_point(|&x| x <= p);
            *out.get_mut(row as usize)? = part(cuts.parts[c][k0 + above] as usize);
        }
    }
    Some(())
}

/// One class's window edges and where its regions start.
#[derive(Clone, Copy)]
struct ClassWindows<const W: usize> {
    edges: [(u64, u64); W],
    base: usize,
}

/// The one pass of [`parts_by_windows`], for classes of (at most, padded to)
/// `W` windows: every row's region is counted, rows between windows get
/// their output, rows inside one are returned with their region.
fn region_pass<const W: usize, T, P>(
    view: &LabelView<'_>,
    ranker: Ranker<'_>,
    regions: &Regions,
    cuts: &ClassCuts,
    null: T,
    part: &P,
    out: &mut [T],
) -> (Vec<u64>, Vec<(u32, RankKey)>)
where
    T: Copy + Send + Sync,
    P: Fn(usize) -> T + Sync,
{
    let per_class = 2 * W + 1;
    // per class: the window edges, padded to W, and where its regions start;
    // per region: the output of its rows (inside a window `null`, until decided)
    let mut classes = vec![ClassWindows { edges: [(u64::MAX, u64::MAX); W], base: 0 }; view.n_classes()];
    let mut region_out = vec![null; view.n_classes() * per_class];
    for (c, class) in classes.iter_mut().enumerate() {
        class.base = c * per_class;
        for i in 0..=W {
            let w = c * regions.width + i;
            if i < regions.width {
                class.edges[i] = (regions.lo[w], regions.hi[w]);
            }
            let before = if i < regions.width { regions.cuts_before[w] } else { cuts.inner[c].len() as u32 };
            region_out[class.base + 2 * i] = part(cuts.parts[c][before as usize] as usize);
        }
    }
    let (count, inside, _) = map_fold_blocks(
        view.ids(),
        out,
        || (vec![0u64; region_out.len()], Vec::<(u32, RankKey)>::new(), vec![0u64; BLOCK]),
        |(count, inside, hashes), row, ids, out| {
            let hashes = &mut hashes[..ids.len()];
            ranker.hashes(row, hashes);
            classify_block(ids, hashes, out, &classes, &region_out, count, null, row, inside);
        },
        |(mut c1, mut i1, h), (c2, mut i2, _)| {
            c1.iter_mut().zip(&c2).for_each(|(x, y)| *x += y);
            i1.append(&mut i2);
            (c1, i1, h)
        },
    );
    // back to the regions of `regions.width` windows per class
    if W == regions.width {
        return (count, inside);
    }
    let narrow = regions.per_class();
    let remap = |at: usize| (at / per_class) * narrow + (at % per_class).min(narrow - 1);
    let mut narrowed = vec![0u64; view.n_classes() * narrow];
    for (at, &n) in count.iter().enumerate() {
        narrowed[remap(at)] += n;
    }
    let inside = inside.into_iter().map(|(at, key)| (remap(at as usize) as u32, key)).collect();
    (narrowed, inside)
}

/// The region of each row of a block: its output written (`null` for rows
/// without a label), its region counted, and rows inside a window gathered
/// with their region and rank key. (A function of plain slices of its own,
/// so the compiler keeps the loop's pointers in registers.)
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn classify_block<const W: usize, T: Copy>(
    ids: &[u32],
    hashes: &[u64],
    out: &mut [T],
    classes: &[ClassWindows<W>],
    region_out: &[T],
    count: &mut [u64],
    null: T,
    first_row: usize,
    inside: &mut Vec<(u32, RankKey)>,
) {
    let n = ids.len().min(hashes.len()).min(out.len());
    for j in 0..n {
        let (c, h) = (ids[j], hashes[j]);
        let Some(class) = classes.get(c as usize) else {
            out[j] = null; // no label
            continue;
        };
        let mut r = 0;
        for &(lo, hi) in &class.edges {
            r += (h >= lo) as usize + (h > hi) as usize;
        }
        let at = class.base + r;
        debug_assert!(at < count.len() && at < region_out.len());
        // SAFETY: `c` indexes `classes`, so `base = c * (2 * W + 1)` with
        // `c < n_classes`, and `r` counts 2 * W comparisons: `at` is below
        // `n_classes * (2 * W + 1)`, the length of `count` and `region_out`.
        unsafe {
            *count.get_unchecked_mut(at) += 1;
            out[j] = *region_out.get_unchecked(at);
        }
        if r & 1 == 1 {
            inside.push((at as u32, (h, (first_row + j) as u64)));
        }
    }
}

/// The rows inside each window (window `w` is region `2 * (w % width) + 1` of
/// class `w / width`), each window's rows ordered by rank key: placed by
/// their windows' counts, then sorted window by window. `None` when the rows
/// disagree with the counts (a buffer written during the call).
fn rank_inside(regions: &Regions, count: &[u64], inside: Vec<(u32, RankKey)>) -> Option<Vec<Vec<(u64, u64)>>> {
    let per_class = regions.per_class();
    let window_of = |at: usize| {
        let (c, r) = (at / per_class, at % per_class);
        (r % 2 == 1).then(|| c * regions.width + r / 2)
    };
    let mut windows: Vec<Vec<RankKey>> = (0..regions.lo.len())
        .map(|w| Vec::with_capacity(count[(w / regions.width) * per_class + 2 * (w % regions.width) + 1] as usize))
        .collect();
    for (at, key) in inside {
        windows.get_mut(window_of(at as usize)?)?.push(key);
    }
    windows.par_iter_mut().for_each(|w| w.sort_unstable());
    Some(windows)
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
///
/// Classes with few cuts (splits, samples, a k-fold of small k) go through
/// the windows of `parts_by_windows`, one pass; with more cuts, or if a cut
/// fell outside its window, the exact bucket method finds the thresholds
/// and a second pass places the rows.
pub fn rank_parts<T, P>(view: &LabelView<'_>, ranker: Ranker<'_>, cuts: &[Vec<u64>], null: T, part: P) -> Vec<T>
where
    T: Copy + Send + Sync + Zero,
    P: Fn(usize) -> T + Sync,
{
    const MAX_WINDOWS_PER_CLASS: usize = 16;
    let class_cuts = ClassCuts::new(view.counts, cuts);
    let mut out = zeroed(view.len());
    if class_cuts.inner.iter().all(|c| c.len() <= MAX_WINDOWS_PER_CLASS)
        && parts_by_windows(view, ranker, &class_cuts, null, &part, &mut out).is_some()
    {
        return out;
    }
    parts_by_buckets(view, ranker, &class_cuts, null, &part, &mut out);
    out
}

/// The part of every row by the exact bucket method: thresholds first, then a
/// pass placing each row against its class's thresholds.
fn parts_by_buckets<T, P>(
    view: &LabelView<'_>,
    ranker: Ranker<'_>,
    class_cuts: &ClassCuts,
    null: T,
    part: &P,
    out: &mut [T],
) where
    T: Copy + Send + Sync,
    P: Fn(usize) -> T + Sync,
{
    let th = thresholds_by_buckets(view, ranker, &class_cuts.inner);
    map_blocks(view.ids(), out, |row, ids, out| {
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
    positions_by(values, 1, |v| u8::from(!pred(v))).pop().unwrap_or_default()
}

/// Sorted positions of the rows holding each value `0..n_values` (other
/// values skipped): `out[v]` lists the rows where `values[row] == v`.
pub fn positions_by_value(values: &[i8], n_values: usize) -> Vec<Vec<i64>> {
    // a negative value is past every slot
    positions_by(values, n_values.min(127), |&v| if v < 0 { u8::MAX } else { v as u8 })
}

/// Rows grouped by `slot(value)` (rows whose slot is `n_slots` or more are
/// skipped; `n_slots` is below 255): one counting pass, then every piece of rows writes its own
/// stretch of each (exactly sized) output.
///
/// Both passes take one slot at a time, without branches: the counts are a
/// vectorized comparison, and the writes store every row's position at the
/// slot's cursor and advance the cursor only on a match, so the cursor stays
/// in a register (a store per row, none of them waiting on another).
fn positions_by<T: Sync>(values: &[T], n_slots: usize, slot: impl Fn(&T) -> u8 + Sync) -> Vec<Vec<i64>> {
    const PIECE: usize = 1 << 16;
    debug_assert!(n_slots < u8::MAX as usize);
    // byte counters over runs of 255 rows: the compiler compares and adds a
    // vector of bytes at a time
    let count = |chunk: &[T], v: u8| -> usize {
        chunk.chunks(255).map(|run| run.iter().fold(0u8, |n, x| n + u8::from(slot(x) == v)) as usize).sum()
    };
    let counts: Vec<Vec<usize>> =
        values.par_chunks(PIECE).map(|chunk| (0..n_slots).map(|v| count(chunk, v as u8)).collect()).collect();
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
        let rows = p * PIECE;
        match outs.len() {
            1 => write_positions::<1, T>(chunk, rows, &mut outs, &slot),
            2 => write_positions::<2, T>(chunk, rows, &mut outs, &slot),
            3 => write_positions::<3, T>(chunk, rows, &mut outs, &slot),
            _ => {
                for (v, out) in outs.iter_mut().enumerate() {
                    write_positions::<1, T>(chunk, rows, std::slice::from_mut(out), &|x| slot(x).wrapping_sub(v as u8));
                }
            }
        }
    });
    out
}

/// Write the positions (from `first_row`) of `chunk`'s rows of each slot
/// `0..N` into `outs[slot]`, exactly sized, in one pass and without
/// branches: each row's position is stored at every slot's cursor, and only
/// its own slot's cursor advances (the cursors stay in registers, and no
/// store waits on another).
#[inline(always)]
fn write_positions<const N: usize, T>(
    chunk: &[T],
    first_row: usize,
    outs: &mut [&mut [i64]],
    slot: &impl Fn(&T) -> u8,
) {
    let mut cursors = [0usize; N];
    let mut targets: [&mut [i64]; N] = std::array::from_fn(|_| &mut [][..]);
    for (t, o) in targets.iter_mut().zip(outs.iter_mut()) {
        *t = std::mem::take(o);
    }
    for (j, x) in chunk.iter().enumerate() {
        let s = slot(x);
        for v in 0..N {
            // past the last match the cursor is the stretch's length: nothing to write
            if let Some(o) = targets[v].get_mut(cursors[v]) {
                *o = (first_row + j) as i64;
            }
            cursors[v] += usize::from(s as usize == v);
        }
    }
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
    fn block_hashes_match_the_rank_keys() {
        // the dispatched loop (AVX-512 where present) against one key at a time
        let ids: Vec<u64> = (0..3000).map(|i| i * 7 + 1).collect();
        for ranker in [Ranker::new(RowKeys::Position, 3), Ranker::new(RowKeys::Hashed(&ids), 3)] {
            for (row, len) in [(0, 1), (5, 7), (100, 2048), (2999, 1)] {
                let mut out = vec![0u64; len];
                ranker.hashes(row, &mut out);
                assert!(out.iter().enumerate().all(|(j, &h)| h == ranker.key(row + j).0));
            }
        }
    }

    #[test]
    fn overlapping_windows_merge() {
        // cuts close together in a small class: their windows overlap and merge,
        // and the parts still match a full sort
        let values: Vec<i64> = (0..3000).map(|i| if i % 50 == 0 { 1 } else { 0 }).collect();
        let l = labels(&values);
        let cuts: Vec<Vec<u64>> = l.counts.iter().map(|&n| vec![n / 2, n / 2 + 1, n / 2 + 3, n]).collect();
        assert!(merged_windows(&cuts[0][..3], l.counts[0]).len() < 3);
        let ranker = Ranker::new(RowKeys::Position, 4);
        assert_eq!(rank_parts(&l.view(), ranker, &cuts, -1, |p| p as i32), oracle(&l.codes, ranker, &cuts));
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
        let class_cuts = ClassCuts::new(&l.counts, &cuts);
        let ranker = Ranker::new(RowKeys::Position, 9);
        let (mut windows, mut buckets) = (vec![-1; values.len()], vec![-1; values.len()]);
        let part = |p: usize| p as i32;
        parts_by_windows(&l.view(), ranker, &class_cuts, -1, &part, &mut windows).expect("cuts fall in their windows");
        parts_by_buckets(&l.view(), ranker, &class_cuts, -1, &part, &mut buckets);
        assert_eq!(windows, buckets);
        assert_eq!(windows, oracle(&l.codes, ranker, &cuts));
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
