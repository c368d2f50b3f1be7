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
//! Nothing is sorted. One pass over the rows places every row whose hash lies
//! outside its class's narrow cut windows ([`crate::rank::regions`]); the few rows
//! inside a window are split at its cuts by selection. Where a class has too
//! many cuts, or a cut falls outside its window, a histogram of the top bits
//! of the hash per class (mergeable across threads, chunks or machines)
//! locates the bucket holding each cut, and only the rows of those buckets
//! are gathered and ordered.

pub(crate) mod regions;
pub(crate) mod windows;

use bytemuck::NoUninit;
use rayon::prelude::*;

use self::regions::{class_windows, narrow_regions, BlockRegions};
use self::windows::{ClassCuts, Regions};
use crate::column::ids::NULL;
use crate::exec::alloc::{reserved, zeroed, Zero};
use crate::exec::blocks::{fold_blocks, fold_groups, map_blocks, map_fold_blocks, BLOCK};
use crate::factorize::view::LabelView;
use crate::hash::{RankKey, Ranker};
use crate::simd::capped::CappedRows;
use crate::simd::regions::{OutputTable, Rows};

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
    T: NoUninit + Send + Sync,
    P: Fn(usize) -> T + Sync,
{
    let regions = Regions::new(view.counts, &cuts.inner);
    // region numbers are `u32`, with one more for rows without a label
    if view.n_classes() * (2 * regions.width.next_power_of_two() + 1) >= u32::MAX as usize {
        return None;
    }
    let (count, inside) = match regions.width {
        1 => region_pass::<1, T, P>(view, ranker, &regions, cuts, null, part, out),
        2 => region_pass::<2, T, P>(view, ranker, &regions, cuts, null, part, out),
        3 | 4 => region_pass::<4, T, P>(view, ranker, &regions, cuts, null, part, out),
        5..=8 => region_pass::<8, T, P>(view, ranker, &regions, cuts, null, part, out),
        _ => region_pass::<16, T, P>(view, ranker, &regions, cuts, null, part, out),
    };
    for (row, p) in inside_parts(&regions, cuts, &count, inside)? {
        *out.get_mut(row as usize)? = part(p as usize);
    }
    Some(())
}

/// The one pass of [`parts_by_windows`], for classes of (at most, padded to)
/// `W` windows: the rows of every region but the top one of each class
/// (above its last window; no step needs their number) are counted, rows
/// between windows get their output, rows inside one are returned with
/// their region.
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
    T: NoUninit + Send + Sync,
    P: Fn(usize) -> T + Sync,
{
    let (classes, region_out) = class_windows::<W, T>(regions, cuts, null, part);
    let table = OutputTable::new(&region_out);
    let (count, inside, _) = map_fold_blocks(
        view.ids(),
        out,
        || (vec![0u64; region_out.len() - 1], Vec::<(u32, RankKey)>::new(), BlockRegions::new()),
        |(count, inside, block), row, ids, out| {
            let rows = Rows { ids, first_row: row, ranker, classes: &classes, top: 2 * regions.width as u64 };
            let written = block.classify(rows, table.as_ref(), out);
            block.emit(ranker, &mut out[written..], &region_out, written, count, inside);
        },
        |(mut c1, mut i1, b), (c2, mut i2, _)| {
            c1.iter_mut().zip(&c2).for_each(|(x, y)| *x += y);
            i1.append(&mut i2);
            (c1, i1, b)
        },
    );
    narrow_regions::<W>(regions, count, inside)
}

