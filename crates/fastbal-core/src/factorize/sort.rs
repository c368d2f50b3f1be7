//! Sorting the distinct keys of a column into class order, in parallel.

use std::cmp::Ordering;

use rayon::prelude::*;

use crate::exec::alloc::reserved;
use crate::exec::blocks::cut_at;
use crate::factorize::table::Key;

/// Below this many items one parallel comparison sort is as fast.
const BUCKETED_FROM: usize = 1 << 15;

/// At most 256 buckets: the spreading pass writes to every bucket at once,
/// and many more streams than this miss the TLB on nearly every write.
const MAX_BUCKET_BITS: u32 = 8;

/// Items sorted by their keys' [`Key::order`], in parallel.
///
/// Keys whose [`Key::prefix`] orders them (integers) are sorted as they are.
/// Others (strings) are sorted as records of their two prefix words and
/// their position, so most comparisons read two words held inline and only
/// keys sharing their first 16 bytes are compared themselves (a string
/// longer than that lies elsewhere in memory).
pub(crate) fn sort_by_key<T, K>(items: Vec<T>, key: impl Fn(&T) -> &K + Sync) -> Vec<T>
where
    T: Copy + Send + Sync,
    K: Key,
{
    if K::PREFIX_ORDERS {
        return bucketed(items, &|t: &T| key(t).prefix().0, &|a: &T, b: &T| key(a).order(key(b)));
    }
    let records: Vec<(u64, u64, u32)> = items
        .par_iter()
        .enumerate()
        .map(|(i, t)| {
            let (a, b) = key(t).prefix();
            (a, b, i as u32)
        })
        .collect();
    let records = bucketed(records, &|r: &(u64, u64, u32)| r.0, &|x: &(u64, u64, u32), y: &(u64, u64, u32)| {
        (x.0, x.1).cmp(&(y.0, y.1)).then_with(|| key(&items[x.2 as usize]).order(key(&items[y.2 as usize])))
    });
    records.par_iter().map(|r| items[r.2 as usize]).collect()
}

/// Items sorted by `order`: spread over buckets by the top bits of their
/// `radix` word that vary (one counting pass), then each bucket sorted on
/// its own, all in parallel and in cache. Radix words that spread evenly
/// (ids, hashes) give even buckets; any other spread still sorts right, as
/// fast as one comparison sort at worst. `radix` must never decrease along
/// `order`.
pub(crate) fn bucketed<T, R, O>(mut items: Vec<T>, radix: &R, order: &O) -> Vec<T>
where
    T: Copy + Send + Sync,
    R: Fn(&T) -> u64 + Sync,
    O: Fn(&T, &T) -> Ordering + Sync,
{
    if items.len() < BUCKETED_FROM {
        items.par_sort_unstable_by(order);
        return items;
    }
    let (lo, hi) =
        items.par_iter().map(|t| (radix(t), radix(t))).reduce(|| (u64::MAX, 0), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    let width = 64 - (hi - lo).leading_zeros(); // the radix bits that vary
    let bits = (items.len() / 2048).next_power_of_two().trailing_zeros().clamp(1, MAX_BUCKET_BITS).min(width);
    if bits == 0 {
        items.par_sort_unstable_by(order);
        return items;
    }
    let shift = width - bits;
    let bucket = |t: &T| ((radix(t) - lo) >> shift) as usize;
    let mut starts = vec![0usize; (1 << bits) + 1];
    items.iter().for_each(|t| starts[bucket(t) + 1] += 1);
    for b in 1..starts.len() {
        starts[b] += starts[b - 1];
    }
    let mut out = reserved(items.len());
    out.resize(items.len(), items[0]);
    let mut at = starts.clone();
    for t in &items {
        let b = bucket(t);
        out[at[b]] = *t;
        at[b] += 1;
    }
    drop(items);
    let crowded = ((4 * out.len()) >> bits).max(BUCKETED_FROM);
    let buckets = cut_at(&mut out, &starts);
    // A bucket far past its share (keys crowded in a few radix values, as
    // strings sharing a prefix) is bucketed again by its own radix range,
    // narrower than this one's, so this ends.
    buckets.into_par_iter().for_each(|b| {
        if b.len() > crowded {
            let sorted = bucketed(b.to_vec(), radix, order);
            b.copy_from_slice(&sorted);
        } else {
            b.sort_unstable_by(order);
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::column::strings::{utf8_class, StrKey};

    #[test]
    fn bucketed_sort_equals_a_plain_sort() {
        let mut s = 1u64;
        let mut next = move || {
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            crate::hash::mix64(s)
        };
        // even, narrow, skewed (one huge outlier) and constant radix words
        let cases: Vec<Vec<u64>> = vec![
            (0..100_000).map(|_| next()).collect(),
            (0..100_000).map(|_| next() % 5000 + 7).collect(),
            (0..100_000).map(|i| if i == 3 { u64::MAX } else { next() % 1000 }).collect(),
            vec![42; 40_000],
            (0..1000).map(|_| next()).collect(),
        ];
        for keys in cases {
            let mut want = keys.clone();
            want.sort_unstable();
            assert_eq!(sort_by_key(keys.clone(), |k| k), want);
            let pairs: Vec<(u64, u32)> = keys.iter().enumerate().map(|(i, &k)| (k, i as u32)).collect();
            let got = sort_by_key(pairs, |(k, _)| k);
            assert!(got.iter().map(|p| p.0).eq(want.iter().copied()));
            assert!(got.iter().all(|&(k, i)| keys[i as usize] == k));
        }
        // strings sharing a prefix, short and long, in byte order
        let words: Vec<String> = (0..50_000u64).map(|i| format!("user_{:x}", next() >> (i % 40))).collect();
        let keys: Vec<StrKey<'_>> = words.iter().map(|w| StrKey::new(w.as_bytes())).collect();
        let got: Vec<String> = sort_by_key(keys, |k| k).iter().map(|k| k.decode(utf8_class).unwrap()).collect();
        let mut want = words.clone();
        want.sort_unstable();
        assert_eq!(got, want);
    }
}
