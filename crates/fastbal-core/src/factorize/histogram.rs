//! Rows per raw id (per-task partial histograms, merged), and the one-pass
//! count of narrow-range integers.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::column::ids::IdSource;
use crate::column::IntLabel;
use crate::exec::blocks::{fold_blocks, fold_values};
use crate::simd::range::block_range;

/// Per-raw-id counts and the number of null rows.
#[derive(Clone, Debug, PartialEq)]
pub struct RawCounts {
    pub counts: Vec<u64>,
    pub null_count: u64,
}

/// Count rows per raw id. Per-task partial histograms, merged: exact and
/// independent of the thread count.
pub fn histogram(src: &dyn IdSource) -> RawCounts {
    // 32-bit counters halve the tables' footprint; they cannot overflow below 2^32 rows
    if src.len() < u32::MAX as usize {
        histogram_with::<u32>(src)
    } else {
        histogram_with::<u64>(src)
    }
}

/// A histogram counter.
trait Counter: Copy + Default + Send + std::ops::AddAssign + Into<u64> {
    const ONE: Self;
}

impl Counter for u32 {
    const ONE: Self = 1;
}

impl Counter for u64 {
    const ONE: Self = 1;
}

fn histogram_with<C: Counter>(src: &dyn IdSource) -> RawCounts {
    let n = src.n_ids();
    // Four interleaved sub-histograms hide the store-to-load latency of runs
    // of one class (skewed data) when the table is small.
    let ways = if n <= 1 << 12 { 4 } else { 1 };
    let stride = n + 1; // the last slot of each way counts nulls
    let counts = fold_blocks(
        src,
        || vec![C::default(); ways * stride],
        |h, _row, ids| {
            // Null ids (u32::MAX) clamp to the last slot; the clamp also proves every index in bounds.
            if ways == 4 {
                count4_slices(h, stride, ids, |id| (id as usize).min(stride - 1));
            } else {
                let last = h.len() - 1;
                for &id in ids {
                    h[(id as usize).min(last)] += C::ONE;
                }
            }
        },
        |mut a, b| {
            a.iter_mut().zip(&b).for_each(|(x, &y)| *x += y);
            a
        },
    );
    let mut total = vec![0u64; stride];
    for way in counts.chunks_exact(stride) {
        total.iter_mut().zip(way).for_each(|(x, &y)| *x += y.into());
    }
    let null_count = total.pop().unwrap_or(0);
    RawCounts { counts: total, null_count }
}

/// Count integer values in one pass, when their range is narrow: the smallest
/// order key and the counts of keys `min..=max`, or `None` once the values
/// span `max_span` keys or more (they are then better hashed).
///
/// No pass to find the range first: each task keeps a table over a window of
/// keys that grows (doubling, re-centred) when a block's smallest or largest
/// value falls outside it. A block's range is a vectorized reduction over
/// values already in L1, so the column is read once. Tasks' tables are merged
/// by key: the counts do not depend on the thread count. Null rows are not
/// seen here: the caller counts only chunks without a validity bitmap.
pub(crate) fn dense_histogram<T: IntLabel>(chunks: &[&[T]], max_span: u64) -> Option<(u64, RawCounts)> {
    let rows: usize = chunks.iter().map(|c| c.len()).sum();
    if rows < u32::MAX as usize {
        dense_histogram_with::<T, u32>(chunks, max_span)
    } else {
        dense_histogram_with::<T, u64>(chunks, max_span)
    }
}

/// One task's counts over the keys `lo..lo + slots`, in `ways` interleaved
/// sub-tables, and the range of keys it has seen.
struct Window<C> {
    lo: u64,
    slots: usize,
    ways: usize,
    table: Vec<C>,
    seen: Option<(u64, u64)>,
}

