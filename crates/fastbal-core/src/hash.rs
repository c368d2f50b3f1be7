//! The fixed 64-bit hashes behind every seeded operation.
//!
//! They are part of fastbal's results (a split must come out the same on every
//! machine and in every version), so they are written out here and never
//! taken from a library whose output may change.

/// The splitmix64 finalizer: a bijection on `u64` with good avalanche.
#[inline(always)]
pub fn mix64(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
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
