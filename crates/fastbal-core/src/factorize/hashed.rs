//! Hash factorization of strings and sparse integers, by one of two paths
//! chosen from a sample of the rows:
//!
//! - few distinct keys: one small table per segment of rows (it stays in cache),
//!   the segments' keys merged at the end;
//! - many: the radix-partitioned path ([`partitioned`]), whose tables stay in
//!   cache however many keys there are.

use rayon::prelude::*;

use crate::column::ids::NULL;
use crate::column::strings::StrKey;
use crate::exec::alloc::zeroed;
use crate::factorize::classes::Classes;
use crate::factorize::histogram::RawCounts;
use crate::factorize::partitioned::partitioned;
use crate::factorize::sort::sort_by_key;
use crate::factorize::table::{Key, KeyTable};
use crate::simd::prefetch;
use crate::{Error, Result};

/// Which hashing path factorizes a column: chosen from the data, or forced
/// (to check one path against the other).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HashPath {
    /// Partitioned from an estimated 8192 distinct keys on, segmented below.
    #[default]
    Auto,
    Segmented,
    Partitioned,
}

/// How strings are decoded into classes, and whether their bytes already
/// sort like the decoded text.
#[derive(Clone, Copy)]
pub(crate) struct Decode {
    pub(crate) decode: fn(&[u8]) -> Result<String>,
    /// The bytes order like the text (UTF-8): keys are sorted as bytes, and
    /// the decoded classes come out in order.
    pub(crate) bytes_sort_as_text: bool,
}

