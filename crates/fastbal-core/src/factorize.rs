//! Factorize once: any label column becomes raw ids, counts and the classes.
//!
//! Three routes, chosen by what the column is:
//! - small-range integers: the raw id is the value minus the minimum (no hashing);
//! - dictionary columns: the keys index the dictionary, whose (few) values are
//!   factorized themselves, so every chunk's dictionary maps to one class order;
//! - strings and sparse integers: parallel hash factorization, one map per
//!   segment of rows, merged at the end.
//!
//! Classes are always ordered by value (integers numerically, strings by code
//! point), so the same labels give the same codes whatever their representation
//! or chunking.

use std::hash::Hash;

use hashbrown::{HashMap, HashTable};
use rayon::prelude::*;

use crate::column::{fold_blocks, zeroed, Chunk, CodeIds, IdSource, Validity, NULL};
use crate::hash::hash_bytes;
use crate::labels::Labels;
use crate::{Error, Result};

/// Integer label types: `key` maps a value to `u64` preserving order.
pub trait IntLabel: Copy + Ord + Send + Sync + 'static {
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
            Ints::I8($c) => $body,
            Ints::I16($c) => $body,
            Ints::I32($c) => $body,
            Ints::I64($c) => $body,
            Ints::U8($c) => $body,
            Ints::U16($c) => $body,
            Ints::U32($c) => $body,
            Ints::U64($c) => $body,
        }
    };
}

