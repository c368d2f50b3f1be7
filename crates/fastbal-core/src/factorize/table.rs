//! The hash table both factorization paths count keys with, and the hash it
//! places them by.

use std::cmp::Ordering;
use std::hash::Hash;

use crate::column::strings::StrKey;
use crate::hash::folded_multiply;
use crate::simd::prefetch;

/// What the factorization asks of a key: a hash to place it in a table, and
/// its order.
///
/// The hash only decides where a key sits in a table, never a result, so it
/// may change between versions (unlike [`crate::hash`], whose hashes are
/// part of the results).
pub(crate) trait Key: Copy + Eq + Hash + Default + Send + Sync {
    fn fast_hash(&self) -> u64;
    /// The order classes come out in (`Equal` only for equal keys).
    fn order(&self, other: &Self) -> Ordering;
    /// Two words that never decrease along [`Key::order`] (compared as a
    /// pair): sorts bucket keys by the first and compare them by both, held
    /// inline, before they compare the keys themselves.
    fn prefix(&self) -> (u64, u64);
    /// Whether [`Key::prefix`] alone orders keys (distinct keys, distinct
    /// prefixes): then the keys are sorted as they are.
    const PREFIX_ORDERS: bool;
    /// Ask into the cache what comparing this key reads besides the key
    /// itself (a long string's bytes).
    #[inline(always)]
    fn prefetch(&self) {}
}

impl Key for u64 {
    #[inline(always)]
    fn fast_hash(&self) -> u64 {
        // one full multiply, its halves folded (as foldhash does for a word)
        folded_multiply(*self ^ 0x243f_6a88_85a3_08d3, 0x9e37_79b9_7f4a_7c15)
    }
    #[inline(always)]
    fn order(&self, other: &Self) -> Ordering {
        self.cmp(other)
    }
    #[inline(always)]
    fn prefix(&self) -> (u64, u64) {
        (*self, 0)
    }
    const PREFIX_ORDERS: bool = true;
}

/// Strings order by their bytes (for UTF-8, the order of the text).
impl Key for StrKey<'_> {
    #[inline(always)]
    fn fast_hash(&self) -> u64 {
        match *self {
            StrKey::Short { lo, hi, len } => {
                folded_multiply(lo ^ 0x243f_6a88_85a3_08d3, hi ^ 0x1319_8a2e_0370_7344 ^ ((len as u64) << 56))
            }
            // the tag's 32 bits spread over the word (the top bits pick
            // partitions and slots)
            StrKey::Long { tag, bytes } => {
                folded_multiply(u64::from(tag) ^ 0x4528_21e6_38d0_1377, 0xbe54_66cf_34e9_0c6c ^ bytes.len() as u64)
            }
        }
    }
    #[inline(always)]
    fn order(&self, other: &Self) -> Ordering {
        self.cmp_bytes(other)
    }
    #[inline(always)]
    fn prefix(&self) -> (u64, u64) {
        StrKey::prefix(self)
    }
    const PREFIX_ORDERS: bool = false;
    #[inline(always)]
    fn prefetch(&self) {
        if let StrKey::Long { bytes, .. } = self {
            prefetch(&bytes[..1]);
            prefetch(&bytes[bytes.len() - 1..]);
        }
    }
}

/// An open-addressing table from keys to ids `0..` and their rows, keys held
/// inline beside their ids and counts (one probe is one cache line, no
/// pointer to follow), linear probing. The per-segment tables are kept at
/// most a sixteenth full (a lookup then nearly always takes its first slot,
/// and the branch on it is predicted right: on 10M shuffled rows of 1k to 8k
/// sparse int64 keys, 10-25% less CPU time than at an eighth full, even
/// though the table is then past L1). A table is sized up front when the
/// caller knows about how many keys to expect, and doubles as keys arrive
/// past that.
///
/// A slot is picked by the hash's bits after its top `skip` bits: the
/// partitioned path spends those on choosing the partition, so within one
/// partition they are all alike.
pub(crate) struct KeyTable<K> {
    slots: Vec<Slot<K>>,
    /// Slots per key at most: 16 for the per-segment tables, 4 for the
    /// estimate's sample, 2 for the partitions' (a quarter more probes than
    /// at 4, half the cache).
    spread: usize,
    skip: u32,
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

impl<K: Key> KeyTable<K> {
    /// A table for about `keys` distinct keys whose hashes share their top
    /// `skip` bits, with `spread` slots per key at most.
    pub(crate) fn new(keys: usize, skip: u32, spread: usize) -> Self {
        let bits = (spread * keys.max(64)).next_power_of_two().trailing_zeros().min(40);
        KeyTable { slots: vec![Self::empty_slot(); 1 << bits], spread, skip, shift: 64 - bits, len: 0 }
    }

    fn empty_slot() -> Slot<K> {
        Slot { key: K::default(), id: EMPTY, count: 0 }
    }

    #[inline(always)]
    fn home(&self, key: &K) -> usize {
        ((key.fast_hash() << self.skip) >> self.shift) as usize
    }

    /// Count one row of `key`: its id, a new one (`keys.len()`, `key`
    /// pushed) when unseen. At most `u32::MAX` rows per table.
    #[inline(always)]
    pub(crate) fn add(&mut self, key: K, keys: &mut Vec<K>) -> u32 {
        let mask = self.slots.len() - 1;
        let mut at = self.home(&key);
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
        if self.spread * self.len > self.slots.len() {
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
            let mut at = self.home(&slot.key);
            while self.slots[at].id != EMPTY {
                at = (at + 1) & mask;
            }
            self.slots[at] = slot;
        }
    }

    /// Rows per id, for the `n_keys` ids handed out.
    pub(crate) fn counts(&self, n_keys: usize) -> Vec<u64> {
        let mut counts = vec![0u64; n_keys];
        for slot in self.slots.iter().filter(|s| s.id != EMPTY) {
            counts[slot.id as usize] = slot.count.into();
        }
        counts
    }
}
