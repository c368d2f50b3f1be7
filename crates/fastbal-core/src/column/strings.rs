//! Reading string chunks: per-row byte readers, decoding to text, and the
//! compact `StrKey` that hash factorization uses.

use std::hash::BuildHasher;

use rayon::prelude::*;

use crate::column::{StrChunk, Ucs4Chunk, ViewChunk};
use crate::hash::folded_multiply;
use crate::{Error, Result};

/// Check a string array's offsets before any kernel reads them: they never
/// decrease, and lie inside the `values` bytes of text. The check is a
/// branch-free comparison of neighbours (vectorized), over pieces of the
/// offsets in parallel; the first decreasing row is located only when there
/// is one.
pub fn check_offsets<O: Copy + Into<i64> + Sync>(offsets: &[O], values: usize) -> std::result::Result<(), String> {
    const PIECE: usize = 1 << 16;
    let pairs = offsets.len().saturating_sub(1);
    // piece `p` compares the pairs starting at rows `p * PIECE..`, so pieces share one offset
    let descends = (0..pairs.div_ceil(PIECE)).into_par_iter().any(|p| {
        let piece = &offsets[p * PIECE..(p * PIECE + PIECE + 1).min(offsets.len())];
        piece.windows(2).fold(false, |d, w| d | (w[0].into() > w[1].into()))
    });
    if descends {
        let i = offsets.windows(2).position(|w| w[0].into() > w[1].into()).unwrap_or(0);
        return Err(format!("string offsets decrease at row {i}"));
    }
    match (offsets.first().map(|&o| o.into()), offsets.last().map(|&o| o.into())) {
        (Some(first), Some(last)) if first < 0 || last > values as i64 => {
            Err(format!("string offsets {first}..{last} fall outside the {values} bytes of text"))
        }
        _ => Ok(()),
    }
}

/// Row `i` of a string chunk as its byte range in the data buffer (`None`
/// for a null row).
#[inline(always)]
fn str_range<O: Copy + Into<i64>>(c: &StrChunk<'_, O>, i: usize) -> Option<(usize, usize)> {
    if c.validity.is_some_and(|v| !v.is_valid(i)) {
        return None;
    }
    Some((c.offsets[i].into() as usize, c.offsets[i + 1].into() as usize))
}

/// Row `i` of a string view chunk: its 16-byte view and its length (`None`
/// for a null row). Up to 12 bytes the string is inline, from byte 4.
#[inline(always)]
fn view_of<'a>(c: &ViewChunk<'a>, i: usize) -> Option<(&'a [u8], usize)> {
    if c.validity.is_some_and(|v| !v.is_valid(i)) {
        return None;
    }
    let view = &c.views[16 * i..16 * i + 16];
    Some((view, word(view, 0)))
}

/// The little-endian `u32` at byte `at` of a view.
#[inline(always)]
fn word(view: &[u8], at: usize) -> usize {
    u32::from_le_bytes([view[at], view[at + 1], view[at + 2], view[at + 3]]) as usize
}

/// An out-of-line view's bytes: `len` bytes of the buffer and offset it names.
#[inline(always)]
fn out_of_line<'a>(c: &ViewChunk<'a>, view: &[u8], len: usize) -> (&'a [u8], usize, usize) {
    let (buffer, offset) = (word(view, 8), word(view, 12));
    (c.buffers[buffer], offset, offset + len)
}

pub(crate) fn str_reader<'a, O>(c: &'a StrChunk<'a, O>) -> impl Fn(usize) -> Option<&'a [u8]> + Sync + 'a
where
    O: Copy + Into<i64> + Sync,
{
    move |i| str_range(c, i).map(|(s, e)| &c.data[s..e])
}

pub(crate) fn view_reader<'a>(c: &'a ViewChunk<'a>) -> impl Fn(usize) -> Option<&'a [u8]> + Sync + 'a {
    move |i| {
        let (view, len) = view_of(c, i)?;
        if len <= 12 {
            Some(&view[4..4 + len])
        } else {
            let (buffer, s, e) = out_of_line(c, view, len);
            Some(&buffer[s..e])
        }
    }
}