impl Ints<'_> {
    fn chunk_lens(&self) -> Vec<usize> {
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
    /// Dictionary-encoded: `values` has one chunk per key chunk, that chunk's dictionary.
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

/// The distinct label values, in class order (sorted by value).
#[derive(Clone, Debug, PartialEq)]
pub enum Classes {
    Int(Vec<i64>),
    UInt(Vec<u64>),
    Str(Vec<String>),
}

impl Classes {
    pub fn len(&self) -> usize {
        match self {
            Classes::Int(v) => v.len(),
            Classes::UInt(v) => v.len(),
            Classes::Str(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The classes at the given positions, in that order.
    pub fn take(&self, at: &[u32]) -> Classes {
        match self {
            Classes::Int(v) => Classes::Int(at.iter().map(|&i| v[i as usize]).collect()),
            Classes::UInt(v) => Classes::UInt(at.iter().map(|&i| v[i as usize]).collect()),
            Classes::Str(v) => Classes::Str(at.iter().map(|&i| v[i as usize].clone()).collect()),
        }
    }

    /// A class rendered for messages.
    pub fn display(&self, i: usize) -> String {
        match self {
            Classes::Int(v) => v[i].to_string(),
            Classes::UInt(v) => v[i].to_string(),
            Classes::Str(v) => format!("{:?}", v[i]),
        }
    }
}

/// What a raw id stands for.
enum RawClasses {
    /// Raw id `r` is the integer whose order key is `min + r`.
    IntRange { min: u64, signed: bool },
    /// Raw id `r` is `classes[r]`.
    Table(Classes),
}

/// Per-raw-id counts and the number of null rows.
#[derive(Clone, Debug, PartialEq)]
pub struct RawCounts {
    pub counts: Vec<u64>,
    pub null_count: u64,
}

/// A column made ready for kernels: a raw id reader, and what the ids mean.
pub struct Prepared<'a> {
    ids: Box<dyn IdSource + 'a>,
    raw: RawClasses,
    known_counts: Option<RawCounts>,
}

impl<'a> Prepared<'a> {
    /// Read a column as raw ids. Strings and sparse integers are hashed here
    /// (their codes materialized once); other columns are read in place.
    pub fn new(column: &'a Column<'a>) -> Result<Self> {
        let lens = column.chunk_lens();
        match column {
            Column::Int(ints) => with_ints!(ints, c => prepare_ints(c)),
            Column::Utf8(c) => prepare_hashed(&lens, &c.iter().map(str_reader).collect::<Vec<_>>(), utf8_class),
            Column::LargeUtf8(c) => prepare_hashed(&lens, &c.iter().map(str_reader).collect::<Vec<_>>(), utf8_class),
            Column::View(c) => prepare_hashed(&lens, &c.iter().map(view_reader).collect::<Vec<_>>(), utf8_class),
            Column::Ucs4(c) => prepare_hashed(&lens, &c.iter().map(ucs4_reader).collect::<Vec<_>>(), ucs4_class),
            Column::Dict { keys, values } => prepare_dict(keys, values),
        }
    }

    /// The raw id reader.
    pub fn ids(&self) -> &dyn IdSource {
        self.ids.as_ref()
    }

    /// Counts per raw id (zero for ids no row holds) and the null count.
    pub fn raw_counts(&self) -> RawCounts {
        match &self.known_counts {
            Some(c) => c.clone(),
            None => histogram(self.ids()),
        }
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
    let strings = match column {
        Column::Utf8(c) => Some(hashed(&lens, &c.iter().map(str_reader).collect::<Vec<_>>(), utf8_class, false)),
        Column::LargeUtf8(c) => Some(hashed(&lens, &c.iter().map(str_reader).collect::<Vec<_>>(), utf8_class, false)),
        Column::View(c) => Some(hashed(&lens, &c.iter().map(view_reader).collect::<Vec<_>>(), utf8_class, false)),
        Column::Ucs4(c) => Some(hashed(&lens, &c.iter().map(ucs4_reader).collect::<Vec<_>>(), ucs4_class, false)),
        _ => None,
    };
    if let Some(r) = strings {
        let (classes, raw, _) = r?;
        return Ok(ClassCounts { classes, counts: raw.counts, null_count: raw.null_count });
    }
    let prepared = Prepared::new(column)?;
    let raw = prepared.raw_counts();
    let (classes, _) = prepared.compact(&raw);
    Ok(ClassCounts { classes, counts: raw.counts.into_iter().filter(|&c| c > 0).collect(), null_count: raw.null_count })
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

// ---------------------------------------------------------------- integers

/// Widest value range read in place; wider ranges are hashed.
const DENSE_MAX_SPAN: u64 = 1 << 22;

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
}

/// Smallest and largest value of a slice (a plain reduction, which the compiler vectorizes).
fn min_max<T: IntLabel>(values: &[T]) -> (T, T) {
    let (mut lo, mut hi) = (T::MAX, T::MIN);
    for &v in values {
        lo = if v < lo { v } else { lo };
        hi = if v > hi { v } else { hi };
    }
    (lo, hi)
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

fn prepare_ints<'a, T: IntLabel>(chunks: &'a [Chunk<'a, T>]) -> Result<Prepared<'a>> {
    let n: usize = chunks.iter().map(|c| c.values.len()).sum();
    let (min, max) = key_range(chunks).unwrap_or((0, 0));
    let span = max - min;
    if span < DENSE_MAX_SPAN.min((n as u64).max(1 << 16)) {
        return Ok(Prepared {
            ids: Box::new(DenseInts { chunks, min, n_ids: span as usize + 1 }),
            raw: RawClasses::IntRange { min, signed: T::SIGNED },
            known_counts: None,
        });
    }
    let readers: Vec<_> =
        chunks.iter().map(|c| move |i: usize| if c.is_valid(i) { Some(c.values[i].key()) } else { None }).collect();
    let lens: Vec<usize> = chunks.iter().map(|c| c.values.len()).collect();
    let (keys, raw, codes) = hash_factorize(&lens, &readers, true)?;
    let classes = if T::SIGNED {
        Classes::Int(keys.into_iter().map(|k| (k ^ (1 << 63)) as i64).collect())
    } else {
        Classes::UInt(keys)
    };
    Ok(Prepared::from_codes(codes, classes, raw))
}

// ----------------------------------------------------------------- strings

pub(crate) fn str_reader<'a, O>(c: &'a StrChunk<'a, O>) -> impl Fn(usize) -> Option<&'a [u8]> + Sync + 'a
where
    O: Copy + Into<i64> + Sync,
{
    move |i| {
        if c.validity.is_some_and(|v| !v.is_valid(i)) {
            return None;
        }
        let (s, e) = (c.offsets[i].into() as usize, c.offsets[i + 1].into() as usize);
        Some(&c.data[s..e])
    }
}

pub(crate) fn view_reader<'a>(c: &'a ViewChunk<'a>) -> impl Fn(usize) -> Option<&'a [u8]> + Sync + 'a {
    move |i| {
        if c.validity.is_some_and(|v| !v.is_valid(i)) {
            return None;
        }
        let view = &c.views[16 * i..16 * i + 16];
        let word = |at: usize| u32::from_le_bytes([view[at], view[at + 1], view[at + 2], view[at + 3]]) as usize;
        let len = word(0);
        if len <= 12 {
            Some(&view[4..4 + len])
        } else {
            let (buffer, offset) = (word(8), word(12));
            Some(&c.buffers[buffer][offset..offset + len])
        }
    }
}

pub(crate) fn ucs4_reader<'a>(c: &'a Ucs4Chunk<'a>) -> impl Fn(usize) -> Option<&'a [u8]> + Sync + 'a {
    move |i| {
        let w = 4 * c.width;
        let mut item = &c.data[w * i..w * (i + 1)];
        while item.len() >= 4 && item[item.len() - 4..].iter().all(|&b| b == 0) {
            item = &item[..item.len() - 4];
        }
        Some(item)
    }
}

fn utf8_class(bytes: &[u8]) -> Result<String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| Error::InvalidData("label column holds invalid UTF-8".into()))
}

fn ucs4_class(bytes: &[u8]) -> Result<String> {
    bytes
        .chunks_exact(4)
        .map(|b| {
            let cp = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
            char::from_u32(cp).ok_or_else(|| Error::InvalidData(format!("label holds an invalid code point {cp:#x}")))
        })
        .collect()
}

/// A string as a hash key: strings of up to 16 bytes held in two words
/// (hashed and compared as integers, no pointer to follow), longer ones borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum StrKey<'a> {
    Short { lo: u64, hi: u64, len: u8 },
    Long(&'a [u8]),
}

#[inline(always)]
fn word<const N: usize>(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w[..N].copy_from_slice(&b[at..at + N]);
    u64::from_le_bytes(w)
}

impl<'a> StrKey<'a> {
    /// Overlapping fixed-size reads cover every byte of a short string; with
    /// the length they identify it, without a variable-length copy.
    #[inline(always)]
    fn new(b: &'a [u8]) -> Self {
        let len = b.len();
        let (lo, hi) = match len {
            0 => (0, 0),
            1..=3 => (b[0] as u64 | (b[len / 2] as u64) << 8 | (b[len - 1] as u64) << 16, 0),
            4..=7 => (word::<4>(b, 0), word::<4>(b, len - 4)),
            8..=16 => (word::<8>(b, 0), word::<8>(b, len - 8)),
            _ => return StrKey::Long(b),
        };
        StrKey::Short { lo, hi, len: len as u8 }
    }

    fn decode(&self, decode: fn(&[u8]) -> Result<String>) -> Result<String> {
        match *self {
            StrKey::Short { lo, hi, len } => {
                let len = len as usize;
                let mut buf = [0u8; 16];
                match len {
                    0 => {}
                    1..=3 => {
                        buf[0] = lo as u8;
                        buf[len / 2] = (lo >> 8) as u8;
                        buf[len - 1] = (lo >> 16) as u8;
                    }
                    4..=7 => {
                        buf[..4].copy_from_slice(&lo.to_le_bytes()[..4]);
                        buf[len - 4..len].copy_from_slice(&hi.to_le_bytes()[..4]);
                    }
                    _ => {
                        buf[..8].copy_from_slice(&lo.to_le_bytes());
                        buf[len - 8..len].copy_from_slice(&hi.to_le_bytes());
                    }
                }
                decode(&buf[..len])
            }
            StrKey::Long(b) => decode(b),
        }
    }
}

/// Hash-factorize string readers: classes sorted by string, counts, and the
/// codes (empty unless `want_codes`).
fn hashed<'a, R>(
    lens: &[usize],
    readers: &[R],
    decode: fn(&[u8]) -> Result<String>,
    want_codes: bool,
) -> Result<(Classes, RawCounts, Vec<u32>)>
where
    R: Fn(usize) -> Option<&'a [u8]> + Sync,
{
    let keyed: Vec<_> = readers.iter().map(|r| move |i| r(i).map(StrKey::new)).collect();
    let (keys, raw, mut codes) = hash_factorize(lens, &keyed, want_codes)?;
    let classes = keys.iter().map(|k| k.decode(decode)).collect::<Result<Vec<String>>>()?;
    // Sort the decoded strings: UCS-4 bytes and packed keys do not sort like text.
    let mut order: Vec<u32> = (0..classes.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| classes[a as usize].cmp(&classes[b as usize]));
    let mut rank = vec![0u32; order.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    codes.par_iter_mut().for_each(|c| {
        if *c != NULL {
            *c = rank[*c as usize];
        }
    });
    let counts = order.iter().map(|&i| raw.counts[i as usize]).collect();
    let mut classes = classes;
    let sorted = order.iter().map(|&i| std::mem::take(&mut classes[i as usize])).collect();
    Ok((Classes::Str(sorted), RawCounts { counts, null_count: raw.null_count }, codes))
}

fn prepare_hashed<'a, R>(lens: &[usize], readers: &[R], decode: fn(&[u8]) -> Result<String>) -> Result<Prepared<'a>>
where
    R: Fn(usize) -> Option<&'a [u8]> + Sync,
{
    let (classes, raw, codes) = hashed(lens, readers, decode, true)?;
    Ok(Prepared::from_codes(codes, classes, raw))
}

/// Owned codes as a raw id source.
struct OwnedCodes {
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
            ids: Box::new(OwnedCodes { n_ids: classes.len(), codes }),
            raw: RawClasses::Table(classes),
            known_counts: Some(counts),
        }
    }
}

