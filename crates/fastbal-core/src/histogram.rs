//! Rows per raw id: per-task partial histograms, merged.

use crate::blocks::fold_blocks;
use crate::ids::IdSource;

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
                let (h0, rest) = h.split_at_mut(stride);
                let (h1, rest) = rest.split_at_mut(stride);
                let (h2, h3) = rest.split_at_mut(stride);
                let last = stride - 1;
                let mut quads = ids.chunks_exact(4);
                for q in &mut quads {
                    h0[(q[0] as usize).min(last)] += C::ONE;
                    h1[(q[1] as usize).min(last)] += C::ONE;
                    h2[(q[2] as usize).min(last)] += C::ONE;
                    h3[(q[3] as usize).min(last)] += C::ONE;
                }
                for &id in quads.remainder() {
                    h0[(id as usize).min(last)] += C::ONE;
                }
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
