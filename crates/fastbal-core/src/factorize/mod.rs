//! Factorize once: any label column becomes raw ids, counts and the classes.
//!
//! Three routes, chosen by what the column is:
//! - small-range integers: the raw id is the value minus the minimum (no hashing);
//! - dictionary columns: the keys index the dictionary, whose (few) values are
//!   factorized themselves, so every chunk's dictionary maps to one class order;
//! - strings and sparse integers: parallel hash factorization ([`hashed`]):
//!   one small table per segment of rows for few distinct keys, and
//!   radix-partitioned tables for many.
//!
//! Classes are always ordered by value (integers numerically, strings by code
//! point), so the same labels give the same codes whatever their representation
//! or chunking.

pub(crate) mod classes;
pub(crate) mod hashed;
pub(crate) mod histogram;
pub(crate) mod labels;
pub(crate) mod partitioned;
pub(crate) mod row_keys;
pub(crate) mod sort;
pub(crate) mod table;
pub(crate) mod view;

use rayon::prelude::*;

use crate::column::ids::{CodeIds, IdSource, NULL};
use crate::column::strings::{str_key_reader, ucs4_class, ucs4_key_reader, utf8_class, view_key_reader, StrKey};
use crate::column::{dictionary_ranges, with_ints, Chunk, Column, IntLabel, Ints};
use crate::exec::alloc::zeroed;
use crate::exec::blocks::gather_by_id;
use crate::factorize::classes::Classes;
use crate::factorize::hashed::{hash_factorize, hashed, Decode, HashPath};
use crate::factorize::histogram::{dense_histogram, histogram, RawCounts};
use crate::simd::range::min_max;
use crate::{Error, Result};

/// What a raw id stands for.
pub(crate) enum RawClasses {
    /// Raw id `r` is the integer whose order key is `min + r`.
    IntRange { min: u64, signed: bool },
    /// Raw id `r` is `classes[r]`.
    Table(Classes),
}

/// Where raw ids come from: read from the column in place, or codes made
/// while hashing it (which [`Labels::new`](labels::Labels::new) hands on as they are).
pub(crate) enum Ids<'a> {
    Read(Box<dyn IdSource + 'a>),
    Owned(OwnedCodes),
}

/// A column made ready for kernels: a raw id reader, and what the ids mean.
pub struct Prepared<'a> {
    ids: Ids<'a>,
    raw: RawClasses,
    known_counts: Option<RawCounts>,
}

impl<'a> Prepared<'a> {
    /// Read a column as raw ids. Strings and sparse integers are hashed here
    /// (their codes materialized once); other columns are read in place.
    pub fn new(column: &'a Column<'a>) -> Result<Self> {
        Self::with_path(column, HashPath::Auto)
    }

    /// [`Prepared::new`], hashing by the given path.
    pub fn with_path(column: &'a Column<'a>, path: HashPath) -> Result<Self> {
        let lens = column.chunk_lens();
        match column {
            Column::Int(ints) => with_ints!(ints, c => prepare_ints(c, path)),
            Column::Utf8(c) => prepare_hashed(&lens, &c.iter().map(str_key_reader).collect::<Vec<_>>(), UTF8, path),
            Column::LargeUtf8(c) => {
                prepare_hashed(&lens, &c.iter().map(str_key_reader).collect::<Vec<_>>(), UTF8, path)
            }
            Column::View(c) => prepare_hashed(&lens, &c.iter().map(view_key_reader).collect::<Vec<_>>(), UTF8, path),
            Column::Ucs4(c) => prepare_hashed(&lens, &c.iter().map(ucs4_key_reader).collect::<Vec<_>>(), UCS4, path),
            Column::Dict { keys, values } => prepare_dict(keys, values),
        }
    }

    /// The raw id reader.
    pub fn ids(&self) -> &dyn IdSource {
        match &self.ids {
            Ids::Read(ids) => ids.as_ref(),
            Ids::Owned(codes) => codes,
        }
    }

    /// Counts per raw id (zero for ids no row holds) and the null count.
    pub fn raw_counts(&self) -> RawCounts {
        match &self.known_counts {
            Some(c) => c.clone(),
            None => histogram(self.ids()),
        }
    }

    /// Factorize: the classes present (class order), the class code of every
    /// row ([`NULL`] for nulls), and the counts per raw id.
    pub fn factorize(&self) -> (Classes, Vec<u32>, RawCounts) {
        let raw = self.raw_counts();
        let (classes, lut) = self.compact(&raw);
        let mut codes = zeroed(self.ids().len());
        gather_by_id(self.ids(), &lut, NULL, &mut codes);
        (classes, codes, raw)
    }