/// Hash-factorize rows given by per-chunk key readers (`None` = null).
/// Returns the distinct keys in key order, their counts, and per-row codes.
/// A key's 64-bit hash for the factorization tables (not part of any result).
trait FastHash {
    fn fast_hash(&self) -> u64;
}

impl FastHash for u64 {
    #[inline(always)]
    fn fast_hash(&self) -> u64 {
        crate::hash::mix64(*self)
    }
}

impl FastHash for StrKey<'_> {
    #[inline(always)]
    fn fast_hash(&self) -> u64 {
        match *self {
            StrKey::Short { lo, hi, len } => {
                let m = (lo ^ crate::hash::mix64(hi ^ len as u64)) as u128 * 0x9e37_79b9_7f4a_7c15;
                (m as u64) ^ ((m >> 64) as u64)
            }
            StrKey::Long(b) => hash_bytes(b),
        }
    }
}

fn hash_factorize<K, R>(lens: &[usize], readers: &[R], want_codes: bool) -> Result<(Vec<K>, RawCounts, Vec<u32>)>
where
    K: FastHash + Hash + Eq + Ord + Copy + Send + Sync,
    R: Fn(usize) -> Option<K> + Sync,
{
    let n: usize = lens.iter().sum();
    if n >= NULL as usize {
        return Err(Error::InvalidArgument(format!("{n} rows is more than fastbal can index (at most {})", NULL - 1)));
    }
    // One local dictionary per segment of rows; local codes written in place when wanted.
    let mut codes = if want_codes { zeroed(n) } else { Vec::new() };
    let mut pieces: Vec<(usize, usize, usize, &mut [u32])> = Vec::new();
    let mut rest = codes.as_mut_slice();
    for (chunk, &len) in lens.iter().enumerate() {
        let mut start = 0;
        while start < len {
            let m = (1 << 16).min(len - start);
            let (head, tail) = rest.split_at_mut(if want_codes { m } else { 0 });
            pieces.push((chunk, start, m, head));
            rest = tail;
            start += m;
        }
    }
    let locals: Vec<(Vec<K>, Vec<u64>, u64)> = pieces
        .par_iter_mut()
        .map(|(chunk, start, len, out)| {
            let read = &readers[*chunk];
            // ids in the table, keys beside it: a compact table that stays in cache
            let mut table: HashTable<u32> = HashTable::new();
            let mut keys: Vec<K> = Vec::new();
            let mut counts: Vec<u64> = Vec::new();
            let mut nulls = 0u64;
            for j in 0..*len {
                match read(*start + j) {
                    None => {
                        nulls += 1;
                        if let Some(o) = out.get_mut(j) {
                            *o = NULL;
                        }
                    }
                    Some(k) => {
                        let h = k.fast_hash();
                        let id = match table.find(h, |&id| keys[id as usize] == k) {
                            Some(&id) => id,
                            None => {
                                let id = keys.len() as u32;
                                table.insert_unique(h, id, |&id| keys[id as usize].fast_hash());
                                keys.push(k);
                                counts.push(0);
                                id
                            }
                        };
                        counts[id as usize] += 1;
                        if let Some(o) = out.get_mut(j) {
                            *o = id;
                        }
                    }
                }
            }
            (keys, counts, nulls)
        })
        .collect();
    let mut all: Vec<K> = locals.iter().flat_map(|(k, _, _)| k.iter().copied()).collect();
    all.par_sort_unstable();
    all.dedup();
    let global: HashMap<K, u32> = all.iter().enumerate().map(|(i, &k)| (k, i as u32)).collect();
    let mut counts = vec![0u64; all.len()];
    let mut null_count = 0;
    let luts: Vec<Vec<u32>> = locals
        .iter()
        .map(|(keys, local_counts, nulls)| {
            null_count += nulls;
            keys.iter()
                .zip(local_counts)
                .map(|(k, &c)| {
                    let g = global[k];
                    counts[g as usize] += c;
                    g
                })
                .collect()
        })
        .collect();
    if want_codes {
        pieces.into_par_iter().zip(luts).for_each(|((_, _, _, out), lut)| {
            for o in out.iter_mut() {
                if *o != NULL {
                    *o = lut[*o as usize];
                }
            }
        });
    }
    Ok((all, RawCounts { counts, null_count }, codes))
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

/// Dictionary columns: the dictionaries' values are factorized (they are
/// few), each chunk's entries mapped to classes, and the rows counted per
/// dictionary entry (a vectorized pass over the keys, which also checks
/// them) before the small per-entry counts are mapped to classes.
fn prepare_dict<'a>(keys: &'a Ints<'a>, values: &'a Column<'a>) -> Result<Prepared<'a>> {
    let dict = Labels::new(values)?;
    let mut luts = Vec::new();
    let mut at = 0;
    for len in values.chunk_lens() {
        luts.push(dict.codes[at..at + len].to_vec());
        at += len;
    }
    if luts.len() != keys.chunk_lens().len() {
        return Err(Error::InvalidData("dictionary column has a different number of key and dictionary chunks".into()));
    }
    let mut counts = RawCounts { counts: vec![0; dict.classes.len()], null_count: 0 };
    with_ints!(keys, chunks => {
        for (c, lut) in chunks.iter().zip(luts.iter_mut()) {
            let per_entry = histogram(&DictKeys { chunk: c, len: lut.len() });
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
            ids: Box::new(DictIds { chunks, luts, n_ids: dict.classes.len() }),
            raw: RawClasses::Table(dict.classes),
            known_counts: Some(counts),
        })
    })
}