/// The part of every row inside a window (window `w` is region
/// `2 * (w % width) + 1` of class `w / width`): each window's rows are split
/// at its cuts' ranks among them by selection (they need no full order),
/// windows in parallel; a window's rank offset is the count of its class's
/// regions below it (the top regions, not counted, are never read). `None`
/// when a cut falls outside its window (not expected in practice) or the
/// rows disagree with the counts (a buffer written during the call).
fn inside_parts(
    regions: &Regions,
    cuts: &ClassCuts,
    count: &[u64],
    inside: Vec<(u32, RankKey)>,
) -> Option<Vec<(u64, u32)>> {
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
    let decided: Option<Vec<Vec<(u64, u32)>>> = windows
        .par_iter_mut()
        .enumerate()
        .map(|(w, rows)| {
            let (c, i) = (w / regions.width, w % regions.width);
            let below: u64 = count[c * per_class..c * per_class + 2 * i + 1].iter().sum();
            let (k0, m) = (regions.cuts_before[w] as usize, regions.cuts_in[w] as usize);
            let (n_rows, part_of) = (rows.len(), &cuts.parts[c][k0..=k0 + m]);
            let mut out = Vec::with_capacity(n_rows);
            let (mut rest, mut start) = (rows.as_mut_slice(), 0usize);
            for (k, &cut) in cuts.inner[c][k0..k0 + m].iter().enumerate() {
                // the cut's rank among the window's rows: that many rows lie below it
                let at = cut.checked_sub(below).map(|x| x as usize).filter(|&x| x < n_rows)?;
                rest.select_nth_unstable(at - start);
                let (head, tail) = std::mem::take(&mut rest).split_at_mut(at - start);
                out.extend(head.iter().map(|&(_, row)| (row, part_of[k])));
                (rest, start) = (tail, at);
            }
            out.extend(rest.iter().map(|&(_, row)| (row, part_of[m])));
            Some(out)
        })
        .collect();
    Some(decided?.concat())
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
pub(crate) fn rank_parts<T, P>(view: &LabelView<'_>, ranker: Ranker<'_>, cuts: &[Vec<u64>], null: T, part: P) -> Vec<T>
where
    T: NoUninit + Send + Sync + Zero,
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

/// The rows of rank below `sizes[c]` in each class, sorted, in one pass over
/// the rows: only the rows hashing at or below the top of their class's cut
/// window are read further (see [`crate::rank::regions`]); of those, a row below the
/// window is kept at once (each task keeps its rows in row order), a row
/// inside it is held in its place until the window's rows are ranked, after
/// the pass.
///
/// Worth it when few rows are kept (samples, under-sampling to a rare
/// class); with more, marking every row and collecting the marked ones
/// ([`rank_parts`], [`crate::exec::positions::positions`]) is faster. `None` when
/// more than a quarter of the rows would be read further, and (not expected
/// in practice) when a cut fell outside its window.
pub(crate) fn lowest_rows(view: &LabelView<'_>, ranker: Ranker<'_>, sizes: &[u64]) -> Option<Vec<i64>> {
    let cuts: Vec<Vec<u64>> = sizes.iter().map(|&s| vec![s]).collect();
    let class_cuts = ClassCuts::new(view.counts, &cuts);
    let regions = Regions::new(view.counts, &class_cuts.inner);
    if regions.width != 1 || view.n_classes() * 3 >= u32::MAX as usize {
        return None; // not expected: one cut per class has at most one window; regions are `u32`
    }
    // a class keeps its lowest rows (part 0) unless its cut is at 0: then it keeps none
    let keeps = |c: usize| class_cuts.parts[c][0] == 0;
    // a class that keeps its lowest rows is read up to the top of its window
    // (above it no row is kept); one that keeps none, only where it hashes to 0
    let caps: Vec<u64> = (0..sizes.len()).map(|c| if keeps(c) { regions.hi[c] } else { 0 }).collect();
    let expected: f64 = (0..sizes.len()).map(|c| view.counts[c] as f64 * (caps[c] as f64 / u64::MAX as f64)).sum();
    if expected > (view.total() as f64 / 4.0).max(65_536.0) {
        return None;
    }
    // per class: from which hash a row read further is held (inside the window)
    // rather than kept; a class that keeps none holds the rows it reads
    // (their window, holding no cut, drops them)
    let holds: Vec<u64> = (0..sizes.len()).map(|c| if keeps(c) { regions.lo[c] } else { 0 }).collect();
    // per task: the regions' counts, the rows inside a window, and the rows
    // kept or held (a held row `r` as `!r`, negative), in row order
    // room for a task's share of the rows read further, and some
    let per_task = (expected * 1.25 / rayon::current_num_threads() as f64) as usize + 4096;
    let groups = fold_groups(
        view.ids(),
        || (vec![0u64; 3 * sizes.len()], Vec::new(), reserved(per_task), CappedRows::new(BLOCK)),
        |(count, inside, rows, capped), row, ids| {
            capped.find(ids, row, ranker, &caps);
            let n = capped.len;
            rows.reserve(n);
            let count: &mut [u64] = count;
            for (slot, (at, c, h)) in rows.spare_capacity_mut()[..n].iter_mut().zip(capped.rows()) {
                let (r, held) = ((row + at) as i64, h >= holds[c]);
                slot.write(if held { !r } else { r });
                count[3 * c + usize::from(held)] += 1;
                if held {
                    inside.push(((3 * c + 1) as u32, (h, r as u64)));
                }
            }
            // SAFETY: the first `n` spare slots were written above
            unsafe { rows.set_len(rows.len() + n) };
        },
    );
    let mut count = vec![0u64; 3 * sizes.len()];
    let mut inside = Vec::new();
    let mut tasks = Vec::with_capacity(groups.len());
    for (c, i, rows, _) in groups {
        count.iter_mut().zip(&c).for_each(|(x, y)| *x += y);
        tasks.push((rows, i.len()));
        inside.extend(i);
    }
    let mut kept_inside: Vec<i64> = inside_parts(&regions, &class_cuts, &count, inside)?
        .into_iter()
        .filter(|&(_, p)| p == 0)
        .map(|(r, _)| r as i64)
        .collect();
    kept_inside.sort_unstable();
    Some(resolve_held(tasks, &kept_inside))
}

/// The rows of every task in order, each held row (`!r`) replaced by `r`
/// when it is in `kept` (sorted) and dropped otherwise. The first task's
/// vector becomes the output: its rows are resolved in place and the other
/// tasks' appended (each to its own stretch, in parallel), so no second
/// vector of the output's size is written (fresh pages cost more than the
/// copy; a large vector grows by remapping its pages, not copying them).
fn resolve_held(tasks: Vec<(Vec<i64>, usize)>, kept: &[i64]) -> Vec<i64> {
    // per task: the kept held rows among its own (tasks hold ascending rows)
    let mut from = 0;
    let mut pieces = Vec::with_capacity(tasks.len());
    for (rows, held) in tasks {
        let last = rows.iter().rev().find(|&&r| r < 0).map(|&r| !r);
        let n = last.map_or(0, |last| kept[from..].partition_point(|&r| r <= last));
        let len = rows.len() - held + n;
        pieces.push((rows, &kept[from..from + n], len));
        from += n;
    }
    let mut pieces = pieces.into_iter();
    let Some((mut out, first_kept, first_len)) = pieces.next() else {
        return Vec::new();
    };
    let mut n = 0;
    let mut first_kept = first_kept.iter().peekable();
    for i in 0..out.len() {
        // the write index never passes the read index
        if let Some(row) = resolved(out[i], &mut first_kept) {
            out[n] = row;
            n += 1;
        }
    }
    assert!(n == first_len && first_kept.next().is_none(), "every kept row is in its task");
    out.truncate(n);
    let rest: Vec<_> = pieces.collect();
    out.reserve(rest.iter().map(|p| p.2).sum());
    let mut spare = &mut out.spare_capacity_mut()[..];
    let mut stretches = Vec::with_capacity(rest.len());
    for (rows, kept, len) in &rest {
        let (head, tail) = std::mem::take(&mut spare).split_at_mut(*len);
        stretches.push((rows, *kept, head));
        spare = tail;
    }
    stretches.into_par_iter().for_each(|(rows, kept, out)| {
        let (mut kept, mut n) = (kept.iter().peekable(), 0);
        for &r in rows {
            if let Some(row) = resolved(r, &mut kept) {
                out[n].write(row);
                n += 1;
            }
        }
        assert!(n == out.len() && kept.next().is_none(), "every kept row is in its task");
    });
    let total = n + rest.iter().map(|p| p.2).sum::<usize>();
    // SAFETY: the stretches after the first task's rows, `total - n` slots, were written above
    unsafe { out.set_len(total) };
    out
}

/// A task's row `r` resolved: itself when kept; when held (`!row`), the row
/// if it is the next of the task's `kept` held rows (taking it), else `None`.
#[inline(always)]
fn resolved(r: i64, kept: &mut std::iter::Peekable<std::slice::Iter<'_, i64>>) -> Option<i64> {
    if r >= 0 {
        Some(r)
    } else {
        kept.next_if_eq(&&!r).map(|_| !r)
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
    use crate::exec::positions::positions;
    use crate::hash::{mix64, RowKeys};
    use crate::rank::windows::merged_windows;
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
    fn outputs_of_every_width_match_a_full_sort() {
        // one- and two-byte outputs are written by the vector path where the
        // CPU has it, wider ones by the plain loop; rows without a label included
        let values: Vec<i32> = (0..300_003u64).map(|i| (mix64(i) % 40) as i32 * (1 + (i % 3 == 0) as i32)).collect();
        let bits: Vec<u8> = (0..values.len().div_ceil(8) as u64).map(|i| !(1u8 << (mix64(i) % 8))).collect();
        let column = Column::Int(Ints::I32(vec![Chunk::new(&values, Some(crate::Validity::new(&bits, 0)))]));
        let l = Labels::new(&column).unwrap();
        assert!(l.null_count > 30_000);
        let cuts: Vec<Vec<u64>> = l.counts.iter().map(|&n| vec![n / 5, n * 3 / 10, n]).collect();
        let ranker = Ranker::new(RowKeys::Position, 9);
        let want = oracle(&l.codes, ranker, &cuts);
        let narrow: Vec<i32> =
            rank_parts(&l.view(), ranker, &cuts, -1i8, |p| p as i8).iter().map(|&p| p as i32).collect();
        let wide: Vec<i32> =
            rank_parts(&l.view(), ranker, &cuts, -300i16, |p| p as i16 * 100).iter().map(|&p| p as i32 / 100).collect();
        let flags: Vec<bool> = rank_parts(&l.view(), ranker, &cuts, false, |p| p == 1);
        assert_eq!(narrow, want);
        assert_eq!(wide.iter().map(|&p| if p == -3 { -1 } else { p }).collect::<Vec<_>>(), want);
        assert_eq!(rank_parts(&l.view(), ranker, &cuts, -1, |p| p as i32), want);
        assert_eq!(flags, want.iter().map(|&p| p == 1).collect::<Vec<_>>());
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
    fn lowest_rows_match_the_parts() {
        // tiny samples (windows reaching the bottom of the hash space), larger
        // ones (rows below the window kept at once), whole and empty classes
        let values: Vec<i64> = (0..300_000).map(|i| (i * 13 % 11) % 6).collect();
        let l = labels(&values);
        let small: Vec<u64> = l.counts.iter().enumerate().map(|(c, &n)| [0, 1, 5, n, 20, 2][c].min(n)).collect();
        let large: Vec<u64> =
            l.counts.iter().enumerate().map(|(c, &n)| [n / 20, n / 25, n / 18, 0, n / 40, 1][c]).collect();
        let fifth: Vec<u64> = l.counts.iter().map(|&n| n / 5).collect();
        let half: Vec<u64> = l.counts.iter().map(|&n| n / 2).collect();
        assert!(lowest_rows(&l.view(), Ranker::new(RowKeys::Position, 1), &half).is_none(), "too many rows kept");
        let keys: Vec<u64> = (0..values.len() as u64).map(|i| mix64(i % 1000 + 77)).collect();
        for (sizes, ranker) in [
            (small, Ranker::new(RowKeys::Position, 5)),
            (large, Ranker::new(RowKeys::Position, 6)),
            (fifth.clone(), Ranker::new(RowKeys::Position, 7)),
            (fifth, Ranker::new(RowKeys::Hashed(&keys), 8)),
        ] {
            let one_pass = lowest_rows(&l.view(), ranker, &sizes).expect("cuts fall in their windows");
            let cuts: Vec<Vec<u64>> = sizes.iter().map(|&s| vec![s]).collect();
            let parts = rank_parts(&l.view(), ranker, &cuts, false, |p| p == 0);
            assert_eq!(one_pass, positions(&parts, |&keep| keep));
            let wanted = oracle(&l.codes, ranker, &cuts);
            assert_eq!(one_pass, positions(&wanted, |&p| p == 0));
            for threads in [1, 3] {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                assert_eq!(pool.install(|| lowest_rows(&l.view(), ranker, &sizes)), Some(one_pass.clone()));
            }
        }
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
