//! The rows of a block at or below their class's cap: the read a sample
//! makes of every row (see `crate::rank::lowest_rows`).

use super::hashes::rank_hashes_at;
#[cfg(target_arch = "x86_64")]
use super::hashes::rank_hashes_x8;
use super::Level;
use crate::hash::Ranker;

/// The rows of a block whose rank hash is at most their class's *cap*
/// (`caps[id]`; rows without a label, ids past `caps`, are never taken),
/// in row order: their offsets in the block, ids and hashes. With caps at the
/// top of each class's window, these are the rows a sample can keep: usually
/// a small share, so reading on only them makes the rest of the pass cheap.
/// Found eight rows at a time with AVX-512 where the level has it, by the
/// plain loop otherwise and for the last rows; every level takes the same
/// rows.
pub(crate) struct CappedRows {
    at: Vec<u32>,
    ids: Vec<u32>,
    hashes: Vec<u64>,
    pub(crate) len: usize,
    /// The rows' rank hashes, for the plain loop.
    scratch: Vec<u64>,
}

impl CappedRows {
    /// Room for blocks of up to `rows` rows.
    pub(crate) fn new(rows: usize) -> Self {
        CappedRows { at: vec![0; rows], ids: vec![0; rows], hashes: vec![0; rows], len: 0, scratch: vec![0; rows] }
    }

    /// Take the rows of `ids` (at most the rows given to [`Self::new`], the
    /// first at `first_row`) at or below their class's cap.
    pub(crate) fn find(&mut self, ids: &[u32], first_row: usize, ranker: Ranker<'_>, caps: &[u64]) {
        self.find_at(super::level(), ids, first_row, ranker, caps)
    }

    pub(crate) fn find_at(&mut self, level: Level, ids: &[u32], first_row: usize, ranker: Ranker<'_>, caps: &[u64]) {
        assert!(ids.len() <= self.at.len(), "a block fits the room given");
        self.len = 0;
        let done = capped_where_available(level, ids, first_row, ranker, caps, self);
        let hashes = &mut self.scratch[done..ids.len()];
        rank_hashes_at(level, ranker, first_row + done, hashes);
        for (j, (&id, &h)) in (done..).zip(ids[done..].iter().zip(hashes.iter())) {
            // every row is written at the next free slot, which only a taken row keeps
            let k = self.len;
            (self.at[k], self.ids[k], self.hashes[k]) = (j as u32, id, h);
            self.len += usize::from(caps.get(id as usize).is_some_and(|&cap| h <= cap));
        }
    }

    /// The taken rows: (offset in the block, id, hash).
    pub(crate) fn rows(&self) -> impl Iterator<Item = (usize, usize, u64)> + '_ {
        let n = self.len;
        (self.at[..n].iter().zip(&self.ids[..n]).zip(&self.hashes[..n]))
            .map(|((&at, &id), &h)| (at as usize, id as usize, h))
    }
}