fn key_zero<K: IntLabel>(_: &Chunk<'_, K>) -> u64 {
    K::ZERO_KEY
}

// ---------------------------------------------------------------- row keys

/// A 64-bit key per row from an id column: integers are their own value
/// (two's complement bits), strings their [`hash_bytes`]. Refuses nulls, and
/// duplicates (naming two rows that share an id).
///
/// Distinct strings share a key with probability about `n^2 / 2^65`; such a
/// pair is reported as a duplicate.
pub fn row_keys(column: &Column<'_>) -> Result<Vec<u64>> {
    let n = column.len();
    let mut keys = vec![0u64; n];
    let mut nulls = 0usize;
    let mut at = 0;
    let mut put = |len: usize, key: &(dyn Fn(usize) -> Option<u64> + Sync)| {
        let out = &mut keys[at..at + len];
        nulls += out
            .par_iter_mut()
            .enumerate()
            .map(|(i, o)| match key(i) {
                Some(k) => {
                    *o = k;
                    0
                }
                None => 1,
            })
            .sum::<usize>();
        at += len;
    };
    fn int_keys<'c, T: IntLabel>(c: &'c Chunk<'c, T>) -> impl Fn(usize) -> Option<u64> + Sync + 'c {
        move |i| c.is_valid(i).then(|| c.values[i].key() ^ T::ZERO_KEY)
    }
    match column {
        Column::Int(ints) => with_ints!(ints, chunks => for c in chunks { put(c.values.len(), &int_keys(c)) }),
        Column::Utf8(chunks) => {
            for c in chunks {
                let r = str_reader(c);
                put(c.offsets.len().saturating_sub(1), &move |i| r(i).map(hash_bytes));
            }
        }
        Column::LargeUtf8(chunks) => {
            for c in chunks {
                let r = str_reader(c);
                put(c.offsets.len().saturating_sub(1), &move |i| r(i).map(hash_bytes));
            }
        }
        Column::View(chunks) => {
            for c in chunks {
                let r = view_reader(c);
                put(c.views.len() / 16, &move |i| r(i).map(hash_bytes));
            }
        }
        Column::Ucs4(chunks) => {
            for c in chunks {
                let r = ucs4_reader(c);
                let bad = std::sync::atomic::AtomicBool::new(false);
                put(c.len, &|i| {
                    let s = r(i).map(ucs4_class)?;
                    match s {
                        Ok(s) => Some(hash_bytes(s.as_bytes())),
                        Err(_) => {
                            bad.store(true, std::sync::atomic::Ordering::Relaxed);
                            Some(0)
                        }
                    }
                });
                if bad.into_inner() {
                    return Err(Error::InvalidData("ids hold an invalid code point".into()));
                }
            }
        }
        Column::Dict { keys: dict_keys, values } => {
            let entry_keys = row_keys_allow_duplicates(values)?;
            let lens = values.chunk_lens();
            with_ints!(dict_keys, chunks => {
                let mut start = 0;
                for (c, len) in chunks.iter().zip(lens) {
                    let entries = &entry_keys[start..start + len];
                    start += len;
                    put(c.values.len(), &move |i| {
                        c.is_valid(i).then(|| entries.get((c.values[i].key() - key_zero(c)) as usize).copied()).flatten()
                    });
                }
            });
        }
    }
    if nulls > 0 {
        return Err(Error::InvalidData(format!("ids have {nulls} null rows; every row needs an id")));
    }
    if let Some((a, b)) = first_duplicate(&keys) {
        return Err(Error::InvalidData(format!("ids must be unique: rows {a} and {b} have the same id")));
    }
    Ok(keys)
}