/// Hash-factorize string readers: classes sorted by string, counts, and the
/// codes (empty unless `want_codes`).
pub(crate) fn hashed<'a, R>(
    lens: &[usize],
    readers: &[R],
    decode: Decode,
    want_codes: bool,
    path: HashPath,
) -> Result<(Classes, RawCounts, Vec<u32>)>
where
    R: Fn(usize) -> Option<StrKey<'a>> + Sync,
{
    if decode.bytes_sort_as_text {
        let (keys, raw, codes) = hash_factorize(lens, readers, want_codes, path)?;
        let classes = decode_keys(&keys, decode.decode)?;
        return Ok((Classes::Str(classes), raw, codes));
    }
    let (keys, raw, mut codes) = hash_factorize(lens, readers, want_codes, path)?;
    let classes = decode_keys(&keys, decode.decode)?;
    // Sort the decoded strings: UCS-4 bytes do not sort like text.
    let mut order: Vec<u32> = (0..classes.len() as u32).collect();
    order.par_sort_unstable_by(|&a, &b| classes[a as usize].cmp(&classes[b as usize]));
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

/// The strings of `keys`. A long key's bytes lie where its first row is, far
/// from the previous key's when there are many keys: each is asked into the
/// cache a few keys ahead, so that the reads overlap instead of waiting in
/// turn.
fn decode_keys(keys: &[StrKey<'_>], decode: fn(&[u8]) -> Result<String>) -> Result<Vec<String>> {
    const AHEAD: usize = 16;
    keys.par_iter()
        .enumerate()
        .map(|(i, k)| {
            if let Some(StrKey::Long { bytes, .. }) = keys.get(i + AHEAD) {
                prefetch(&bytes[..1]);
                prefetch(&bytes[bytes.len() - 1..]);
            }
            k.decode(decode)
        })
        .collect()
}

/// Rows sampled to estimate the distinct count.
const SAMPLE_ROWS: usize = 1 << 14;

/// From this many estimated distinct keys on, the partitioned path is taken.
const PARTITIONED_FROM: usize = 1 << 13;

/// Hash-factorize rows given by per-chunk key readers (`None` = null).
/// Returns the distinct keys in [`Key::order`], their counts, and per-row codes into them when `want_codes`.
pub(crate) fn hash_factorize<K, R>(
    lens: &[usize],
    readers: &[R],
    want_codes: bool,
    path: HashPath,
) -> Result<(Vec<K>, RawCounts, Vec<u32>)>
where
    K: Key,
    R: Fn(usize) -> Option<K> + Sync,
{
    let n: usize = lens.iter().sum();
    if n >= NULL as usize {
        return Err(Error::InvalidArgument(format!("{n} rows is more than fastbal can index (at most {})", NULL - 1)));
    }
    let distinct = estimate_distinct(lens, readers);
    let partition = match path {
        HashPath::Auto => distinct >= PARTITIONED_FROM,
        HashPath::Segmented => false,
        HashPath::Partitioned => true,
    };
    Ok(if partition {
        partitioned(lens, readers, want_codes, distinct)
    } else {
        segmented(lens, readers, want_codes, distinct)
    })
}

/// About how many distinct keys the rows hold, from an evenly spaced sample:
/// the sample's distinct count plus Chao's estimate of the unseen ones (from
/// how many keys the sample saw once and twice), at most the rows.
fn estimate_distinct<K, R>(lens: &[usize], readers: &[R]) -> usize
where
    K: Key,
    R: Fn(usize) -> Option<K>,
{
    let n: usize = lens.iter().sum();
    let step = n.div_ceil(SAMPLE_ROWS).max(1);
    let mut table = KeyTable::new(SAMPLE_ROWS.min(n), 0, 4);
    let mut keys = Vec::new();
    let (mut chunk, mut first) = (0, 0); // the chunk holding row `row`, and its first row
    for row in (0..n).step_by(step) {
        while row >= first + lens[chunk] {
            first += lens[chunk];
            chunk += 1;
        }
        if let Some(k) = readers[chunk](row - first) {
            table.add(k, &mut keys);
        }
    }
    if step == 1 {
        return keys.len();
    }
    let counts = table.counts(keys.len());
    let once = counts.iter().filter(|&&c| c == 1).count();
    let twice = counts.iter().filter(|&&c| c == 2).count();
    let unseen = once * once.saturating_sub(1) / (2 * (twice + 1));
    (keys.len() + unseen).min(n)
}

/// Rows per segment of the segmented path. Each segment fills a fresh table
/// (sized for all the keys), then its keys are merged: 256k rows amortize
/// both over four times the rows that 64k did (10M rows of 1k sparse int64
/// keys as the cardinality sweep times them, first call after a pause:
/// 32-39 ms to 26-29), and still make dozens of segments for the threads at
/// 10M rows.
const SEGMENT_ROWS: usize = 1 << 18;

/// One small table per segment of rows, merged: for columns with few
/// distinct keys, each segment's table stays in cache. The tables are sized
/// for the estimated `distinct` keys (at most the segment's rows, and at
/// most the keys the automatic choice sends here) from the start: grown as
/// keys arrive, a table of thousands of keys is rebuilt several times in
/// every segment.
fn segmented<K, R>(lens: &[usize], readers: &[R], want_codes: bool, distinct: usize) -> (Vec<K>, RawCounts, Vec<u32>)
where
    K: Key,
    R: Fn(usize) -> Option<K> + Sync,
{
    let n: usize = lens.iter().sum();
    // One local dictionary per segment of rows; local codes written in place when wanted.
    let mut codes = if want_codes { zeroed(n) } else { Vec::new() };
    let mut pieces: Vec<(usize, usize, usize, &mut [u32])> = Vec::new();
    let mut rest = codes.as_mut_slice();
    for (chunk, &len) in lens.iter().enumerate() {
        let mut start = 0;
        while start < len {
            let m = SEGMENT_ROWS.min(len - start);
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
            let mut table = KeyTable::new(distinct.min(PARTITIONED_FROM).min(*len), 0, 16);
            let mut keys: Vec<K> = Vec::new();
            let mut nulls = 0u64;
            for j in 0..*len {
                let id = match read(*start + j) {
                    None => {
                        nulls += 1;
                        NULL
                    }
                    Some(k) => table.add(k, &mut keys),
                };
                if let Some(o) = out.get_mut(j) {
                    *o = id;
                }
            }
            let counts = table.counts(keys.len());
            (keys, counts, nulls)
        })
        .collect();
    // every segment's keys through one table (each key once, its rows summed
    // over the segments), then only the distinct keys sorted
    let mut merged = KeyTable::new(locals.iter().map(|(k, _, _)| k.len()).max().unwrap_or(0), 0, 2);
    let (mut distinct, mut rows): (Vec<K>, Vec<u64>) = (Vec::new(), Vec::new());
    let mut null_count = 0;
    let merged_ids: Vec<Vec<u32>> = locals
        .iter()
        .map(|(keys, local_counts, nulls)| {
            null_count += nulls;
            keys.iter()
                .zip(local_counts)
                .map(|(&k, &c)| {
                    let id = merged.add(k, &mut distinct);
                    if id as usize == rows.len() {
                        rows.push(0);
                    }
                    rows[id as usize] += c;
                    id
                })
                .collect()
        })
        .collect();
    let sorted = sort_by_key(distinct.into_iter().zip(0u32..).collect(), |(k, _)| k);
    let mut place = vec![0u32; sorted.len()];
    for (p, &(_, i)) in sorted.iter().enumerate() {
        place[i as usize] = p as u32;
    }
    let counts: Vec<u64> = sorted.iter().map(|&(_, i)| rows[i as usize]).collect();
    let all: Vec<K> = sorted.into_iter().map(|(k, _)| k).collect();
    let luts: Vec<Vec<u32>> =
        merged_ids.into_iter().map(|ids| ids.into_iter().map(|i| place[i as usize]).collect()).collect();
    if want_codes {
        pieces.into_par_iter().zip(luts).for_each(|((_, _, _, out), lut)| {
            for o in out.iter_mut() {
                if *o != NULL {
                    *o = lut[*o as usize];
                }
            }
        });
    }
    (all, RawCounts { counts, null_count }, codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic pseudo-random stream (splitmix64).
    fn stream(seed: u64) -> impl FnMut() -> u64 {
        let mut s = seed;
        move || {
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            crate::hash::mix64(s)
        }
    }

    /// Both paths, on the same rows, give the same keys, counts and codes,
    /// whatever the partition count and however the rows are chunked.
    #[test]
    fn partitioned_path_equals_segmented_path() {
        let mut next = stream(7);
        for (rows, distinct, null_every) in
            [(0, 1, 0), (1, 1, 0), (1000, 3, 0), (70_000, 50_000, 7), (200_000, 5000, 0), (300_000, 290_000, 11)]
        {
            let pool: Vec<u64> = (0..distinct).map(|_| next()).collect();
            let values: Vec<Option<u64>> = (0..rows)
                .map(|i| {
                    let v = pool[(next() % distinct as u64) as usize];
                    (null_every == 0 || i % null_every != 3).then_some(v)
                })
                .collect();
            for cut in [rows, rows / 3] {
                let (a, b) = values.split_at(cut);
                let lens = [a.len(), b.len()];
                let parts = [a, b];
                let readers: Vec<_> = parts.iter().map(|p| move |i: usize| p[i]).collect();
                let whole = segmented(&lens, &readers, true, distinct);
                // tables grown from empty (an estimate far too low) count the same
                assert!(segmented(&lens, &readers, true, 0) == whole);
                assert!(whole.0.windows(2).all(|w| w[0] < w[1]));
                assert_eq!(whole.1.counts.iter().sum::<u64>() + whole.1.null_count, rows as u64);
                for estimate in [0, 5000, 100_000, 10_000_000] {
                    for want_codes in [true, false] {
                        let got = partitioned(&lens, &readers, want_codes, estimate);
                        assert_eq!(got.0, whole.0, "rows {rows} distinct {distinct} estimate {estimate}");
                        assert_eq!(got.1, whole.1);
                        if want_codes {
                            assert_eq!(got.2, whole.2);
                        } else {
                            assert!(got.2.is_empty());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_estimate_tells_few_keys_from_many() {
        let mut next = stream(3);
        for (rows, distinct) in [(1_000_000, 200), (1_000_000, 2000), (1_000_000, 100_000), (1_000_000, 1_000_000)] {
            let pool: Vec<u64> = (0..distinct).map(|_| next()).collect();
            let values: Vec<Option<u64>> = (0..rows).map(|_| Some(pool[(next() % distinct as u64) as usize])).collect();
            let est = estimate_distinct(&[rows], &[|i: usize| values[i]]);
            // within a factor of two of the distinct keys the rows hold
            let held = {
                let mut v: Vec<u64> = values.iter().flatten().copied().collect();
                v.sort_unstable();
                v.dedup();
                v.len()
            };
            assert!(est * 2 >= held && est <= 2 * held, "rows {rows} distinct {held}: estimated {est}");
        }
    }
}