    /// The classes present, their counts (class order) and the null count.
    fn class_counts(&self) -> ClassCounts {
        let raw = self.raw_counts();
        let (classes, _) = self.compact(&raw);
        ClassCounts { classes, counts: raw.counts.into_iter().filter(|&c| c > 0).collect(), null_count: raw.null_count }
    }

    /// The classes present in `raw` (non-zero counts), in class order, and the
    /// map from raw id to class code ([`NULL`] for absent ids).
    pub fn compact(&self, raw: &RawCounts) -> (Classes, Vec<u32>) {
        let present: Vec<u32> = (0..raw.counts.len() as u32).filter(|&r| raw.counts[r as usize] > 0).collect();
        let mut lut = vec![NULL; raw.counts.len()];
        for (code, &r) in present.iter().enumerate() {
            lut[r as usize] = code as u32;
        }
        let classes = match &self.raw {
            RawClasses::IntRange { min, signed: true } => {
                Classes::Int(present.iter().map(|&r| ((min + r as u64) ^ (1 << 63)) as i64).collect())
            }
            RawClasses::IntRange { min, signed: false } => {
                Classes::UInt(present.iter().map(|&r| min + r as u64).collect())
            }
            RawClasses::Table(classes) => classes.take(&present),
        };
        (classes, lut)
    }
}

/// Classes present in a column, their counts (class order) and the null count.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassCounts {
    pub classes: Classes,
    pub counts: Vec<u64>,
    pub null_count: u64,
}

/// Count a column's classes without materializing per-row codes.
pub fn count_classes(column: &Column<'_>) -> Result<ClassCounts> {
    let lens = column.chunk_lens();
    let (classes, raw, _) = match column {
        Column::Utf8(c) => {
            hashed(&lens, &c.iter().map(str_key_reader).collect::<Vec<_>>(), UTF8, false, HashPath::Auto)?
        }
        Column::LargeUtf8(c) => {
            hashed(&lens, &c.iter().map(str_key_reader).collect::<Vec<_>>(), UTF8, false, HashPath::Auto)?
        }
        Column::View(c) => {
            hashed(&lens, &c.iter().map(view_key_reader).collect::<Vec<_>>(), UTF8, false, HashPath::Auto)?
        }
        Column::Ucs4(c) => {
            hashed(&lens, &c.iter().map(ucs4_key_reader).collect::<Vec<_>>(), UCS4, false, HashPath::Auto)?
        }
        Column::Int(ints) => with_ints!(ints, c => match route_ints(c, false, HashPath::Auto)? {
            IntRoute::Hashed(classes, raw, codes) => (classes, raw, codes),
            IntRoute::Dense(prepared) => return Ok(prepared.class_counts()),
        }),
        Column::Dict { .. } => return Ok(Prepared::new(column)?.class_counts()),
    };
    Ok(ClassCounts { classes, counts: raw.counts, null_count: raw.null_count })
}

/// UTF-8 strings: their bytes sort like their text.
const UTF8: Decode = Decode { decode: utf8_class, bytes_sort_as_text: true };
/// UCS-4 strings (numpy `str_`): native-endian code points, sorted once decoded.
const UCS4: Decode = Decode { decode: ucs4_class, bytes_sort_as_text: false };

// ---------------------------------------------------------------- integers

/// Widest value range read in place (and never wider than the rows); wider
/// ranges are hashed. A range this wide takes a table of 32 MiB per task, a
/// pass of random increments that still beats hashing millions of keys.
const DENSE_MAX_SPAN: u64 = 1 << 23;

/// Integers read in place: raw id = key(value) - min.
struct DenseInts<'a, T> {
    chunks: &'a [Chunk<'a, T>],
    min: u64,
    n_ids: usize,
}

impl<T: IntLabel> IdSource for DenseInts<'_, T> {
    fn n_ids(&self) -> usize {
        self.n_ids
    }
    fn chunk_lens(&self) -> Vec<usize> {
        self.chunks.iter().map(|c| c.values.len()).collect()
    }
    #[inline]
    fn read(&self, chunk: usize, start: usize, out: &mut [u32]) {
        let min = self.min;
        self.chunks[chunk].read_ids(start, out, |v| v.key().wrapping_sub(min) as u32);
    }
    #[inline]
    fn read_below(&self, chunk: usize, start: usize, out: &mut [u32], bound: u32) {
        let min = self.min;
        self.chunks[chunk].read_ids(start, out, |v| {
            let id = v.key().wrapping_sub(min) as u32;
            if id < bound {
                id
            } else {
                NULL
            }
        });
    }
}

