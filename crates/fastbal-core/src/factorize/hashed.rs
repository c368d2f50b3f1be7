//! Parallel hash factorization of strings and sparse integers: one table per
//! segment of rows, merged, keys sorted so classes come out in value order.

use std::hash::Hash;

use hashbrown::HashMap;
use rayon::prelude::*;

use crate::column::ids::NULL;
use crate::column::strings::StrKey;
use crate::exec::alloc::zeroed;
use crate::factorize::classes::Classes;
use crate::factorize::histogram::RawCounts;
use crate::hash::hash_bytes;
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
    R: Fn(usize) -> Option<StrKey<'a>> + Sync,
{
    let (keys, raw, mut codes) = hash_factorize(lens, readers, want_codes)?;
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
                // two independent multiplies, folded: the table takes the top bits
                let m = (lo ^ len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ hi.wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
                m ^ (m >> 29)
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
    K: FastHash + Hash + Eq + Ord + Copy + Default + Send + Sync,
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
            let mut table = KeyTable::new();
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

/// An open-addressing table from keys to ids `0..` and their rows, keys held
/// inline beside their ids and counts (one probe is one cache line, no
/// pointer to follow), linear
/// probing, at most a quarter full (a lookup then takes its first slot more
/// often, and the branch on it is predicted right more often: about 10%
/// faster than half full on 224 shuffled labels). Made for the few distinct
/// labels of a column: small enough to stay in L1, it doubles as keys arrive.
struct KeyTable<K> {
    slots: Vec<Slot<K>>,
    shift: u32,
    len: usize,
}

/// A key, its id and its rows so far (the count shares the key's cache
/// line, and the room the id leaves).
#[derive(Clone, Copy)]
struct Slot<K> {
    key: K,
    id: u32,
    count: u32,
}

/// The id of an empty slot.
const EMPTY: u32 = u32::MAX;

impl<K: FastHash + Eq + Copy + Default> KeyTable<K> {
    fn new() -> Self {
        let bits = 8;
        KeyTable { slots: vec![Self::empty_slot(); 1 << bits], shift: 64 - bits, len: 0 }
    }

    fn empty_slot() -> Slot<K> {
        Slot { key: K::default(), id: EMPTY, count: 0 }
    }

    /// Count one row of `key`: its id, a new one (`keys.len()`, `key`
    /// pushed) when unseen. At most `u32::MAX` rows per table.
    #[inline(always)]
    fn add(&mut self, key: K, keys: &mut Vec<K>) -> u32 {
        let mask = self.slots.len() - 1;
        let mut at = (key.fast_hash() >> self.shift) as usize;
        loop {
            let slot = &mut self.slots[at];
            if slot.id == EMPTY {
                break;
            }
            if slot.key == key {
                slot.count += 1;
                return slot.id;
            }
            at = (at + 1) & mask;
        }
        let id = keys.len() as u32;
        keys.push(key);
        self.slots[at] = Slot { key, id, count: 1 };
        self.len += 1;
        if 4 * self.len > self.slots.len() {
            self.grow();
        }
        id
    }

    fn grow(&mut self) {
        let size = 2 * self.slots.len();
        let old = std::mem::replace(&mut self.slots, vec![Self::empty_slot(); size]);
        self.shift -= 1;
        let mask = self.slots.len() - 1;
        for slot in old.into_iter().filter(|s| s.id != EMPTY) {
            let mut at = (slot.key.fast_hash() >> self.shift) as usize;
            while self.slots[at].id != EMPTY {
                at = (at + 1) & mask;
            }
            self.slots[at] = slot;
        }
    }

    /// Rows per id, for the `n_keys` ids handed out.
    fn counts(&self, n_keys: usize) -> Vec<u64> {
        let mut counts = vec![0u64; n_keys];
        for slot in self.slots.iter().filter(|s| s.id != EMPTY) {
            counts[slot.id as usize] = slot.count.into();
        }
        counts
    }
}
