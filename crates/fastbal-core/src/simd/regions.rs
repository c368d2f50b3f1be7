//! Each row's *region* among its class's cut windows (see
//! `crate::rank::regions`): the plain loop and the AVX-512 one, eight rows
//! at a time.

use bytemuck::NoUninit;

use super::hashes::rank_hashes_at;
#[cfg(target_arch = "x86_64")]
use super::hashes::rank_hashes_x8;
use super::Level;
use crate::hash::Ranker;

/// One class's window edges (`[lo, hi]`) and where its regions start. Laid
/// out as `2 * W + 1` words, so that the vector classify finds class `c`'s
/// edges at word `c * (2 * W + 1)` of the table.
#[derive(Clone, Copy)]
#[repr(C)]
pub(crate) struct ClassWindows<const W: usize> {
    pub(crate) edges: [[u64; 2]; W],
    pub(crate) base: u64,
}

/// A block of rows to classify: their ids, the position of the first (with
/// the ranker, their rank hashes), and their classes' windows, of which the
/// `top` region (above a class's last window) is not counted.
#[derive(Clone, Copy)]
pub(crate) struct Rows<'a, const W: usize> {
    pub(crate) ids: &'a [u32],
    pub(crate) first_row: usize,
    pub(crate) ranker: Ranker<'a>,
    pub(crate) classes: &'a [ClassWindows<W>],
    pub(crate) top: u64,
}

/// What [`classify`] writes for a block: per row, its region (`at`) and
/// whether it is inside a window (bit `j % 8` of `inside[j / 8]`); the
/// regions to count, `n_counted` of them, in row order.
pub(crate) struct RegionsOut<'a> {
    pub(crate) at: &'a mut [u32],
    pub(crate) inside: &'a mut [u8],
    /// Room for every row and eight more (the vector path stores eight at a time).
    pub(crate) counted: &'a mut [u32],
    pub(crate) n_counted: usize,
}

/// Classify every row of `rows` into `out` (which starts with `n_counted`
/// regions already counted): full groups of eight with AVX-512 where the
/// level has it, the rest by the plain loop, from the rank hashes it writes
/// to `scratch` (room for every row). With a `direct` table and output, the
/// vector path also writes the rows' outputs: how many rows (from the first)
/// it wrote. Every level gives the same regions.
pub(crate) fn classify<const W: usize, T: NoUninit>(
    rows: Rows<'_, W>,
    out: &mut RegionsOut<'_>,
    direct: Option<(&OutputTable, &mut [T])>,
    scratch: &mut [u64],
) -> usize {
    classify_at(super::level(), rows, out, direct, scratch)
}

pub(crate) fn classify_at<const W: usize, T: NoUninit>(
    level: Level,
    rows: Rows<'_, W>,
    out: &mut RegionsOut<'_>,
    direct: Option<(&OutputTable, &mut [T])>,
    scratch: &mut [u64],
) -> usize {
    let n = rows.ids.len();
    let (done, written) = regions_where_available(level, rows, out, direct);
    if done < n {
        let hashes = &mut scratch[done..n];
        rank_hashes_at(level, rows.ranker, rows.first_row + done, hashes);
        regions_plain(rows, hashes, out, done);
    }
    written
}

/// The region of each row of a block from row `from` on, given the rank
/// hashes of those rows (see [`BlockRegions`]): `at[j]`; bit `j % 8` of
/// `inside[j / 8]` set when the row is inside a window (the bytes from
/// `from / 8` on are rewritten; `from` is a multiple of 8); and the region
/// appended to `counted` when the row is labelled and below its class's
/// `top` region.
fn regions_plain<const W: usize>(rows: Rows<'_, W>, hashes: &[u64], out: &mut RegionsOut<'_>, from: usize) {
    debug_assert_eq!(from % 8, 0);
    let (classes, top) = (rows.classes, rows.top);
    let no_label = (classes.len() * (2 * W + 1)) as u32;
    out.inside[from / 8..].fill(0);
    for (j, (&id, &h)) in (from..out.at.len()).zip(rows.ids[from.min(rows.ids.len())..].iter().zip(hashes)) {
        let (region, r) = match classes.get(id as usize) {
            None => (no_label, None),
            Some(class) => {
                let r: u64 = class.edges.iter().map(|&[lo, hi]| u64::from(h >= lo) + u64::from(h > hi)).sum();
                ((class.base + r) as u32, Some(r))
            }
        };
        out.at[j] = region;
        out.inside[j / 8] |= u8::from(r.is_some_and(|r| r & 1 == 1)) << (j % 8);
        if r.is_some_and(|r| r < top) {
            out.counted[out.n_counted] = region;
            out.n_counted += 1;
        }
    }
}