/// Smallest and largest order key over the valid rows, or `None` when there are none.
fn key_range<T: IntLabel>(chunks: &[Chunk<'_, T>]) -> Option<(u64, u64)> {
    const PIECE: usize = 1 << 16;
    let pieces: Vec<(&Chunk<'_, T>, usize, usize)> = chunks
        .iter()
        .flat_map(|c| (0..c.values.len()).step_by(PIECE).map(move |s| (c, s, (s + PIECE).min(c.values.len()))))
        .collect();
    pieces
        .par_iter()
        .filter_map(|&(c, s, e)| match c.validity {
            None => Some(min_max(&c.values[s..e])),
            Some(valid) => (s..e)
                .filter(|&i| valid.is_valid(i))
                .map(|i| (c.values[i], c.values[i]))
                .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1))),
        })
        .reduce_with(|a, b| (a.0.min(b.0), a.1.max(b.1)))
        .map(|(lo, hi)| (lo.key(), hi.key()))
}

/// How an integer column is read: in place (a small value range), or hashed
/// (classes, counts, and the codes when they were asked for).
enum IntRoute<'a> {
    Dense(Prepared<'a>),
    Hashed(Classes, RawCounts, Vec<u32>),
}

fn route_ints<'a, T: IntLabel>(chunks: &'a [Chunk<'a, T>], want_codes: bool, path: HashPath) -> Result<IntRoute<'a>> {
    let n: usize = chunks.iter().map(|c| c.values.len()).sum();
    let max_span = DENSE_MAX_SPAN.min((n as u64).max(1 << 16));
    let dense = |min: u64, n_ids: usize, known_counts| {
        IntRoute::Dense(Prepared {
            ids: Ids::Read(Box::new(DenseInts { chunks, min, n_ids })),
            raw: RawClasses::IntRange { min, signed: T::SIGNED },
            known_counts,
        })
    };
    if chunks.iter().all(|c| c.validity.is_none()) {
        // no nulls: range and counts in one pass, or hashed when too wide
        let values: Vec<&[T]> = chunks.iter().map(|c| c.values).collect();
        if let Some((min, raw)) = dense_histogram(&values, max_span) {
            return Ok(dense(min, raw.counts.len(), Some(raw)));
        }
    } else {
        let (min, max) = key_range(chunks).unwrap_or((0, 0));
        if max - min < max_span {
            return Ok(dense(min, (max - min) as usize + 1, None));
        }
    }
    let readers: Vec<_> =
        chunks.iter().map(|c| move |i: usize| if c.is_valid(i) { Some(c.values[i].key()) } else { None }).collect();
    let lens: Vec<usize> = chunks.iter().map(|c| c.values.len()).collect();
    let (keys, raw, codes) = hash_factorize(&lens, &readers, want_codes, path)?;
    let classes = if T::SIGNED {
        Classes::Int(keys.into_iter().map(|k| (k ^ (1 << 63)) as i64).collect())
    } else {
        Classes::UInt(keys)
    };
    Ok(IntRoute::Hashed(classes, raw, codes))
}

fn prepare_ints<'a, T: IntLabel>(chunks: &'a [Chunk<'a, T>], path: HashPath) -> Result<Prepared<'a>> {
    Ok(match route_ints(chunks, true, path)? {
        IntRoute::Dense(prepared) => prepared,
        IntRoute::Hashed(classes, raw, codes) => Prepared::from_codes(codes, classes, raw),
    })
}

fn prepare_hashed<'a, R>(lens: &[usize], readers: &[R], decode: Decode, path: HashPath) -> Result<Prepared<'a>>
where
    R: Fn(usize) -> Option<StrKey<'a>> + Sync,
{
    let (classes, raw, codes) = hashed(lens, readers, decode, true, path)?;
    Ok(Prepared::from_codes(codes, classes, raw))
}

/// Owned codes as a raw id source (the class codes of a hashed column:
/// every class has rows).
pub(crate) struct OwnedCodes {
    codes: Vec<u32>,
    n_ids: usize,
}

impl IdSource for OwnedCodes {
    fn n_ids(&self) -> usize {
        self.n_ids
    }
    fn chunk_lens(&self) -> Vec<usize> {
        vec![self.codes.len()]
    }
    fn read(&self, chunk: usize, start: usize, out: &mut [u32]) {
        CodeIds { codes: &self.codes, n_ids: self.n_ids }.read(chunk, start, out)
    }
}

impl<'a> Prepared<'a> {
    fn from_codes(codes: Vec<u32>, classes: Classes, counts: RawCounts) -> Self {
        Prepared {
            ids: Ids::Owned(OwnedCodes { n_ids: classes.len(), codes }),
            raw: RawClasses::Table(classes),
            known_counts: Some(counts),
        }
    }
}

// ------------------------------------------------------------- dictionaries

/// Dictionary keys read in place through a per-chunk map from dictionary entry to class.
struct DictIds<'a, K> {
    chunks: &'a [Chunk<'a, K>],
    luts: Vec<Vec<u32>>,
    n_ids: usize,
}