/// [`capped_avx512`] where the level has AVX-512 F, DQ, VL and POPCNT and the
/// ids fit its 32-bit gather offsets (none of the rows otherwise): how many
/// rows it read.
#[inline(always)]
fn capped_where_available(
    level: Level,
    ids: &[u32],
    first_row: usize,
    ranker: Ranker<'_>,
    caps: &[u64],
    out: &mut CappedRows,
) -> usize {
    #[cfg(target_arch = "x86_64")]
    if caps.len() < i32::MAX as usize && level >= Level::Avx512 {
        // SAFETY: the level is at most the CPU's, which then supports AVX-512
        // F, DQ, VL and POPCNT; `caps`
        // is indexed by `i32` offsets.
        return unsafe { capped_avx512(ids, first_row, ranker, caps, out) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (level, ids, first_row, ranker, caps, out);
    0
}

/// [`CappedRows::find`] eight rows at a time: each lane hashes its row's key
/// and gathers its class's cap; the taken lanes' offsets, ids and hashes are
/// packed to the front of their vectors (compress) and stored at once.
/// Returns how many rows it read (a multiple of 8; the caller reads the
/// rest), with `out.len` the rows taken.
///
/// # Safety
/// The CPU must support AVX-512 F, DQ, VL and POPCNT, and `caps.len()` must
/// be below `i32::MAX`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,popcnt")]
unsafe fn capped_avx512(
    ids: &[u32],
    first_row: usize,
    ranker: Ranker<'_>,
    caps: &[u64],
    out: &mut CappedRows,
) -> usize {
    use std::arch::x86_64::*;
    // eight values are stored at or before row `j`: `j + 8` slots of room each
    let n = ids.len().min(out.at.len()).min(out.ids.len()).min(out.hashes.len());
    let n = ranker.rows_with_keys(first_row, n);
    let n_caps = _mm256_set1_epi32(caps.len() as i32);
    let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    let (mut j, mut k) = (0, 0);
    while j + 8 <= n {
        // SAFETY: `j + 8 <= n`: the eight ids (and keys) read are in their slices.
        let (id, h) =
            unsafe { (_mm256_loadu_si256(ids.as_ptr().add(j).cast()), rank_hashes_x8(ranker, first_row + j)) };
        let labelled = _mm256_cmplt_epu32_mask(id, n_caps);
        // SAFETY: only labelled lanes load, each `caps[id]` with `id < caps.len()`.
        let cap =
            unsafe { _mm512_mask_i32gather_epi64::<8>(_mm512_setzero_si512(), labelled, id, caps.as_ptr().cast()) };
        let take = _mm512_mask_cmple_epu64_mask(labelled, h, cap);
        let at = _mm256_add_epi32(_mm256_set1_epi32(j as i32), lanes);
        // SAFETY: `k <= j` and `j + 8 <= n`, at most each vector's length:
        // the eight values stored at `k` are inside them.
        unsafe {
            _mm256_storeu_si256(out.at.as_mut_ptr().add(k).cast(), _mm256_maskz_compress_epi32(take, at));
            _mm256_storeu_si256(out.ids.as_mut_ptr().add(k).cast(), _mm256_maskz_compress_epi32(take, id));
            _mm512_storeu_si512(out.hashes.as_mut_ptr().add(k).cast(), _mm512_maskz_compress_epi64(take, h));
        }
        k += take.count_ones() as usize;
        j += 8;
    }
    out.len = k;
    j
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{mix64, RowKeys};
    use crate::simd::testing::{block_ids, levels};

    #[test]
    fn capped_rows_are_those_at_or_below_their_cap() {
        let n_classes = 29;
        let keys: Vec<u64> = (0..5000).map(|i| mix64(i + 9)).collect();
        // caps at 0, the top, and in between (some at a row's hash exactly)
        let caps: Vec<u64> = (0..n_classes as u64)
            .map(|c| match c % 5 {
                0 => 0,
                1 => u64::MAX,
                2 => Ranker::new(RowKeys::Position, 3).key(1000 + c as usize).0,
                _ => mix64(c) >> (c % 4),
            })
            .collect();
        for (ranker, first_row) in
            [(Ranker::new(RowKeys::Position, 3), 1000), (Ranker::new(RowKeys::Hashed(&keys), 4), 321)]
        {
            for n in [0, 1, 7, 8, 9, 15, 16, 17, 2045, 2048] {
                let ids = block_ids(n, n_classes, 40);
                let want: Vec<(usize, usize, u64)> = (0..n)
                    .map(|j| (j, ids[j] as usize, ranker.key(first_row + j).0))
                    .filter(|&(_, c, h)| caps.get(c).is_some_and(|&cap| h <= cap))
                    .collect();
                for level in levels() {
                    let mut capped = CappedRows::new(2048);
                    capped.find_at(level, &ids, first_row, ranker, &caps);
                    assert_eq!(capped.rows().collect::<Vec<_>>(), want, "{level:?}, {n} rows");
                    let done = capped_where_available(level, &ids, first_row, ranker, &caps, &mut CappedRows::new(n));
                    let full = if level >= Level::Avx512 { n / 8 * 8 } else { 0 };
                    assert_eq!(done, full, "{level:?}: the vector path read every full group of eight");
                }
                if n == 2045 {
                    assert!(want.len() > 100 && want.len() < n - 100, "some rows are taken, some not");
                }
            }
        }
    }
}