impl<C: Counter> Window<C> {
    /// Make room for keys `min..=max` besides those seen; `false` when the
    /// keys seen would then span `max_span` or more.
    fn cover(&mut self, min: u64, max: u64, max_span: u64) -> bool {
        let (min, max) = self.seen.map_or((min, max), |(a, b)| (a.min(min), b.max(max)));
        if max - min >= max_span {
            return false;
        }
        self.seen = Some((min, max));
        if !self.table.is_empty() && min >= self.lo && max - self.lo < self.slots as u64 {
            return true;
        }
        // twice the keys seen, centred on them, so a drifting range regrows
        // rarely; a range of up to 256 keys gets a window of exactly 256, read
        // with a byte index (no bounds to check)
        let width = max - min + 1;
        let grown = width.saturating_mul(2).checked_next_power_of_two().unwrap_or(u64::MAX);
        let slots = if width <= BYTE_WINDOW as u64 { BYTE_WINDOW } else { grown.min(max_span.max(width)) as usize };
        let pad = (slots as u64 - width) / 2;
        let lo = min.saturating_sub(pad).min(u64::MAX - (slots as u64 - 1));
        // four sub-tables hide the store-to-load latency of runs of one value
        let ways = if slots == BYTE_WINDOW {
            BYTE_WAYS
        } else if slots <= 1 << 12 {
            4
        } else {
            1
        };
        let mut table = vec![C::default(); ways * slots];
        for (w, old) in self.table.chunks_exact(self.slots.max(1)).enumerate() {
            let to = (w % ways) * slots;
            for (i, &c) in old.iter().enumerate() {
                // keys counted before lie in the range seen, inside the new window
                let key = self.key_of(i);
                if key >= lo && key - lo < slots as u64 {
                    table[to + Self::index_in(lo, slots, key)] += c;
                }
            }
        }
        *self = Window { lo, slots, ways, table, seen: self.seen };
        true
    }

    /// Where `key` is counted in a window of `slots` keys from `lo`: its
    /// offset from `lo`, except in a byte window, where it is the key's low
    /// byte (the keys of a 256-key window have distinct low bytes, so the
    /// count loop indexes by a byte of the value, with nothing to subtract).
    #[inline(always)]
    fn index_in(lo: u64, slots: usize, key: u64) -> usize {
        if slots == BYTE_WINDOW {
            key as u8 as usize
        } else {
            (key - lo) as usize
        }
    }

    /// The key counted at index `i` of a way (the inverse of [`Self::index_in`]).
    fn key_of(&self, i: usize) -> u64 {
        if self.slots == BYTE_WINDOW {
            self.lo + (i as u8).wrapping_sub(self.lo as u8) as u64
        } else {
            self.lo + i as u64
        }
    }

    /// Count a block whose keys lie in the window. (A key outside it, which
    /// only a buffer written during the call can produce, lands on another
    /// slot of the window: a wrong count, never an index out of bounds.)
    #[inline]
    fn count<T: IntLabel>(&mut self, values: &[T]) {
        let lo = self.lo;
        if self.slots == BYTE_WINDOW {
            count_bytes::<BYTE_WAYS, T, C>(&mut self.table, values, |v| v.key() as u8);
        } else if self.ways == 4 {
            let last = self.slots - 1;
            count4_slices(&mut self.table, self.slots, values, |v| (v.key().wrapping_sub(lo) as usize).min(last));
        } else {
            let last = self.slots - 1;
            for &v in values {
                self.table[(v.key().wrapping_sub(lo) as usize).min(last)] += C::ONE;
            }
        }
    }
}

/// Slots of the narrowest window: one per byte value.
const BYTE_WINDOW: usize = 256;

/// Sub-tables of a byte window.
const BYTE_WAYS: usize = 8;

/// Count `values` into the `N` 256-slot sub-tables of `table` (value `i`
/// into sub-table `i % N`), indexed by a byte: no bounds to check, and runs
/// of one value (skewed data) spread over `N` counters, so no increment
/// waits on the one before.
#[inline(always)]
fn count_bytes<const N: usize, T: Copy, C: Counter>(table: &mut [C], values: &[T], slot: impl Fn(T) -> u8) {
    let mut ways: [&mut [C; BYTE_WINDOW]; N] = {
        let mut chunks = table.chunks_exact_mut(BYTE_WINDOW);
        std::array::from_fn(|_| {
            chunks.next().and_then(|w| w.try_into().ok()).expect("a byte window has N ways of 256 slots")
        })
    };
    let mut groups = values.chunks_exact(N);
    for g in &mut groups {
        for (way, &v) in ways.iter_mut().zip(g) {
            way[slot(v) as usize] += C::ONE;
        }
    }
    for &v in groups.remainder() {
        ways[0][slot(v) as usize] += C::ONE;
    }
}

