//! Sorting the distinct keys of a column into class order, in parallel.

use rayon::prelude::*;

use crate::exec::alloc::reserved;
use crate::factorize::table::Key;

/// Below this many items one parallel comparison sort is as fast.
const BUCKETED_FROM: usize = 1 << 15;

/// At most 256 buckets: the spreading pass writes to every bucket at once,
/// and many more streams than this miss the TLB on nearly every write.
const MAX_BUCKET_BITS: u32 = 8;

/// Items sorted by their keys' [`Key::order`]: spread over buckets by the
/// top bits of the keys' [`Key::radix`] that vary (one counting pass), then
/// each bucket sorted on its own, all in parallel and in cache. Keys whose
/// radix words spread evenly (ids, hashes, most text) give even buckets; any
/// other spread still sorts right, as fast as one comparison sort at worst.
pub(crate) fn sort_by_key<T, K>(mut items: Vec<T>, key: impl Fn(&T) -> &K + Sync) -> Vec<T>
where
    T: Copy + Send + Sync,
    K: Key,
{
    let by_order = |a: &T, b: &T| key(a).order(key(b));
    if items.len() < BUCKETED_FROM {
        items.par_sort_unstable_by(by_order);
        return items;
    }
    let (lo, hi) = items
        .par_iter()
        .map(|t| (key(t).radix(), key(t).radix()))
        .reduce(|| (u64::MAX, 0), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    let width = 64 - (hi - lo).leading_zeros(); // the radix bits that vary
    let bits = (items.len() / 2048).next_power_of_two().trailing_zeros().clamp(1, MAX_BUCKET_BITS).min(width);
    if bits == 0 {
        items.par_sort_unstable_by(by_order);
        return items;
    }
    let shift = width - bits;
    let bucket = |t: &T| ((key(t).radix() - lo) >> shift) as usize;
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
    let mut buckets = Vec::with_capacity(starts.len() - 1);
    let mut rest = out.as_mut_slice();
    for w in starts.windows(2) {
        let (head, tail) = rest.split_at_mut(w[1] - w[0]);
        buckets.push(head);
        rest = tail;
    }
    buckets.into_par_iter().for_each(|b| b.sort_unstable_by(by_order));
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