/// The rows of a string chunk as hash keys: short strings built from two
/// masked 8-byte loads where the buffer has room past them (no branch on
/// the length), others through [`StrKey::new`].
pub(crate) fn str_key_reader<'a, O>(c: &'a StrChunk<'a, O>) -> impl Fn(usize) -> Option<StrKey<'a>> + Sync + 'a
where
    O: Copy + Into<i64> + Sync,
{
    move |i| str_range(c, i).map(|(s, e)| StrKey::within(c.data, s, e))
}

/// The rows of a string view chunk as hash keys: a string of up to 12 bytes
/// is inline in its view, and its key is read from the view itself.
pub(crate) fn view_key_reader<'a>(c: &'a ViewChunk<'a>) -> impl Fn(usize) -> Option<StrKey<'a>> + Sync + 'a {
    move |i| {
        let (view, len) = view_of(c, i)?;
        if len <= 12 {
            let (m0, m1) = SHORT_MASKS[len];
            let lo = u64::from_le_bytes(view[4..12].try_into().expect("8 bytes"));
            let hi = word(view, 12) as u64;
            Some(StrKey::Short { lo: lo & m0, hi: hi & m1, len: len as u8 })
        } else {
            let (buffer, s, e) = out_of_line(c, view, len);
            Some(StrKey::within(buffer, s, e))
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

/// The rows of a fixed-width UCS-4 chunk as hash keys.
pub(crate) fn ucs4_key_reader<'a>(c: &'a Ucs4Chunk<'a>) -> impl Fn(usize) -> Option<StrKey<'a>> + Sync + 'a {
    let read = ucs4_reader(c);
    move |i| read(i).map(StrKey::new)
}

pub(crate) fn utf8_class(bytes: &[u8]) -> Result<String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| Error::InvalidData("label column holds invalid UTF-8".into()))
}

pub(crate) fn ucs4_class(bytes: &[u8]) -> Result<String> {
    bytes
        .chunks_exact(4)
        .map(|b| {
            let cp = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
            char::from_u32(cp).ok_or_else(|| Error::InvalidData(format!("label holds an invalid code point {cp:#x}")))
        })
        .collect()
}

/// A string as a hash key: strings of up to 16 bytes held in two words (the
/// bytes zero-padded to 16, little-endian), hashed and compared as integers
/// with no pointer to follow; longer ones borrowed, with 32 bits of their
/// hash (`tag`): two long keys of different tags or lengths differ without
/// a look at their bytes, which are often a cache miss away.
#[derive(Clone, Copy, Debug, Eq, Hash)]
pub(crate) enum StrKey<'a> {
    Short { lo: u64, hi: u64, len: u8 },
    Long { bytes: &'a [u8], tag: u32 },
}

impl PartialEq for StrKey<'_> {
    #[inline(always)]
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (StrKey::Short { lo: a0, hi: a1, len: a }, StrKey::Short { lo: b0, hi: b1, len: b }) => {
                a0 == b0 && a1 == b1 && a == b
            }
            (StrKey::Long { bytes: a, tag: s }, StrKey::Long { bytes: b, tag: t }) => {
                s == t && a.len() == b.len() && long_bytes_eq(a, b)
            }
            _ => false,
        }
    }
}

/// The 16 bytes of `b` from `at`, as one word.
#[inline(always)]
fn word16(b: &[u8], at: usize) -> u128 {
    u128::from_ne_bytes(b[at..at + 16].try_into().expect("16 bytes"))
}

/// Whether two strings of the same length, over 16 bytes, are equal: up to
/// 32 bytes as two (overlapping) 16-byte words, inline rather than a call to
/// `memcmp`.
#[inline(always)]
fn long_bytes_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if word16(a, 0) != word16(b, 0) {
        return false;
    }
    if n <= 32 {
        word16(a, n - 16) == word16(b, n - 16)
    } else {
        a[16..] == b[16..]
    }
}