/// Count `values` into the four `stride`-slot sub-tables of `table` (value
/// `i` into sub-table `i % 4`), `slot(v)` below `stride`.
#[inline(always)]
fn count4_slices<T: Copy, C: Counter>(table: &mut [C], stride: usize, values: &[T], slot: impl Fn(T) -> usize) {
    let (h0, rest) = table.split_at_mut(stride);
    let (h1, rest) = rest.split_at_mut(stride);
    let (h2, h3) = rest.split_at_mut(stride);
    let mut quads = values.chunks_exact(4);
    for q in &mut quads {
        h0[slot(q[0])] += C::ONE;
        h1[slot(q[1])] += C::ONE;
        h2[slot(q[2])] += C::ONE;
        h3[slot(q[3])] += C::ONE;
    }
    for &v in quads.remainder() {
        h0[slot(v)] += C::ONE;
    }
}

fn dense_histogram_with<T: IntLabel, C: Counter + Sync>(chunks: &[&[T]], max_span: u64) -> Option<(u64, RawCounts)> {
    let too_wide = AtomicBool::new(false);
    let windows = fold_values(
        chunks,
        || Window::<C> { lo: 0, slots: 0, ways: 1, table: Vec::new(), seen: None },
        |w, values| {
            if too_wide.load(Ordering::Relaxed) {
                return;
            }
            let (min, max) = block_range(values);
            if w.cover(min.key(), max.key(), max_span) {
                w.count(values);
            } else {
                too_wide.store(true, Ordering::Relaxed);
            }
        },
    );
    if too_wide.into_inner() {
        return None;
    }
    let Some((min, max)) = windows.iter().filter_map(|w| w.seen).reduce(|a, b| (a.0.min(b.0), a.1.max(b.1))) else {
        return Some((0, RawCounts { counts: vec![0], null_count: 0 }));
    };
    let mut counts = vec![0u64; (max - min) as usize + 1];
    for w in &windows {
        for way in w.table.chunks_exact(w.slots.max(1)) {
            for (i, &c) in way.iter().enumerate() {
                let c: u64 = c.into();
                // (a clamped key from a racing writer may lie outside `min..=max`: dropped)
                if let Some(total) = w.key_of(i).checked_sub(min).and_then(|i| counts.get_mut(i as usize)) {
                    *total += c;
                }
            }
        }
    }
    Some((min, RawCounts { counts, null_count: 0 }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd::range::min_max;

    #[test]
    fn windows_grow_and_keep_their_counts() {
        // blocks whose ranges move away from the first: byte window, then wider
        let blocks: Vec<Vec<u32>> = vec![vec![10, 11, 12], vec![300, 10], vec![9_000, 5], vec![10]];
        let flat: Vec<u32> = blocks.concat();
        let mut w = Window::<u32> { lo: 0, slots: 0, ways: 1, table: Vec::new(), seen: None };
        for b in &blocks {
            let (min, max) = min_max(b);
            assert!(w.cover(min.key(), max.key(), 1 << 20));
            w.count(b);
        }
        let mut got = std::collections::BTreeMap::new();
        for way in w.table.chunks_exact(w.slots) {
            for (i, &c) in way.iter().enumerate() {
                if c > 0 {
                    *got.entry(w.key_of(i)).or_insert(0) += c;
                }
            }
        }
        let mut want = std::collections::BTreeMap::new();
        flat.iter().for_each(|&v| *want.entry(v as u64).or_insert(0) += 1);
        assert_eq!(got, want);
        // past the widest span: refused
        assert!(!w.cover(0, 1 << 21, 1 << 20));
    }
}
