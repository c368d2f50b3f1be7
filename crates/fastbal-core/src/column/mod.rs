//! The column model: a label column as borrowed chunks, nothing copied.
//!
//! A column arrives as chunks (Arrow chunks, or one numpy buffer). Each chunk is
//! a set of borrowed slices plus an optional validity bitmap. Kernels never
//! look at values directly: [`crate::factorize`] turns a column into raw ids.

pub(crate) mod ids;
pub(crate) mod strings;

use std::ops::Range;

use crate::column::ids::NULL;
use crate::{Error, Result};

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

/// Integer label types: `key` maps a value to `u64` preserving order.
pub(crate) trait IntLabel: Copy + Ord + Send + Sync + 'static {
    const MIN: Self;
    const MAX: Self;
    const SIGNED: bool;
    /// `key(0)`: keys at or above it are non-negative values.
    const ZERO_KEY: u64 = if Self::SIGNED { 1 << 63 } else { 0 };
    fn key(self) -> u64;
}

macro_rules! int_label {
    (signed: $($t:ty),*) => {$(
        impl IntLabel for $t {
            const SIGNED: bool = true;
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
            #[inline(always)]
            fn key(self) -> u64 { (self as i64 as u64) ^ (1 << 63) }
        }
    )*};
    (unsigned: $($t:ty),*) => {$(
        impl IntLabel for $t {
            const SIGNED: bool = false;
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
            #[inline(always)]
            fn key(self) -> u64 { self as u64 }
        }
    )*};
}
int_label!(signed: i8, i16, i32, i64);
int_label!(unsigned: u8, u16, u32, u64);

/// One chunk of Arrow strings: offsets into a data buffer.
#[derive(Clone, Copy, Debug)]
pub struct StrChunk<'a, O> {
    pub offsets: &'a [O],
    pub data: &'a [u8],
    pub validity: Option<Validity<'a>>,
}

/// One chunk of Arrow string views (`utf8_view`): 16-byte views given as raw
/// little-endian bytes, and the data buffers they point into.
#[derive(Clone, Debug)]
pub struct ViewChunk<'a> {
    pub views: &'a [u8],
    pub buffers: Vec<&'a [u8]>,
    pub validity: Option<Validity<'a>>,
}

/// Fixed-width UCS-4 strings (numpy `<U`): `width` code points per row, given
/// as native-endian bytes; trailing NUL code points are padding.
#[derive(Clone, Copy, Debug)]
pub struct Ucs4Chunk<'a> {
    pub data: &'a [u8],
    pub width: usize,
    pub len: usize,
}

/// Integer chunks of one type.
#[derive(Clone, Debug)]
pub enum Ints<'a> {
    I8(Vec<Chunk<'a, i8>>),
    I16(Vec<Chunk<'a, i16>>),
    I32(Vec<Chunk<'a, i32>>),
    I64(Vec<Chunk<'a, i64>>),
    U8(Vec<Chunk<'a, u8>>),
    U16(Vec<Chunk<'a, u16>>),
    U32(Vec<Chunk<'a, u32>>),
    U64(Vec<Chunk<'a, u64>>),
}

/// Run `$body` with `$c` bound to the typed chunk vector of an [`Ints`].
macro_rules! with_ints {
    ($ints:expr, $c:ident => $body:expr) => {
        match $ints {
            $crate::column::Ints::I8($c) => $body,
            $crate::column::Ints::I16($c) => $body,
            $crate::column::Ints::I32($c) => $body,
            $crate::column::Ints::I64($c) => $body,
            $crate::column::Ints::U8($c) => $body,
            $crate::column::Ints::U16($c) => $body,
            $crate::column::Ints::U32($c) => $body,
            $crate::column::Ints::U64($c) => $body,
        }
    };
}

pub(crate) use with_ints;

impl Ints<'_> {
    /// Lengths of the chunks, in row order.
    pub fn chunk_lens(&self) -> Vec<usize> {
        with_ints!(self, c => c.iter().map(|c| c.values.len()).collect())
    }
}

/// A label column, borrowed from its owner (Arrow arrays, a numpy buffer).
#[derive(Clone, Debug)]
pub enum Column<'a> {
    Int(Ints<'a>),
    Utf8(Vec<StrChunk<'a, i32>>),
    LargeUtf8(Vec<StrChunk<'a, i64>>),
    View(Vec<ViewChunk<'a>>),
    Ucs4(Vec<Ucs4Chunk<'a>>),
    /// Dictionary-encoded: `values` has one chunk per key chunk, that chunk's
    /// dictionary, or a single chunk shared by every key chunk.
    Dict {
        keys: Ints<'a>,
        values: Box<Column<'a>>,
    },
}

impl Column<'_> {
    /// Lengths of the chunks, in row order.
    pub fn chunk_lens(&self) -> Vec<usize> {
        match self {
            Column::Int(ints) => ints.chunk_lens(),
            Column::Utf8(c) => c.iter().map(|c| c.offsets.len().saturating_sub(1)).collect(),
            Column::LargeUtf8(c) => c.iter().map(|c| c.offsets.len().saturating_sub(1)).collect(),
            Column::View(c) => c.iter().map(|c| c.views.len() / 16).collect(),
            Column::Ucs4(c) => c.iter().map(|c| c.len).collect(),
            Column::Dict { keys, .. } => keys.chunk_lens(),
        }
    }

    /// Total rows.
    pub fn len(&self) -> usize {
        self.chunk_lens().iter().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Where each key chunk's dictionary lies in the concatenated dictionary
/// values of a [`Column::Dict`]: its own chunk, or the one shared chunk.
pub(crate) fn dictionary_ranges(keys: &Ints<'_>, values: &Column<'_>) -> Result<Vec<Range<usize>>> {
    let (n_keys, lens) = (keys.chunk_lens().len(), values.chunk_lens());
    match lens.as_slice() {
        [shared] if n_keys > 1 => Ok(vec![0..*shared; n_keys]),
        _ if lens.len() == n_keys => {
            let mut at = 0;
            Ok(lens
                .iter()
                .map(|&len| {
                    at += len;
                    at - len..at
                })
                .collect())
        }
        _ => Err(Error::InvalidData("dictionary column has a different number of key and dictionary chunks".into())),
    }
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
}
