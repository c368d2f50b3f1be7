//! Borrowed views of a label column, and the parallel driver every kernel uses.
//!
//! A column arrives as chunks (Arrow chunks, or one numpy buffer). Each chunk is
//! a set of borrowed slices plus an optional validity bitmap; nothing is copied.
//! Kernels never look at values directly: an [`IdSource`] turns any stretch of
//! rows into a block of *raw ids* (`u32`, [`NULL`] for a missing label), and
//! the driver ([`fold_blocks`], [`map_blocks`]) walks those blocks in parallel.

use rayon::prelude::*;

/// The raw id (and class code) of a null row.
pub const NULL: u32 = u32::MAX;

/// Rows decoded at once: small enough to stay in L1 beside the kernel's tables.
pub const BLOCK: usize = 2048;

/// Rows handed to one parallel task.
const SEGMENT: usize = 1 << 16;

/// An Arrow validity bitmap: bit `offset + i` (LSB first) is set when row `i` is valid.
#[derive(Clone, Copy, Debug)]
pub struct Validity<'a> {
    bits: &'a [u8],
    offset: usize,
}

impl<'a> Validity<'a> {
    /// Wrap a bitmap; `offset` is the bit position of row 0.
    pub fn new(bits: &'a [u8], offset: usize) -> Self {
        Self { bits, offset }
    }

    /// Whether row `i` holds a label.
    #[inline]
    pub fn is_valid(&self, i: usize) -> bool {
        let j = i + self.offset;
        (self.bits[j >> 3] >> (j & 7)) & 1 == 1
    }

    /// Number of null rows among rows `0..len`.
    pub fn null_count(&self, len: usize) -> usize {
        (0..len).filter(|&i| !self.is_valid(i)).count()
    }
}

/// One chunk of fixed-width values: a slice and its validity.
#[derive(Clone, Copy, Debug)]
pub struct Chunk<'a, T> {
    pub values: &'a [T],
    pub validity: Option<Validity<'a>>,
}

impl<'a, T> Chunk<'a, T> {
    pub fn new(values: &'a [T], validity: Option<Validity<'a>>) -> Self {
        Self { values, validity }
    }

    #[inline]
    pub fn is_valid(&self, i: usize) -> bool {
        self.validity.is_none_or(|v| v.is_valid(i))
    }
}

impl<T: Copy> Chunk<'_, T> {
    /// Write `id(value)` for rows `start..start + out.len()`, [`NULL`] for null rows.
    #[inline(always)]
    pub fn read_ids(&self, start: usize, out: &mut [u32], id: impl Fn(T) -> u32) {
        let values = &self.values[start..start + out.len()];
        match self.validity {
            None => out.iter_mut().zip(values).for_each(|(o, &v)| *o = id(v)),
            Some(valid) => {
                for (j, (o, &v)) in out.iter_mut().zip(values).enumerate() {
                    *o = if valid.is_valid(start + j) { id(v) } else { NULL };
                }
            }
        }
    }
}

/// A label column read as raw ids: every row maps to an id in `0..n_ids()` or
/// to [`NULL`]. Ids are ordered like the label values they stand for, so the
/// class order is the value order whatever the input's representation.
pub trait IdSource: Sync {
    /// Size of the raw id space.
    fn n_ids(&self) -> usize;
    /// Lengths of the chunks, in row order.
    fn chunk_lens(&self) -> Vec<usize>;
    /// Write the raw ids of rows `start..start + out.len()` of chunk `chunk`.
    fn read(&self, chunk: usize, start: usize, out: &mut [u32]);
    /// Total rows.
    fn len(&self) -> usize {
        self.chunk_lens().iter().sum()
    }
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T: IdSource + ?Sized> IdSource for &T {
    fn n_ids(&self) -> usize {
        (**self).n_ids()
    }
    fn chunk_lens(&self) -> Vec<usize> {
        (**self).chunk_lens()
    }
    fn read(&self, chunk: usize, start: usize, out: &mut [u32]) {
        (**self).read(chunk, start, out)
    }
}

/// Raw ids that are already materialized (class codes of a factorized column).
pub struct CodeIds<'a> {
    pub codes: &'a [u32],
    pub n_ids: usize,
}

