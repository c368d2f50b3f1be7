//! Radix-partitioned hash factorization, for columns with many distinct keys.
//!
//! One table for all keys would outgrow the caches, and every row would miss
//! them. Instead the rows are first spread over partitions by the top bits of
//! their key's hash (so each partition holds its own keys and no other's),
//! and each partition is then counted with a table small enough to stay in
//! cache, all partitions in parallel:
//!
//! 1. per piece of rows (in parallel): each key appended to its partition's
//!    buffer; a row's code slot holds its partition meanwhile;
//! 2. per partition (in parallel): its keys counted, each row given the
//!    partition-local id of its key;
//! 3. the distinct keys of all partitions sorted once (they are few beside
//!    the rows), and each partition's local ids turned into class codes;
//! 4. per piece (in parallel): each row's code read back from its
//!    partition, in row order (every piece keeps one cursor per partition).
//!
//! Results depend only on the rows: keys come out sorted, and codes follow
//! them, however the rows were cut into pieces or threads.

use std::sync::atomic::{AtomicU32, Ordering as Atomic};

use rayon::prelude::*;

use crate::column::ids::NULL;
use crate::exec::alloc::{reserved, zeroed};
use crate::factorize::histogram::RawCounts;
use crate::factorize::sort::sort_by_key;
use crate::factorize::table::{Key, KeyTable};

/// About how many distinct keys one partition's table should hold: a table
/// at most half full, of 16- to 32-byte slots, of 128 KiB to 512 KiB
/// (inside the 1-2 MiB L2 caches of current server cores).
const KEYS_PER_PARTITION: usize = 4096;

/// At most this many partitions: each piece of rows writes to one buffer per
/// partition at once, and many more streams than this thrash the TLB.
const MAX_PARTITION_BITS: u32 = 10;

/// How many keys ahead of the one counted a partition asks the next one's
/// bytes into the cache (a long string's bytes lie in the column, one cache
/// miss per row otherwise).
const PREFETCH_AHEAD: usize = 16;

/// How many top bits of the hash choose the partition, for about `distinct` keys.
pub(crate) fn partition_bits(distinct: usize) -> u32 {
    (distinct / KEYS_PER_PARTITION).next_power_of_two().trailing_zeros().min(MAX_PARTITION_BITS)
}

#[inline(always)]
fn partition_of(hash: u64, bits: u32) -> usize {
    hash.checked_shr(64 - bits).unwrap_or(0) as usize
}

/// Factorize rows given by per-chunk key readers (`None` = null) over
/// partitions, for about `distinct` distinct keys. Returns the distinct keys
/// in [`Key::order`], their counts, and per-row codes into them when
/// `want_codes`.
pub(crate) fn partitioned<K, R>(
    lens: &[usize],
    readers: &[R],
    want_codes: bool,
    distinct: usize,
) -> (Vec<K>, RawCounts, Vec<u32>)
where
    K: Key,
    R: Fn(usize) -> Option<K> + Sync,
{
    let n: usize = lens.iter().sum();
    let mut codes = if want_codes { zeroed(n) } else { Vec::new() };
    let mut pieces = pieces(lens, &mut codes);
    let (counted, cursors, null_count) = count(&mut pieces, readers, want_codes, distinct);
    let parts = counted.len();

    // 3. All distinct keys sorted once; each partition's local ids become codes.
    let mut firsts = Vec::with_capacity(parts);
    let mut total = 0usize;
    for (keys, _, _) in &counted {
        firsts.push(total);
        total += keys.len();
    }
    let mut pairs = reserved(total);
    for ((keys, _, _), &first) in counted.iter().zip(&firsts) {
        pairs.extend(keys.iter().enumerate().map(|(i, &k)| (k, (first + i) as u32)));
    }
    let sorted = sort_by_key(pairs, |(k, _)| k);
    let mut all_counts = Vec::with_capacity(total);
    counted.iter().for_each(|(_, c, _)| all_counts.extend_from_slice(c));
    let counts: Vec<u64> = sorted.par_iter().map(|&(_, i)| all_counts[i as usize]).collect();
    let mut locals: Vec<Vec<u32>> = counted.into_iter().map(|(_, _, local)| local).collect();
    if want_codes {
        let rank: Vec<AtomicU32> = (0..total).map(|_| AtomicU32::new(0)).collect();
        sorted.par_iter().enumerate().for_each(|(r, &(_, i))| rank[i as usize].store(r as u32, Atomic::Relaxed));
        locals.par_iter_mut().zip(firsts).for_each(|(local, first)| {
            let rank = &rank[first..];
            local.iter_mut().for_each(|id| *id = rank[*id as usize].load(Atomic::Relaxed));
        });

        // 4. Codes read back in row order.
        pieces.par_iter_mut().zip(cursors).for_each(|((_, _, _, out), mut cursor)| {
            for o in out.iter_mut() {
                if *o != NULL {
                    let p = *o as usize;
                    *o = locals[p][cursor[p]];
                    cursor[p] += 1;
                }
            }
        });
    }
    drop(pieces);
    let keys = sorted.into_iter().map(|(k, _)| k).collect();
    (keys, RawCounts { counts, null_count }, codes)
}

/// A piece of rows: its chunk, first row and length, and its slice of the
/// codes (empty when no codes are made).
type Piece<'c> = (usize, usize, usize, &'c mut [u32]);

