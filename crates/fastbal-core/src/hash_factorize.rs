//! Parallel hash factorization of strings and sparse integers: one table per
//! segment of rows, merged, keys sorted so classes come out in value order.

use std::hash::Hash;

use hashbrown::{HashMap, HashTable};
use rayon::prelude::*;

use crate::alloc::zeroed;
use crate::classes::Classes;
use crate::hash::hash_bytes;
use crate::histogram::RawCounts;
use crate::ids::NULL;
use crate::strings::StrKey;
use crate::{Error, Result};

/// Hash-factorize string readers: classes sorted by string, counts, and the
/// codes (empty unless `want_codes`).
pub(crate) fn hashed<'a, R>(
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

/// Hash-factorize rows given by per-chunk key readers (`None` = null).
/// Returns the distinct keys in key order, their counts, and per-row codes.
/// A key's 64-bit hash for the factorization tables (not part of any result).
pub(crate) trait FastHash {
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

pub(crate) fn hash_factorize<K, R>(
    lens: &[usize],
    readers: &[R],
    want_codes: bool,
) -> Result<(Vec<K>, RawCounts, Vec<u32>)>
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