/// Per region, the bytes of its rows' output widened to a `u32` (and last,
/// those of rows without a label), for the vector path to gather and write
/// itself: for outputs of one or two bytes.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) struct OutputTable {
    pub(crate) words: Vec<u32>,
    pub(crate) width: usize,
}

impl OutputTable {
    pub(crate) fn new<T: NoUninit>(region_out: &[T]) -> Option<Self> {
        let width = std::mem::size_of::<T>();
        if width != 1 && width != 2 {
            return None;
        }
        let words = region_out
            .iter()
            .map(|v| {
                let mut word = [0u8; 4];
                word[..width].copy_from_slice(bytemuck::bytes_of(v));
                u32::from_le_bytes(word)
            })
            .collect();
        Some(OutputTable { words, width })
    }
}

/// [`regions_avx512`] where the level has AVX-512 F, DQ, VL and POPCNT and the region
/// numbers fit its 32-bit gather offsets (none of the rows otherwise): how
/// many rows it classified, and of those how many outputs it wrote to the
/// `direct` output (through its table).
#[inline(always)]
fn regions_where_available<const W: usize, T: NoUninit>(
    level: Level,
    rows: Rows<'_, W>,
    out: &mut RegionsOut<'_>,
    direct: Option<(&OutputTable, &mut [T])>,
) -> (usize, usize) {
    let n_regions = rows.classes.len() * (2 * W + 1);
    #[cfg(target_arch = "x86_64")]
    if n_regions < i32::MAX as usize && level >= Level::Avx512 {
        let direct = direct.filter(|(t, _)| t.words.len() > n_regions && t.width == std::mem::size_of::<T>());
        // SAFETY: the level is at most the CPU's, which then supports AVX-512
        // F, DQ, VL and POPCNT; the regions fit
        // `i32`, and the table has an entry for every region and no label.
        return unsafe { regions_avx512(rows, out, direct) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (level, rows, out, direct, n_regions);
    (0, 0)
}

/// [`regions_plain`] eight rows at a time, from the rows' keys: each lane
/// hashes its row's key, gathers its class's window edges (class `c`'s are
/// at word `c * (2 * W + 1)` of `classes`, which is also its first region),
/// compares its hash with them, and the comparisons sum to its region; the regions to count are packed to the
/// front of a vector (compress) and stored at once; with a `direct` output,
/// the rows' outputs are gathered from its table and written. Returns how
/// many rows it classified (a multiple of 8; the caller classifies the rest)
/// and how many outputs it wrote (as many, or none).
///
/// # Safety
/// The CPU must support AVX-512 F, DQ, VL and POPCNT, `classes.len() * (2 * W + 1)`
/// must be below `i32::MAX`, and a `direct` table must hold more words than
/// that, of `size_of::<T>()` bytes each.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,popcnt")]
unsafe fn regions_avx512<const W: usize, T: NoUninit>(
    rows: Rows<'_, W>,
    out: &mut RegionsOut<'_>,
    direct: Option<(&OutputTable, &mut [T])>,
) -> (usize, usize) {
    use std::arch::x86_64::*;
    let Rows { ids, first_row, ranker, classes, top } = rows;
    let n = ids.len().min(out.at.len()).min(out.inside.len() * 8);
    let n = direct.as_ref().map_or(n, |(_, o)| n.min(o.len()));
    // the output's bytes; the table's words hold the bytes of `T` values
    let direct = direct.map(|(t, o)| (t.words.as_ptr().cast::<i32>(), o.as_mut_ptr().cast::<u8>()));
    let n = ranker.rows_with_keys(first_row, n);
    // room for eight more regions to count than there are rows
    let n = n.min(out.counted.len().saturating_sub(out.n_counted + 8));
    let per_class = 2 * W + 1;
    let words = classes.as_ptr().cast::<i64>();
    let n_classes = _mm256_set1_epi32(classes.len() as i32);
    let stride = _mm256_set1_epi32(per_class as i32);
    let no_label = _mm256_set1_epi32((classes.len() * per_class) as i32);
    let (zero, one, top) = (_mm512_setzero_si512(), _mm512_set1_epi64(1), _mm512_set1_epi64(top as i64));
    let (mut j, mut k) = (0, out.n_counted);
    while j + 8 <= n {
        // SAFETY: `j + 8 <= n`: the eight ids (and keys) read are in their slices.
        let (id, h) =
            unsafe { (_mm256_loadu_si256(ids.as_ptr().add(j).cast()), rank_hashes_x8(ranker, first_row + j)) };
        let labelled = _mm256_cmplt_epu32_mask(id, n_classes);
        // no overflow: a labelled id is below `classes.len()`, and the product below `i32::MAX`
        let first = _mm256_mullo_epi32(id, stride);
        let mut r = zero;
        for w in 0..W {
            // SAFETY: only labelled lanes load, each from words `first + 2w`
            // and `first + 2w + 1`: `edges[w]` of its class, inside `classes`.
            let (lo, hi) = unsafe {
                (
                    _mm512_mask_i32gather_epi64::<8>(zero, labelled, first, words.add(2 * w)),
                    _mm512_mask_i32gather_epi64::<8>(zero, labelled, first, words.add(2 * w + 1)),
                )
            };
            r = _mm512_mask_add_epi64(r, _mm512_cmpge_epu64_mask(h, lo), r, one);
            r = _mm512_mask_add_epi64(r, _mm512_cmpgt_epu64_mask(h, hi), r, one);
        }
        let region = _mm256_mask_add_epi32(no_label, labelled, first, _mm512_cvtepi64_epi32(r));
        let counted = _mm512_mask_cmplt_epu64_mask(labelled, r, top);
        if let Some((words, bytes)) = direct {
            // SAFETY: every region is at most `classes.len() * (2 * W + 1)`
            // (no label), below the table's length; `j + 8 <= n`, at most the
            // output's length: the eight values stored are in the output, and
            // are the bytes of `T` values (the table's).
            unsafe {
                let v = _mm256_i32gather_epi32::<4>(words, region);
                if std::mem::size_of::<T>() == 1 {
                    _mm_storel_epi64(bytes.add(j).cast(), _mm256_cvtepi32_epi8(v));
                } else {
                    _mm_storeu_si128(bytes.add(2 * j).cast(), _mm256_cvtepi32_epi16(v));
                }
            }
        }
        // SAFETY: `j + 8 <= n`: the eight regions stored are in `at`, the byte
        // in `inside`; `k + 8 <= counted.len()` (`k - n_counted <= j` and the bound on `n`).
        unsafe {
            _mm256_storeu_si256(out.at.as_mut_ptr().add(j).cast(), region);
            *out.inside.get_unchecked_mut(j / 8) = _mm512_mask_test_epi64_mask(labelled, r, one);
            _mm256_storeu_si256(out.counted.as_mut_ptr().add(k).cast(), _mm256_maskz_compress_epi32(counted, region));
        }
        k += counted.count_ones() as usize;
        j += 8;
    }
    out.n_counted = k;
    (j, if direct.is_some() { j } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{mix64, RowKeys};
    use crate::simd::testing::{block_ids, levels};

    /// Classes of `W` windows each (the last ones padded with windows at the
    /// top of the hash space when `pad`), their edges drawn from `hashes`
    /// (some moved by one) so that rows fall on them.
    fn windows_on<const W: usize>(hashes: &[u64], n_classes: usize, pad: bool) -> Vec<ClassWindows<W>> {
        (0..n_classes)
            .map(|c| {
                let mut edges: Vec<u64> = (0..2 * W as u64)
                    .map(|i| {
                        let pick = mix64(c as u64 * 64 + i);
                        hashes
                            .get(pick as usize % hashes.len().max(1))
                            .map_or(pick, |h| h.wrapping_add([0, 0, 1, u64::MAX][(pick >> 60) as usize % 4]))
                    })
                    .collect();
                edges.sort_unstable();
                let mut class = ClassWindows { edges: [[u64::MAX; 2]; W], base: (c * (2 * W + 1)) as u64 };
                let used = if pad { W - c % W } else { W };
                for i in 0..used {
                    class.edges[i] = [edges[2 * i], edges[2 * i + 1]];
                }
                class
            })
            .collect()
    }

    /// What one level classifies: regions, inside flags, counted regions,
    /// and the outputs written through the table (one byte per region).
    fn run<const W: usize>(
        level: Level,
        rows: Rows<'_, W>,
        table: &OutputTable,
    ) -> (Vec<u32>, Vec<u8>, Vec<u32>, Vec<u8>) {
        let n = rows.ids.len();
        let (mut at, mut inside, mut counted) = (vec![0u32; n], vec![0xffu8; n.div_ceil(8)], vec![0u32; n + 8]);
        let mut written = vec![0xeeu8; n];
        let mut out = RegionsOut { at: &mut at, inside: &mut inside, counted: &mut counted, n_counted: 0 };
        let done = classify_at(level, rows, &mut out, Some((table, &mut written[..])), &mut vec![0; n]);
        let n_counted = out.n_counted;
        counted.truncate(n_counted);
        written.truncate(done);
        (at, inside, counted, written)
    }

    fn every_level_classifies_alike_for<const W: usize>() {
        let n_classes = 37;
        let keys: Vec<u64> = (0..5000).map(|i| mix64(i) >> 3).collect();
        let region_out: Vec<u8> = (0..=n_classes * (2 * W + 1)).map(|r| (mix64(r as u64) % 251) as u8).collect();
        let table = OutputTable::new(&region_out).expect("one-byte outputs");
        for n in [0, 1, 7, 8, 9, 15, 16, 17, 2045, 2048] {
            for (ranker, first_row) in
                [(Ranker::new(RowKeys::Position, 5), 1 << 33), (Ranker::new(RowKeys::Hashed(&keys), 6), 1234)]
            {
                let hashes: Vec<u64> = (0..n).map(|j| ranker.key(first_row + j).0).collect();
                let ids = block_ids(n, n_classes, 50);
                for pad in [false, true] {
                    let classes = windows_on::<W>(&hashes, n_classes, pad);
                    let top = 2 * (W as u64 - u64::from(pad)); // the real windows of the padded classes, at most
                    let rows = Rows { ids: &ids, first_row, ranker, classes: &classes, top };
                    let plain = run(Level::Off, rows, &table);
                    for level in levels() {
                        let got = run(level, rows, &table);
                        assert_eq!(got.0, plain.0, "{level:?}, {n} rows: regions");
                        assert_eq!(got.1, plain.1, "{level:?}, {n} rows: inside");
                        assert_eq!(got.2, plain.2, "{level:?}, {n} rows: counted");
                        if level >= Level::Avx512 {
                            assert_eq!(got.3.len(), n / 8 * 8, "the vector path wrote every full group of eight");
                        }
                        for (j, &o) in got.3.iter().enumerate() {
                            assert_eq!(o, region_out[got.0[j] as usize], "{level:?}: output of row {j}");
                        }
                    }
                    // the plain loop against the definition
                    let (at, inside, counted, _) = plain;
                    let no_label = (n_classes * (2 * W + 1)) as u32;
                    for j in 0..n {
                        let want = classes.get(ids[j] as usize).map_or((no_label, false), |class| {
                            let h = hashes[j];
                            let r = class.edges.iter().filter(|&&[lo, _]| h >= lo).count()
                                + class.edges.iter().filter(|&&[_, hi]| h > hi).count();
                            (class.base as u32 + r as u32, r % 2 == 1)
                        });
                        assert_eq!((at[j], inside[j / 8] >> (j % 8) & 1 == 1), want, "row {j}");
                    }
                    let want_counted: Vec<u32> = (0..n)
                        .filter(|&j| classes.get(ids[j] as usize).is_some_and(|c| u64::from(at[j]) - c.base < top))
                        .map(|j| at[j])
                        .collect();
                    assert_eq!(counted, want_counted);
                    if n >= 2045 {
                        assert!(inside.iter().any(|&b| b != 0), "some rows are inside a window");
                    }
                }
            }
        }
    }

    #[test]
    fn every_level_classifies_alike() {
        every_level_classifies_alike_for::<1>();
        every_level_classifies_alike_for::<2>();
        every_level_classifies_alike_for::<4>();
        every_level_classifies_alike_for::<16>();
    }
}
