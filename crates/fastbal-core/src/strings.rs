//! Reading string chunks: per-row byte readers, decoding to text, and the
//! compact [`StrKey`] that hash factorization uses.

use crate::column::{StrChunk, Ucs4Chunk, ViewChunk};
use crate::{Error, Result};

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

/// A string as a hash key: strings of up to 16 bytes held in two words
/// (hashed and compared as integers, no pointer to follow), longer ones borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum StrKey<'a> {
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
    pub(crate) fn new(b: &'a [u8]) -> Self {
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

    pub(crate) fn decode(&self, decode: fn(&[u8]) -> Result<String>) -> Result<String> {
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
