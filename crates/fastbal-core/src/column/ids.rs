//! Raw ids: the one way kernels read a column. An [`IdSource`] turns any
//! stretch of rows into a block of `u32` ids, [`NULL`] for a missing label.

/// The raw id (and class code) of a null row.
pub const NULL: u32 = u32::MAX;

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
    /// [`Self::read`], with every id at or past `bound` written as [`NULL`]
    /// (a source may fuse the two).
    fn read_below(&self, chunk: usize, start: usize, out: &mut [u32], bound: u32) {
        self.read(chunk, start, out);
        for id in out.iter_mut() {
            *id = if *id < bound { *id } else { NULL };
        }
    }
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
    fn read_below(&self, chunk: usize, start: usize, out: &mut [u32], bound: u32) {
        (**self).read_below(chunk, start, out, bound)
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