impl IdSource for CodeIds<'_> {
    fn n_ids(&self) -> usize {
        self.n_ids
    }
    fn chunk_lens(&self) -> Vec<usize> {
        vec![self.codes.len()]
    }
    fn read(&self, _chunk: usize, start: usize, out: &mut [u32]) {
        out.copy_from_slice(&self.codes[start..start + out.len()]);
    }
}

/// Look up a per-class table for every id of a block: `out[j] = table[ids[j]]`,
/// `missing` for [`NULL`] (and any id past the table). The table is copied
/// with `missing` appended so the lookup is a clamped, branch-free index.
pub fn gather_by_id<T: Copy + Send + Sync>(src: &dyn IdSource, table: &[T], missing: T, out: &mut [T]) {
    let mut padded = Vec::with_capacity(table.len() + 1);
    padded.extend_from_slice(table);
    padded.push(missing);
    let last = table.len();
    map_blocks(src, out, |_, ids, out| {
        for (o, &id) in out.iter_mut().zip(ids) {
            *o = padded[(id as usize).min(last)];
        }
    });
}

/// A zero-filled vector of `n` values for a per-row output.
///
/// Large outputs are written once, right after allocation; the first touch of
/// fresh memory dominates such a pass. On Linux the allocation is advised to
/// use huge pages (as numpy does for its arrays), so it faults once per 2 MiB
/// instead of once per 4 KiB.
pub fn zeroed<T: Clone + Zero>(n: usize) -> Vec<T> {
    let v = vec![T::ZERO; n]; // calloc: fresh pages, not yet touched
    advise_huge_pages(v.as_ptr().cast(), std::mem::size_of_val(v.as_slice()));
    v
}

/// Types whose all-zero value [`zeroed`] allocates.
pub trait Zero {
    const ZERO: Self;
}

macro_rules! zero {
    ($($t:ty = $z:expr),*) => {$(impl Zero for $t { const ZERO: Self = $z; })*};
}
zero!(bool = false, i8 = 0, i16 = 0, i32 = 0, i64 = 0, u8 = 0, u32 = 0, u64 = 0, f64 = 0.0);