/// Keys of dictionary entries (which may repeat across chunks' dictionaries).
fn row_keys_allow_duplicates(values: &Column<'_>) -> Result<Vec<u64>> {
    let labels = Labels::new(values)?;
    let class_keys: Vec<u64> = match &labels.classes {
        Classes::Int(v) => v.iter().map(|&x| x as u64).collect(),
        Classes::UInt(v) => v.clone(),
        Classes::Str(v) => v.iter().map(|s| hash_bytes(s.as_bytes())).collect(),
    };
    Ok(labels.codes.iter().map(|&c| class_keys.get(c as usize).copied().unwrap_or(0)).collect())
}

/// Two rows holding the same key, if any (the pair with the smallest key).
fn first_duplicate(keys: &[u64]) -> Option<(usize, usize)> {
    let mut sorted = keys.to_vec();
    sorted.par_sort_unstable();
    let dup = sorted.windows(2).find(|w| w[0] == w[1])?[0];
    let mut rows = keys.iter().enumerate().filter(|(_, &k)| k == dup).map(|(i, _)| i);
    Some((rows.next()?, rows.next()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_string_keys_round_trip_and_stay_distinct() {
        let words: Vec<String> =
            ["", "a", "ab", "aba", "abc", "abcd", "abcde", "aaaaaaaa", "aaaaaaaaa", "aaaaaaaaaaaaaaaa", "é", "日本語"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        let keys: Vec<StrKey<'_>> = words.iter().map(|w| StrKey::new(w.as_bytes())).collect();
        for (w, k) in words.iter().zip(&keys) {
            assert_eq!(&k.decode(utf8_class).unwrap(), w);
        }
        for i in 0..keys.len() {
            for j in 0..i {
                assert_ne!(keys[i], keys[j], "{:?} vs {:?}", words[i], words[j]);
            }
        }
    }
}