impl<K: IntLabel> IdSource for DictIds<'_, K> {
    fn n_ids(&self) -> usize {
        self.n_ids
    }
    fn chunk_lens(&self) -> Vec<usize> {
        self.chunks.iter().map(|c| c.values.len()).collect()
    }
    #[inline]
    fn read(&self, chunk: usize, start: usize, out: &mut [u32]) {
        // the chunk's dictionary entry -> class map, one NULL entry appended: keys
        // were checked in `prepare_dict`, and the clamp keeps every index in bounds
        let lut = &self.luts[chunk];
        let last = lut.len() - 1;
        self.chunks[chunk].read_ids(start, out, |k| lut[((k.key().wrapping_sub(K::ZERO_KEY)) as usize).min(last)]);
    }
}

/// One chunk's keys read as dictionary entries: `0..len`, and `len` for a key
/// outside the dictionary (counted, then refused).
struct DictKeys<'a, K> {
    chunk: &'a Chunk<'a, K>,
    len: usize,
}

impl<K: IntLabel> IdSource for DictKeys<'_, K> {
    fn n_ids(&self) -> usize {
        self.len + 1
    }
    fn chunk_lens(&self) -> Vec<usize> {
        vec![self.chunk.values.len()]
    }
    #[inline]
    fn read(&self, _chunk: usize, start: usize, out: &mut [u32]) {
        let len = self.len as u64;
        self.chunk.read_ids(start, out, |k| k.key().wrapping_sub(K::ZERO_KEY).min(len) as u32);
    }
}

/// Rows per dictionary entry of one key chunk: `counts[len]` holds the keys
/// outside the dictionary. Keys without nulls are counted in one pass
/// ([`dense_histogram`]); the keys' range then shows whether they all lie in
/// the dictionary.
fn entry_counts<K: IntLabel>(chunk: &Chunk<'_, K>, len: usize) -> RawCounts {
    if chunk.validity.is_none() {
        if let Some((min, raw)) = dense_histogram(&[chunk.values], len as u64 + 1) {
            let first = min.wrapping_sub(K::ZERO_KEY) as usize;
            if min >= K::ZERO_KEY && first + raw.counts.len() <= len && !chunk.values.is_empty() {
                let mut counts = vec![0u64; len + 1];
                counts[first..first + raw.counts.len()].copy_from_slice(&raw.counts);
                return RawCounts { counts, null_count: 0 };
            }
        }
    }
    // nulls, or keys outside the dictionary (counted in the last slot)
    histogram(&DictKeys { chunk, len })
}

/// Dictionary columns: the dictionaries' values are factorized (they are
/// few), each chunk's entries mapped to classes, and the rows counted per
/// dictionary entry (a vectorized pass over the keys, which also checks
/// them) before the small per-entry counts are mapped to classes.
fn prepare_dict<'a>(keys: &'a Ints<'a>, values: &'a Column<'a>) -> Result<Prepared<'a>> {
    let dict = Prepared::new(values)?;
    let (classes, codes, _) = dict.factorize();
    let mut luts: Vec<Vec<u32>> = dictionary_ranges(keys, values)?.into_iter().map(|r| codes[r].to_vec()).collect();
    let mut counts = RawCounts { counts: vec![0; classes.len()], null_count: 0 };
    with_ints!(keys, chunks => {
        for (c, lut) in chunks.iter().zip(luts.iter_mut()) {
            let per_entry = entry_counts(c, lut.len());
            if per_entry.counts[lut.len()] > 0 {
                return Err(Error::InvalidData("dictionary key out of range of its dictionary".into()));
            }
            counts.null_count += per_entry.null_count;
            for (&class, &n) in lut.iter().zip(&per_entry.counts) {
                match counts.counts.get_mut(class as usize) {
                    Some(total) => *total += n,
                    None => counts.null_count += n, // a null dictionary entry
                }
            }
            lut.push(NULL);
        }
        Ok(Prepared {
            ids: Ids::Read(Box::new(DictIds { chunks, luts, n_ids: classes.len() })),
            raw: RawClasses::Table(classes),
            known_counts: Some(counts),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Chunk, Ints};

    #[test]
    fn fused_bounded_read_matches_read_then_bound() {
        let values: Vec<i16> = (0..5000).map(|i| (i * 37 % 101) as i16 - 50).collect();
        let column = Column::Int(Ints::I16(vec![Chunk::new(&values, None)]));
        let prepared = Prepared::new(&column).unwrap();
        let ids = prepared.ids();
        for bound in [0, 1, 60, 101, 1000] {
            let (mut fused, mut plain) = (vec![7u32; 3000], vec![7u32; 3000]);
            ids.read_below(0, 1234, &mut fused, bound);
            ids.read(0, 1234, &mut plain);
            plain.iter_mut().for_each(|id| *id = if *id < bound { *id } else { NULL });
            assert_eq!(fused, plain, "bound {bound}");
        }
    }
}