#[cfg(target_os = "linux")]
fn advise_huge_pages(ptr: *const u8, len: usize) {
    const PAGE: usize = 4096;
    if len < 4 << 20 {
        return;
    }
    let start = (ptr as usize).next_multiple_of(PAGE);
    let end = (ptr as usize + len) / PAGE * PAGE;
    if end > start {
        // SAFETY: the range lies inside one live allocation; MADV_HUGEPAGE only
        // changes how the kernel backs those pages, never their contents.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_ptr: *const u8, _len: usize) {}

/// A stretch of rows handed to one task.
#[derive(Clone, Copy, Debug)]
struct Segment {
    chunk: usize,
    start: usize,
    len: usize,
    /// Global position of the segment's first row.
    row: usize,
}

fn segments(lens: &[usize]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut row = 0;
    for (chunk, &len) in lens.iter().enumerate() {
        let mut start = 0;
        while start < len {
            let n = SEGMENT.min(len - start);
            out.push(Segment { chunk, start, len: n, row });
            start += n;
            row += n;
        }
    }
    out
}

fn for_each_block(src: &dyn IdSource, seg: Segment, buf: &mut [u32], mut f: impl FnMut(usize, &[u32])) {
    let mut done = 0;
    while done < seg.len {
        let n = BLOCK.min(seg.len - done);
        let ids = &mut buf[..n];
        src.read(seg.chunk, seg.start + done, ids);
        f(seg.row + done, ids);
        done += n;
    }
}

/// Fold every block of raw ids into one accumulator per contiguous group of
/// rows (one group per thread), returned in row order.
///
/// `f(acc, row, ids)` receives the global position of the block's first row.
pub fn fold_groups<A, I, F>(src: &dyn IdSource, init: I, f: F) -> Vec<A>
where
    A: Send,
    I: Fn() -> A + Sync + Send,
    F: Fn(&mut A, usize, &[u32]) + Sync,
{
    let segs = segments(&src.chunk_lens());
    let groups = rayon::current_num_threads().clamp(1, segs.len().max(1));
    let per_group = segs.len().div_ceil(groups).max(1);
    segs.par_chunks(per_group)
        .map(|group| {
            let mut acc = init();
            let mut buf = vec![0u32; BLOCK];
            for &seg in group {
                for_each_block(src, seg, &mut buf, |row, ids| f(&mut acc, row, ids));
            }
            acc
        })
        .collect()
}

/// [`fold_groups`], then merge the accumulators. Callers merge associatively
/// (counts, sums), which makes the result independent of the thread count.
pub fn fold_blocks<A, I, F, M>(src: &dyn IdSource, init: I, f: F, merge: M) -> A
where
    A: Send,
    I: Fn() -> A + Sync + Send,
    F: Fn(&mut A, usize, &[u32]) + Sync,
    M: Fn(A, A) -> A,
{
    fold_groups(src, &init, f).into_iter().reduce(merge).unwrap_or_else(init)
}

/// Visit every block in row order on the calling thread.
pub fn for_each_block_seq(src: &dyn IdSource, mut f: impl FnMut(usize, &[u32])) {
    let mut buf = vec![0u32; BLOCK];
    for seg in segments(&src.chunk_lens()) {
        for_each_block(src, seg, &mut buf, &mut f);
    }
}

/// Fill a per-row output in parallel: `f(row, ids, out)` writes `out[j]` for
/// the block's rows, where `out` is the matching stretch of `output`.
pub fn map_blocks<T, F>(src: &dyn IdSource, output: &mut [T], f: F)
where
    T: Send,
    F: Fn(usize, &[u32], &mut [T]) + Sync,
{
    assert_eq!(output.len(), src.len(), "output length must match the column");
    let segs = segments(&src.chunk_lens());
    let mut pieces = Vec::with_capacity(segs.len());
    let mut rest = output;
    for seg in &segs {
        let (head, tail) = rest.split_at_mut(seg.len);
        pieces.push((*seg, head));
        rest = tail;
    }
    pieces.into_par_iter().for_each_init(
        || vec![0u32; BLOCK],
        |buf, (seg, out)| {
            for_each_block(src, seg, buf, |row, ids| {
                let at = row - seg.row;
                f(row, ids, &mut out[at..at + ids.len()]);
            });
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_reads_bits_with_offset() {
        // bits: 0b1011_0101 -> rows from offset 2: 1,0,1,1,0,1
        let v = Validity::new(&[0b1011_0101], 2);
        let got: Vec<bool> = (0..6).map(|i| v.is_valid(i)).collect();
        assert_eq!(got, [true, false, true, true, false, true]);
        assert_eq!(v.null_count(6), 2);
    }

    #[test]
    fn segments_cover_chunks_in_order() {
        let segs = segments(&[3, 0, SEGMENT + 5]);
        let rows: Vec<(usize, usize, usize, usize)> = segs.iter().map(|s| (s.chunk, s.start, s.len, s.row)).collect();
        assert_eq!(rows, [(0, 0, 3, 0), (2, 0, SEGMENT, 3), (2, SEGMENT, 5, SEGMENT + 3)]);
    }

    #[test]
    fn map_blocks_sees_global_rows() {
        let codes: Vec<u32> = (0..200_000u32).map(|i| i % 7).collect();
        let src = CodeIds { codes: &codes, n_ids: 7 };
        let mut out = vec![0u64; codes.len()];
        map_blocks(&src, &mut out, |row, ids, out| {
            for (j, &id) in ids.iter().enumerate() {
                out[j] = (row + j) as u64 * 10 + id as u64;
            }
        });
        assert!(out.iter().enumerate().all(|(i, &v)| v == i as u64 * 10 + (i % 7) as u64));
    }
}
