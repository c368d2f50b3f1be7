//! Each row's *region* among its class's cut windows: the one pass behind
//! the split, k-fold, stratified sampling and under-sampling (see
//! [`crate::rank`]).
//!
//! A cut's rank key lies, with near certainty, in a narrow window of the hash
//! space around its expected quantile (`window`). Counting a row's class's
//! window edges at or below its hash places it between two windows (its part
//! is then known) or inside one (decided once that window's few rows are
//! ranked). `BlockRegions` classifies a block of rows (the kernel is
//! `crate::simd::regions`) and writes their outputs. A sample needs less:
//! `crate::simd::capped` takes only the rows at or below the top of their
//! class's window (the rows it may keep), and their regions are found after.

use bytemuck::NoUninit;

use super::windows::{ClassCuts, Regions};
use crate::exec::blocks::BLOCK;
use crate::hash::{RankKey, Ranker};
use crate::simd::regions::{classify, ClassWindows, OutputTable, RegionsOut, Rows};

/// Per class, its window edges (padded to `W`) and where its regions start;
/// per region, the output of its rows (`null` inside a window, until
/// decided), and last the output of rows without a label (`null`).
pub(crate) fn class_windows<const W: usize, T: Copy>(
    regions: &Regions,
    cuts: &ClassCuts,
    null: T,
    part: impl Fn(usize) -> T,
) -> (Vec<ClassWindows<W>>, Vec<T>) {
    let (n_classes, per_class) = (cuts.inner.len(), 2 * W + 1);
    let mut classes = vec![ClassWindows { edges: [[u64::MAX; 2]; W], base: 0 }; n_classes];
    let mut region_out = vec![null; n_classes * per_class + 1];
    for (c, class) in classes.iter_mut().enumerate() {
        class.base = (c * per_class) as u64;
        for i in 0..=W {
            let w = c * regions.width + i;
            if i < regions.width {
                class.edges[i] = [regions.lo[w], regions.hi[w]];
            }
            let before = if i < regions.width { regions.cuts_before[w] } else { cuts.inner[c].len() as u32 };
            region_out[c * per_class + 2 * i] = part(cuts.parts[c][before as usize] as usize);
        }
    }
    (classes, region_out)
}

/// Region counts and inside rows of a pass over classes padded to `W`
/// windows, renumbered for the `regions.width` windows per class of `regions`.
pub(crate) fn narrow_regions<const W: usize>(
    regions: &Regions,
    count: Vec<u64>,
    inside: Vec<(u32, RankKey)>,
) -> (Vec<u64>, Vec<(u32, RankKey)>) {
    if W == regions.width {
        return (count, inside);
    }
    let (per_class, narrow) = (2 * W + 1, regions.per_class());
    let remap = |at: usize| (at / per_class) * narrow + (at % per_class).min(narrow - 1);
    let mut narrowed = vec![0u64; count.len() / per_class * narrow];
    for (at, &n) in count.iter().enumerate() {
        narrowed[remap(at)] += n;
    }
    let inside = inside.into_iter().map(|(at, key)| (remap(at as usize) as u32, key)).collect();
    (narrowed, inside)
}

/// The regions of one block of rows (see [`Regions`]) against classes padded
/// to `W` windows: per row, its region, or one past the last region for a row
/// without a label; which rows lie inside a window; and the regions to count.
/// Rows above their class's last window (the *top* region, usually most of
/// them) are not counted: no step needs their number, and not counting them
/// spares a read-modify-write per row. The kernel is `simd::regions::classify`.
pub(crate) struct BlockRegions {
    first_row: usize,
    len: usize,
    /// Room for the rows' rank hashes, for the plain loop.
    hashes: Vec<u64>,
    at: Vec<u32>,
    /// Bit `j % 8` of byte `j / 8`: row `j` is inside a window.
    inside: Vec<u8>,
    /// The regions of the labelled rows below their top region, `n_counted` of them.
    counted: Vec<u32>,
    n_counted: usize,
}

impl BlockRegions {
    pub(crate) fn new() -> Self {
        BlockRegions {
            first_row: 0,
            len: 0,
            hashes: vec![0; BLOCK],
            at: vec![0; BLOCK],
            inside: vec![0; BLOCK / 8],
            counted: vec![0; BLOCK + 8],
            n_counted: 0,
        }
    }

    /// Classify `rows` (at most [`BLOCK`]). With a `table`, the vector path
    /// also writes the rows' outputs to `out`: how many rows (from the first)
    /// it wrote (none where it does not run).
    pub(crate) fn classify<const W: usize, T: NoUninit>(
        &mut self,
        rows: Rows<'_, W>,
        table: Option<&OutputTable>,
        out: &mut [T],
    ) -> usize {
        assert!(rows.ids.len() <= BLOCK, "a block has at most BLOCK rows");
        let n = rows.ids.len();
        (self.first_row, self.len) = (rows.first_row, n);
        let mut regions = RegionsOut {
            at: &mut self.at[..n],
            inside: &mut self.inside[..n.div_ceil(8)],
            counted: &mut self.counted,
            n_counted: 0,
        };
        let m = n.min(out.len());
        let direct = table.map(|t| (t, &mut out[..m]));
        let written = classify(rows, &mut regions, direct, &mut self.hashes);
        self.n_counted = regions.n_counted;
        written
    }

    /// Count the regions to count (`count` has one entry per region).
    fn count(&self, count: &mut [u64]) {
        let last = count.len() - 1;
        for &at in &self.counted[..self.n_counted] {
            count[(at as usize).min(last)] += 1;
        }
    }

    /// Write the output (`region_out[region]`; `region_out` has one entry
    /// per region and a last one for rows without a label) of the rows from
    /// `from` on to `out`, count the regions, and gather the rows inside a
    /// window with their region and rank key.
    pub(crate) fn emit<T: Copy>(
        &self,
        ranker: Ranker<'_>,
        out: &mut [T],
        region_out: &[T],
        from: usize,
        count: &mut [u64],
        inside: &mut Vec<(u32, RankKey)>,
    ) {
        let last = region_out.len() - 1;
        for (o, &at) in out.iter_mut().zip(&self.at[from.min(self.len)..self.len]) {
            *o = region_out[(at as usize).min(last)];
        }
        self.count(count);
        self.gather_inside(ranker, inside);
    }

    fn gather_inside(&self, ranker: Ranker<'_>, inside: &mut Vec<(u32, RankKey)>) {
        // eight bytes of flags at a time: most are zero
        for (w, word) in self.inside[..self.len.div_ceil(8)].chunks(8).enumerate() {
            let mut bytes = [0u8; 8];
            bytes[..word.len()].copy_from_slice(word);
            let mut bits = u64::from_le_bytes(bytes);
            while bits != 0 {
                let j = w * 64 + bits.trailing_zeros() as usize;
                inside.push((self.at[j], ranker.key(self.first_row + j)));
                bits &= bits - 1;
            }
        }
    }
}