/// The hash long keys are tagged with (it places keys in tables and never
/// decides a result): up to 32 bytes, the first and last 16 bytes (they
/// overlap below 32) folded by three multiplies, inline; longer, foldhash's
/// fixed-seed word-at-a-time hash.
#[inline(always)]
fn long_tag(b: &[u8]) -> u32 {
    let n = b.len();
    if n > 32 {
        return (LONG.hash_one(b) >> 32) as u32;
    }
    let (a, z) = (word16(b, 0), word16(b, n - 16));
    let head = folded_multiply(a as u64 ^ 0x243f_6a88_85a3_08d3, (a >> 64) as u64 ^ 0x1319_8a2e_0370_7344);
    let tail = folded_multiply(z as u64 ^ 0xa409_3822_299f_31d0, (z >> 64) as u64 ^ 0x082e_fa98_ec4e_6c89);
    (folded_multiply(head ^ n as u64, tail ^ 0x4528_21e6_38d0_1377) >> 32) as u32
}

static LONG: foldhash::fast::FixedState = foldhash::fast::FixedState::with_seed(0x9e37_79b9_7f4a_7c15);

impl Default for StrKey<'_> {
    fn default() -> Self {
        StrKey::Short { lo: 0, hi: 0, len: 0 }
    }
}

/// Per length up to 16, the masks keeping a short string's bytes of its two words.
const SHORT_MASKS: [(u64, u64); 17] = {
    let mut m = [(0u64, 0u64); 17];
    let mut len = 1;
    while len <= 16 {
        m[len] = if len < 8 {
            ((1u64 << (8 * len)) - 1, 0)
        } else if len == 8 {
            (u64::MAX, 0)
        } else if len < 16 {
            (u64::MAX, (1u64 << (8 * (len - 8))) - 1)
        } else {
            (u64::MAX, u64::MAX)
        };
        len += 1;
    }
    m
};

impl<'a> StrKey<'a> {
    pub(crate) fn new(b: &'a [u8]) -> Self {
        if b.len() > 16 {
            return StrKey::Long { bytes: b, tag: long_tag(b) };
        }
        let mut buf = [0u8; 16];
        buf[..b.len()].copy_from_slice(b);
        let (lo, hi) = buf.split_at(8);
        StrKey::Short {
            lo: u64::from_le_bytes(lo.try_into().expect("8 bytes")),
            hi: u64::from_le_bytes(hi.try_into().expect("8 bytes")),
            len: b.len() as u8,
        }
    }

    /// The key of `data[s..e]`: the same as [`StrKey::new`], read with two
    /// unaligned loads and masks when 16 bytes from `s` lie in `data`.
    #[inline(always)]
    pub(crate) fn within(data: &'a [u8], s: usize, e: usize) -> Self {
        let len = e.wrapping_sub(s);
        match data.get(s..s.wrapping_add(16)) {
            Some(w) if len <= 16 => {
                let (m0, m1) = SHORT_MASKS[len];
                let lo = u64::from_le_bytes(w[..8].try_into().expect("8 bytes"));
                let hi = u64::from_le_bytes(w[8..].try_into().expect("8 bytes"));
                StrKey::Short { lo: lo & m0, hi: hi & m1, len: len as u8 }
            }
            _ => StrKey::new(&data[s..e]),
        }
    }

    /// The first 16 bytes as two big-endian words (zero-padded): they order
    /// like the bytes.
    #[inline(always)]
    pub(crate) fn prefix(&self) -> (u64, u64) {
        match *self {
            StrKey::Short { lo, hi, .. } => (lo.swap_bytes(), hi.swap_bytes()),
            StrKey::Long { bytes: b, .. } => (
                u64::from_be_bytes(b[..8].try_into().expect("8 bytes")),
                u64::from_be_bytes(b[8..16].try_into().expect("8 bytes")),
            ),
        }
    }

    /// Order by the bytes (for UTF-8, the order of the text by code point):
    /// short keys compare as words, and a short key whose padded bytes equal
    /// a long key's first 16 is a prefix of it.
    pub(crate) fn cmp_bytes(&self, other: &Self) -> std::cmp::Ordering {
        match (self, other) {
            (StrKey::Long { bytes: a, .. }, StrKey::Long { bytes: b, .. }) => a.cmp(b),
            (StrKey::Short { len: a, .. }, StrKey::Short { len: b, .. }) => {
                self.prefix().cmp(&other.prefix()).then(a.cmp(b))
            }
            (StrKey::Short { .. }, StrKey::Long { .. }) => {
                self.prefix().cmp(&other.prefix()).then(std::cmp::Ordering::Less)
            }
            (StrKey::Long { .. }, StrKey::Short { .. }) => {
                self.prefix().cmp(&other.prefix()).then(std::cmp::Ordering::Greater)
            }
        }
    }