/// A partition's distinct keys (in local id order), their counts, and its
/// rows' local ids (in piece order; empty when no codes are made).
type Counted<K> = (Vec<K>, Vec<u64>, Vec<u32>);

/// Pieces of rows, a few per thread, each with its slice of `codes` (empty
/// slices when `codes` is empty).
fn pieces<'c>(lens: &[usize], codes: &'c mut [u32]) -> Vec<Piece<'c>> {
    let n: usize = lens.iter().sum();
    let with_codes = !codes.is_empty();
    let piece_rows = (n / (4 * rayon::current_num_threads()).max(1)).max(1 << 16);
    let mut pieces = Vec::new();
    let mut rest = codes;
    for (chunk, &len) in lens.iter().enumerate() {
        let mut start = 0;
        while start < len {
            let m = piece_rows.min(len - start);
            let (head, tail) = rest.split_at_mut(if with_codes { m } else { 0 });
            pieces.push((chunk, start, m, head));
            rest = tail;
            start += m;
        }
    }
    pieces
}

/// Steps 1 and 2: every partition's keys, counts and local ids, where each
/// piece's rows start in each partition's local ids, and the null count.
fn count<K, R>(
    pieces: &mut [Piece<'_>],
    readers: &[R],
    want_codes: bool,
    distinct: usize,
) -> (Vec<Counted<K>>, Vec<Vec<usize>>, u64)
where
    K: Key,
    R: Fn(usize) -> Option<K> + Sync,
{
    let bits = partition_bits(distinct);
    let parts = 1usize << bits;
    // 1. Keys to their partitions' buffers; a row's code slot holds its partition.
    let scattered: Vec<(Vec<Vec<K>>, u64)> = pieces
        .par_iter_mut()
        .map(|(chunk, start, len, out)| {
            let read = &readers[*chunk];
            let room = *len / parts + *len / parts / 8 + 16;
            let mut buffers: Vec<Vec<K>> = (0..parts).map(|_| Vec::with_capacity(room)).collect();
            let mut nulls = 0u64;
            for j in 0..*len {
                let part = match read(*start + j) {
                    None => {
                        nulls += 1;
                        NULL
                    }
                    Some(k) => {
                        let p = partition_of(k.fast_hash(), bits);
                        buffers[p].push(k);
                        p as u32
                    }
                };
                if let Some(o) = out.get_mut(j) {
                    *o = part;
                }
            }
            (buffers, nulls)
        })
        .collect();
    let null_count = scattered.iter().map(|(_, nulls)| nulls).sum();

    // 2. Each partition counted on its own table; its rows' local ids in piece order.
    let expected = distinct.div_ceil(parts) + distinct.div_ceil(parts) / 4;
    let counted: Vec<Counted<K>> = (0..parts)
        .into_par_iter()
        .map(|p| {
            let rows: usize = scattered.iter().map(|(buffers, _)| buffers[p].len()).sum();
            let mut table = KeyTable::new(expected.min(rows), bits, 2);
            let mut keys = Vec::new();
            let mut local = Vec::with_capacity(if want_codes { rows } else { 0 });
            for (buffers, _) in &scattered {
                let rows = &buffers[p];
                for (j, &k) in rows.iter().enumerate() {
                    if let Some(ahead) = rows.get(j + PREFETCH_AHEAD) {
                        ahead.prefetch();
                    }
                    let id = table.add(k, &mut keys);
                    if want_codes {
                        local.push(id);
                    }
                }
            }
            let counts = table.counts(keys.len());
            (keys, counts, local)
        })
        .collect();
    // where each piece's rows start in each partition's local ids
    let mut cursors: Vec<Vec<usize>> = Vec::with_capacity(pieces.len());
    let mut at = vec![0usize; parts];
    for (buffers, _) in &scattered {
        cursors.push(at.clone());
        at.iter_mut().zip(buffers).for_each(|(a, b)| *a += b.len());
    }
    drop(scattered);
    (counted, cursors, null_count)
}

/// The smallest key that appears more than once, if any (ids checked for
/// repeats without sorting them).
pub(crate) fn smallest_repeated(keys: &[u64]) -> Option<u64> {
    let mut no_codes = [];
    let readers = [|i: usize| Some(keys[i])];
    let (counted, _, _) = count(&mut pieces(&[keys.len()], &mut no_codes), &readers, false, keys.len());
    counted
        .par_iter()
        .filter_map(|(keys, counts, _)| keys.iter().zip(counts).filter(|(_, &c)| c > 1).map(|(&k, _)| k).min())
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smallest_repeated_key_is_found_without_sorting() {
        let mut s = 5u64;
        let mut next = move || {
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            crate::hash::mix64(s)
        };
        for n in [0usize, 1, 2, 1000, 300_000] {
            let mut keys: Vec<u64> = (0..n).map(|_| next()).collect();
            assert_eq!(smallest_repeated(&keys), None, "{n} distinct keys");
            if n >= 1000 {
                // two repeats: the smaller one is named
                let (a, b) = (keys[17].min(keys[400]), keys[17].max(keys[400]));
                keys[n - 1] = b;
                keys[n / 2] = a;
                assert_eq!(smallest_repeated(&keys), Some(a));
            }
        }
        assert_eq!(smallest_repeated(&[7, 7]), Some(7));
    }
}
