//! Each row's *region* among its class's cut windows: the one pass behind
//! the split, k-fold, stratified sampling and under-sampling (see
//! [`crate::rank`]).
//!
//! A cut's rank key lies, with near certainty, in a narrow window of the hash
//! space around its expected quantile (`window`). Counting a row's class's
//! window edges at or below its hash places it between two windows (its part
//! is then known) or inside one (decided once that window's few rows are
//! ranked). `BlockRegions` classifies a block of rows, eight at a time with
//! AVX-512 where the CPU has it, and writes their outputs. A sample needs
//! less: `CappedRows` takes only the rows at or below the top of their
//! class's window (the rows it may keep), and their regions are found after.

use bytemuck::NoUninit;

use crate::blocks::BLOCK;
use crate::rank::{ClassCuts, RankKey, Ranker, RowKeys};

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
pub(crate) struct Regions {
    pub(crate) width: usize,
    /// Window `c * width + i` is class `c`'s `i`-th.
    pub(crate) lo: Vec<u64>,
    pub(crate) hi: Vec<u64>,
    /// Per window, its class's cuts before it and in it.
    pub(crate) cuts_before: Vec<u32>,
    pub(crate) cuts_in: Vec<u32>,
}

impl Regions {
    pub(crate) fn new(counts: &[u64], cuts: &[Vec<u64>]) -> Self {
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

    pub(crate) fn per_class(&self) -> usize {
        2 * self.width + 1
    }
}

/// The windows of one class's cuts (ascending ranks inside `0..n`), merged
/// where they overlap (a window's low edge can lie below its predecessor's:
/// their widths differ), each with the number of cuts it holds.
pub(crate) fn merged_windows(cuts: &[u64], n: u64) -> Vec<(Window, u32)> {
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

/// One class's window edges (`[lo, hi]`) and where its regions start. Laid
/// out as `2 * W + 1` words, so that the vector classify finds class `c`'s
/// edges at word `c * (2 * W + 1)` of the table.
#[derive(Clone, Copy)]
#[repr(C)]
pub(crate) struct ClassWindows<const W: usize> {
    edges: [[u64; 2]; W],
    base: u64,
}

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
/// spares a read-modify-write per row. The regions are found eight rows at a
/// time with AVX-512 where the CPU has it (chosen at run time), by the plain
/// loop otherwise and for the last rows; both give the same regions.
pub(crate) struct BlockRegions {
    first_row: usize,
    len: usize,
    /// The rows' rank hashes, for the plain loop.
    hashes: Vec<u64>,
    at: Vec<u32>,
    /// Bit `j % 8` of byte `j / 8`: row `j` is inside a window.
    inside: Vec<u8>,
    /// The regions of the labelled rows below their top region, `n_counted` of them.
    counted: Vec<u32>,
    n_counted: usize,
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

/// What [`regions_plain`] and [`regions_avx512`] write for a block.
struct RegionsOut<'a> {
    at: &'a mut [u32],
    inside: &'a mut [u8],
    /// Room for every row and eight more (the vector path stores eight at a time).
    counted: &'a mut [u32],
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
    /// it wrote.
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
        let (done, written) = regions_where_available(rows, &mut regions, direct);
        if done < n {
            let hashes = &mut self.hashes[done..n];
            rows.ranker.hashes(rows.first_row + done, hashes);
            regions_plain(rows, hashes, &mut regions, done);
        }
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
pub(crate) struct OutputTable {
    words: Vec<u32>,
    width: usize,
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

/// [`regions_avx512`] where the CPU has AVX-512 F, DQ, VL and POPCNT and the region
/// numbers fit its 32-bit gather offsets (none of the rows otherwise): how
/// many rows it classified, and of those how many outputs it wrote to the
/// `direct` output (through its table).
#[inline(always)]
fn regions_where_available<const W: usize, T: NoUninit>(
    rows: Rows<'_, W>,
    out: &mut RegionsOut<'_>,
    direct: Option<(&OutputTable, &mut [T])>,
) -> (usize, usize) {
    let n_regions = rows.classes.len() * (2 * W + 1);
    #[cfg(target_arch = "x86_64")]
    if n_regions < i32::MAX as usize && crate::cpu::has_avx512() {
        let direct = direct.filter(|(t, _)| t.words.len() > n_regions && t.width == std::mem::size_of::<T>());
        // SAFETY: the CPU supports AVX-512 F, DQ, VL and POPCNT, the regions fit
        // `i32`, and the table has an entry for every region and no label.
        return unsafe { regions_avx512(rows, out, direct) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (rows, out, direct, n_regions);
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

/// The rows of a block whose rank hash is at most their class's *cap*
/// (`caps[id]`; rows without a label, ids past `caps`, are never taken),
/// in row order: their offsets in the block, ids and hashes. With caps at the
/// top of each class's window, these are the rows a sample can keep: usually
/// a small share, so reading on only them makes the rest of the pass cheap.
/// Found eight rows at a time with AVX-512 where the CPU has it (chosen at
/// run time), by the plain loop otherwise and for the last rows; both take
/// the same rows.
pub(crate) struct CappedRows {
    at: Vec<u32>,
    ids: Vec<u32>,
    hashes: Vec<u64>,
    pub(crate) len: usize,
    /// The rows' rank hashes, for the plain loop.
    scratch: Vec<u64>,
}

impl CappedRows {
    pub(crate) fn new() -> Self {
        CappedRows { at: vec![0; BLOCK], ids: vec![0; BLOCK], hashes: vec![0; BLOCK], len: 0, scratch: vec![0; BLOCK] }
    }

    /// Take the rows of `ids` (at most [`BLOCK`], the first at `first_row`)
    /// at or below their class's cap.
    pub(crate) fn find(&mut self, ids: &[u32], first_row: usize, ranker: Ranker<'_>, caps: &[u64]) {
        assert!(ids.len() <= BLOCK, "a block has at most BLOCK rows");
        self.len = 0;
        let done = capped_where_available(ids, first_row, ranker, caps, self);
        let hashes = &mut self.scratch[done..ids.len()];
        ranker.hashes(first_row + done, hashes);
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

/// [`capped_avx512`] where the CPU has AVX-512 F, DQ, VL and POPCNT and the
/// ids fit its 32-bit gather offsets (none of the rows otherwise): how many
/// rows it read.
#[inline(always)]
fn capped_where_available(
    ids: &[u32],
    first_row: usize,
    ranker: Ranker<'_>,
    caps: &[u64],
    out: &mut CappedRows,
) -> usize {
    #[cfg(target_arch = "x86_64")]
    if caps.len() < i32::MAX as usize && crate::cpu::has_avx512() {
        // SAFETY: the CPU supports AVX-512 F, DQ, VL and POPCNT, and `caps`
        // is indexed by `i32` offsets.
        return unsafe { capped_avx512(ids, first_row, ranker, caps, out) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (ids, first_row, ranker, caps, out);
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

/// The rank hashes of the eight rows from `row` on ([`Ranker::key`]), in a
/// register.
///
/// # Safety
/// The CPU must support AVX-512 F and DQ, and with hashed keys,
/// `row + 8` must be at most the number of keys.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq")]
unsafe fn rank_hashes_x8(ranker: Ranker<'_>, row: usize) -> std::arch::x86_64::__m512i {
    use std::arch::x86_64::*;
    let key = match ranker.keys {
        RowKeys::Position => _mm512_add_epi64(_mm512_set1_epi64(row as i64), _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7)),
        // SAFETY: the caller's: `keys[row..row + 8]` exist.
        RowKeys::Hashed(keys) => unsafe { _mm512_loadu_si512(keys.as_ptr().add(row).cast()) },
    };
    mix64_x8(_mm512_xor_si512(key, _mm512_set1_epi64(ranker.offset as i64)))
}

/// [`crate::hash::mix64`] of eight words at once.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq")]
fn mix64_x8(x: std::arch::x86_64::__m512i) -> std::arch::x86_64::__m512i {
    use std::arch::x86_64::*;
    let x = _mm512_xor_si512(x, _mm512_srli_epi64::<30>(x));
    let x = _mm512_mullo_epi64(x, _mm512_set1_epi64(0xbf58_476d_1ce4_e5b9_u64 as i64));
    let x = _mm512_xor_si512(x, _mm512_srli_epi64::<27>(x));
    let x = _mm512_mullo_epi64(x, _mm512_set1_epi64(0x94d0_49bb_1331_11eb_u64 as i64));
    _mm512_xor_si512(x, _mm512_srli_epi64::<31>(x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::mix64;
    use crate::ids::NULL;

    /// Ids of `n` rows over `n_classes` classes: about one in `one_in` null,
    /// as many past the classes (no label either), the rest spread over them.
    fn block_ids(n: usize, n_classes: usize, one_in: u64) -> Vec<u32> {
        (0..n as u64)
            .map(|i| match mix64(i) % one_in {
                0 => NULL,
                1 => n_classes as u32 + 3,
                k => (k % n_classes as u64) as u32,
            })
            .collect()
    }

    /// Classes of `W` windows each (the last ones padded as in
    /// [`class_windows`] when `pad`), their edges drawn from `hashes` (some
    /// moved by one) so that rows fall on them.
    fn windows_on<const W: usize>(hashes: &[u64], n_classes: usize, pad: bool) -> Vec<ClassWindows<W>> {
        (0..n_classes)
            .map(|c| {
                let mut edges: Vec<u64> = (0..2 * W as u64)
                    .map(|i| {
                        let pick = mix64(c as u64 * 64 + i);
                        hashes[pick as usize % hashes.len()]
                            .wrapping_add([0, 0, 1, u64::MAX][(pick >> 60) as usize % 4])
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

    fn vector_regions_match_the_plain_loop_for<const W: usize>() {
        let n_classes = 37;
        let n = 2045; // not a multiple of eight: the plain loop finishes
        let keys: Vec<u64> = (0..5000).map(|i| mix64(i) >> 3).collect();
        for (ranker, first_row) in
            [(Ranker::new(RowKeys::Position, 5), 1 << 33), (Ranker::new(RowKeys::Hashed(&keys), 6), 1234)]
        {
            let hashes: Vec<u64> = (0..n).map(|j| ranker.key(first_row + j).0).collect();
            let ids = block_ids(n, n_classes, 50);
            for pad in [false, true] {
                let classes = windows_on::<W>(&hashes, n_classes, pad);
                let top = 2 * (W as u64 - u64::from(pad)); // the real windows of the padded classes, at most
                let rows = Rows { ids: &ids, first_row, ranker, classes: &classes, top };
                let run = |from_vector: bool| {
                    let (mut at, mut inside, mut counted) =
                        (vec![0u32; n], vec![0xffu8; n.div_ceil(8)], vec![0u32; n + 8]);
                    let mut out = RegionsOut { at: &mut at, inside: &mut inside, counted: &mut counted, n_counted: 0 };
                    let done = if from_vector { regions_where_available::<W, u8>(rows, &mut out, None).0 } else { 0 };
                    regions_plain(rows, &hashes[done..], &mut out, done);
                    let n_counted = out.n_counted;
                    counted.truncate(n_counted);
                    (done, at, inside, counted)
                };
                let (done, at, inside, counted) = run(true);
                #[cfg(target_arch = "x86_64")]
                if crate::cpu::has_avx512() {
                    assert_eq!(done, n / 8 * 8, "the vector path classified every full group of eight");
                }
                let (_, plain_at, plain_inside, plain_counted) = run(false);
                assert_eq!(at, plain_at);
                assert_eq!(inside, plain_inside);
                assert_eq!(counted, plain_counted);
                // the plain loop against the definition
                let no_label = (n_classes * (2 * W + 1)) as u32;
                for j in 0..n {
                    let want = classes.get(ids[j] as usize).map_or((no_label, false), |class| {
                        let h = hashes[j];
                        let r = class.edges.iter().filter(|&&[lo, _]| h >= lo).count()
                            + class.edges.iter().filter(|&&[_, hi]| h > hi).count();
                        (class.base as u32 + r as u32, r % 2 == 1)
                    });
                    assert_eq!((plain_at[j], plain_inside[j / 8] >> (j % 8) & 1 == 1), want, "row {j}");
                }
                let want_counted: Vec<u32> = (0..n)
                    .filter(|&j| classes.get(ids[j] as usize).is_some_and(|c| u64::from(plain_at[j]) - c.base < top))
                    .map(|j| plain_at[j])
                    .collect();
                assert_eq!(plain_counted, want_counted);
                assert!(plain_inside.iter().any(|&b| b != 0), "some rows are inside a window");
            }
        }
    }

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
            for n in [0, 7, 8, 2045, BLOCK] {
                let ids = block_ids(n, n_classes, 40);
                let want: Vec<(usize, usize, u64)> = (0..n)
                    .map(|j| (j, ids[j] as usize, ranker.key(first_row + j).0))
                    .filter(|&(_, c, h)| caps.get(c).is_some_and(|&cap| h <= cap))
                    .collect();
                let mut capped = CappedRows::new();
                capped.find(&ids, first_row, ranker, &caps);
                assert_eq!(capped.rows().collect::<Vec<_>>(), want, "{n} rows");
                if n == 2045 {
                    assert!(want.len() > 100 && want.len() < n - 100, "some rows are taken, some not");
                    let done = capped_where_available(&ids, first_row, ranker, &caps, &mut CappedRows::new());
                    if crate::cpu::has_avx512() {
                        assert_eq!(done, n / 8 * 8, "the vector path read every full group of eight");
                    }
                }
            }
        }
    }

    #[test]
    fn vector_regions_match_the_plain_loop() {
        vector_regions_match_the_plain_loop_for::<1>();
        vector_regions_match_the_plain_loop_for::<2>();
        vector_regions_match_the_plain_loop_for::<4>();
        vector_regions_match_the_plain_loop_for::<16>();
    }
}