    pub(crate) fn decode(&self, decode: fn(&[u8]) -> Result<String>) -> Result<String> {
        match *self {
            StrKey::Short { lo, hi, len } => {
                let mut buf = [0u8; 16];
                buf[..8].copy_from_slice(&lo.to_le_bytes());
                buf[8..].copy_from_slice(&hi.to_le_bytes());
                decode(&buf[..len as usize])
            }
            StrKey::Long { bytes, .. } => decode(bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_checked_across_pieces() {
        let mut offsets: Vec<i64> = (0..300_000).map(|i| i * 3).collect();
        let end = 3 * 299_999;
        assert_eq!(check_offsets(&offsets, end as usize), Ok(()));
        assert!(check_offsets(&offsets, end as usize - 1).unwrap_err().contains("outside"));
        // a decrease exactly where two pieces meet, and one inside a piece
        for row in [(1 << 16) - 1, 1 << 16, 200_001] {
            let saved = offsets[row + 1];
            offsets[row + 1] = offsets[row] - 1;
            assert_eq!(check_offsets(&offsets, end as usize), Err(format!("string offsets decrease at row {row}")));
            offsets[row + 1] = saved;
        }
        assert_eq!(check_offsets::<i32>(&[], 0), Ok(()));
        assert_eq!(check_offsets(&[0i32], 0), Ok(()));
        assert!(check_offsets(&[-1i32, 0], 0).unwrap_err().contains("outside"));
    }

    #[test]
    fn short_string_keys_round_trip_and_stay_distinct() {
        let words: Vec<String> =
            ["", "a", "ab", "aba", "abc", "abcd", "abcde", "aaaaaaaa", "aaaaaaaaa", "aaaaaaaaaaaaaaaa", "é", "日本語"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        let keys: Vec<StrKey<'_>> = words.iter().map(|w| StrKey::new(w.as_bytes())).collect();
        // the masked loads give the same keys, wherever the string lies in its buffer
        let mut data = Vec::new();
        for w in &words {
            let s = data.len();
            data.extend_from_slice(w.as_bytes());
            data.extend_from_slice(b"\xff\xfe padding past it");
            assert_eq!(StrKey::within(&data, s, s + w.len()), StrKey::new(w.as_bytes()));
        }
        for (w, k) in words.iter().zip(&keys) {
            assert_eq!(&k.decode(utf8_class).unwrap(), w);
        }
        for i in 0..keys.len() {
            for j in 0..i {
                assert_ne!(keys[i], keys[j], "{:?} vs {:?}", words[i], words[j]);
            }
        }
    }

    #[test]
    fn keys_order_like_their_bytes() {
        let words: Vec<&[u8]> = vec![
            b"",
            b"\0",
            b"a",
            b"a\0",
            b"a\0\0",
            b"ab",
            b"abcdefgh",
            b"abcdefgh\0",
            b"abcdefghi",
            b"abcdefghijklmnop",
            b"abcdefghijklmnop\0",
            b"abcdefghijklmnopq",
            b"abcdefghijklmnoq",
            b"abcdefghijklmnopqrstuvwxyz",
            b"b",
            b"\xff",
            b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
        ];
        for a in &words {
            for b in &words {
                assert_eq!(StrKey::new(a).cmp_bytes(&StrKey::new(b)), a.cmp(b), "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn long_keys_equal_exactly_when_their_bytes_do() {
        // every length from 17 to 40, one byte changed at every place
        for n in 17..=40usize {
            let a: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            assert_eq!(StrKey::new(&a), StrKey::new(&a.clone()));
            assert!(long_bytes_eq(&a, &a.clone()));
            for at in 0..n {
                let mut b = a.clone();
                b[at] ^= 1;
                assert_ne!(StrKey::new(&a), StrKey::new(&b), "length {n}, byte {at}");
                // the bytes compared alone, as when two tags collide
                assert!(!long_bytes_eq(&a, &b), "length {n}, byte {at}");
            }
            let mut longer = a.clone();
            longer.push(b'a');
            assert_ne!(StrKey::new(&a), StrKey::new(&longer));
        }
    }
}
