//! The fixed 64-bit hashes behind every seeded operation, and the rank key
//! they give a row under a seed.
//!
//! They are part of fastbal's results (a split must come out the same on every
//! machine and in every version), so they are written out here and never
//! taken from a library whose output may change. The vector kernels
//! (`crate::simd`) compute the same hashes from the constants below.

/// The shifts of [`mix64`]'s three xor-shift steps.
pub(crate) const MIX_SHIFTS: [u32; 3] = [30, 27, 31];
/// The multipliers of [`mix64`]'s two multiply steps.
pub(crate) const MIX_MULTIPLIERS: [u64; 2] = [0xbf58_476d_1ce4_e5b9, 0x94d0_49bb_1331_11eb];

/// The splitmix64 finalizer: a bijection on `u64` with good avalanche.
#[inline(always)]
pub fn mix64(mut x: u64) -> u64 {
    x ^= x >> MIX_SHIFTS[0];
    x = x.wrapping_mul(MIX_MULTIPLIERS[0]);
    x ^= x >> MIX_SHIFTS[1];
    x = x.wrapping_mul(MIX_MULTIPLIERS[1]);
    x ^ (x >> MIX_SHIFTS[2])
}

/// The 128-bit product of two words, its halves xored: every bit of the
/// result depends on every bit of both factors. The step of the table
/// hashes (where a key sits in a hash table, never a result; they may change
/// between versions, unlike the hashes above).
#[inline(always)]
pub(crate) fn folded_multiply(a: u64, b: u64) -> u64 {
    let p = a as u128 * b as u128;
    (p as u64) ^ ((p >> 64) as u64)
}

/// The per-seed offset mixed into every key.
#[inline]
pub fn seed_offset(seed: u64) -> u64 {
    mix64(seed ^ 0x6a09_e667_f3bc_c908)
}

/// Rank hash of a row's key under a seed. For a fixed seed it is a bijection
/// of the key, so distinct integer keys never tie.
#[inline(always)]
pub fn rank_hash(key: u64, seed_offset: u64) -> u64 {
    mix64(key ^ seed_offset)
}

/// FNV-1a over bytes, finalized with [`mix64`]: the key of a string id.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &b in bytes {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    mix64(h)
}

/// A uniform draw in `0..n` from a 64-bit hash (multiply-shift, no modulo bias worth naming).
#[inline]
pub fn below(h: u64, n: u64) -> u64 {
    ((h as u128 * n as u128) >> 64) as u64
}

/// What a row's rank hash is computed from.
#[derive(Clone, Copy, Debug)]
pub enum RowKeys<'a> {
    /// The row's global position.
    Position,
    /// One 64-bit key per row (hashed ids).
    Hashed(&'a [u64]),
}

/// A row's full rank key: its hash, then its position to break (rare) ties.
pub(crate) type RankKey = (u64, u64);

/// Rank keys of rows under one seed.
#[derive(Clone, Copy)]
pub struct Ranker<'a> {
    pub(crate) keys: RowKeys<'a>,
    pub(crate) offset: u64,
}

impl<'a> Ranker<'a> {
    pub fn new(keys: RowKeys<'a>, seed: u64) -> Self {
        Ranker { keys, offset: seed_offset(seed) }
    }

    /// Rank `n_rows` rows by their position, or by `ids` (one key per row,
    /// see [`crate::row_keys()`]), under `seed`.
    pub fn for_rows(ids: Option<&'a [u64]>, seed: u64, n_rows: usize) -> crate::Result<Self> {
        match ids {
            None => Ok(Ranker::new(RowKeys::Position, seed)),
            Some(k) if k.len() == n_rows => Ok(Ranker::new(RowKeys::Hashed(k), seed)),
            Some(k) => {
                Err(crate::Error::InvalidArgument(format!("ids has {} rows but the labels have {n_rows}", k.len())))
            }
        }
    }

    /// How many of the `n` rows from `row` on have a key (all, by position).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub(crate) fn rows_with_keys(&self, row: usize, n: usize) -> usize {
        match self.keys {
            RowKeys::Position => n,
            RowKeys::Hashed(keys) => n.min(keys.len().saturating_sub(row)),
        }
    }

    #[inline(always)]
    pub fn key(&self, row: usize) -> RankKey {
        let k = match self.keys {
            RowKeys::Position => row as u64,
            RowKeys::Hashed(h) => h[row],
        };
        (rank_hash(k, self.offset), row as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_values() {
        // Pinned: changing these changes every split fastbal has ever produced.
        assert_eq!(mix64(0), 0);
        assert_eq!(mix64(1), 0x5692_161d_100b_05e5);
        assert_eq!(hash_bytes(b""), mix64(0xcbf2_9ce4_8422_2325));
    }

    #[test]
    fn below_stays_in_range() {
        for h in [0, 1, u64::MAX / 2, u64::MAX] {
            assert!(below(h, 7) < 7);
        }
        assert_eq!(below(u64::MAX, 10), 9);
    }
}
