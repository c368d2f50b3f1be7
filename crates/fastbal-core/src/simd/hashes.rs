//! Rank hashes of a run of rows ([`Ranker::key`]'s first half), and the
//! eight-lane hashing the other AVX-512 kernels start from.

use super::Level;
use crate::hash::{rank_hash, Ranker, RowKeys};

/// The rank hashes of rows `row..row + out.len()`, with the vector
/// instructions of `level` (at most the CPU's).
pub(crate) fn rank_hashes_at(level: Level, ranker: Ranker<'_>, row: usize, out: &mut [u64]) {
    #[cfg(target_arch = "x86_64")]
    if level >= Level::Avx512 {
        // SAFETY: the level is at most the CPU's, which then has AVX-512 F and DQ.
        return unsafe { rank_hashes_avx512(ranker, row, out) };
    }
    let _ = level;
    rank_hashes_plain(ranker, row, out)
}

/// The plain loop (which the compiler vectorizes for the target it compiles for).
#[inline(always)]
fn rank_hashes_plain(ranker: Ranker<'_>, row: usize, out: &mut [u64]) {
    match ranker.keys {
        RowKeys::Position => {
            for (j, o) in out.iter_mut().enumerate() {
                *o = rank_hash((row + j) as u64, ranker.offset);
            }
        }
        RowKeys::Hashed(h) => {
            let n = out.len();
            for (o, &k) in out.iter_mut().zip(&h[row..row + n]) {
                *o = rank_hash(k, ranker.offset);
            }
        }
    }
}

/// The plain loop compiled for AVX-512 (64-bit multiplies in vector registers).
///
/// # Safety
/// The CPU must support AVX-512 F and DQ.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq")]
unsafe fn rank_hashes_avx512(ranker: Ranker<'_>, row: usize, out: &mut [u64]) {
    rank_hashes_plain(ranker, row, out)
}

/// The rank hashes of the eight rows from `row` on, in a register.
///
/// # Safety
/// The CPU must support AVX-512 F and DQ, and with hashed keys,
/// `row + 8` must be at most the number of keys.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq")]
pub(super) unsafe fn rank_hashes_x8(ranker: Ranker<'_>, row: usize) -> std::arch::x86_64::__m512i {
    use std::arch::x86_64::*;
    let key = match ranker.keys {
        RowKeys::Position => _mm512_add_epi64(_mm512_set1_epi64(row as i64), _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7)),
        // SAFETY: the caller's: `keys[row..row + 8]` exist.
        RowKeys::Hashed(keys) => unsafe { _mm512_loadu_si512(keys.as_ptr().add(row).cast()) },
    };
    mix64_x8(_mm512_xor_si512(key, _mm512_set1_epi64(ranker.offset as i64)))
}

/// [`crate::hash::mix64`] of eight words at once, from the same constants.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq")]
fn mix64_x8(x: std::arch::x86_64::__m512i) -> std::arch::x86_64::__m512i {
    use crate::hash::{MIX_MULTIPLIERS as M, MIX_SHIFTS as S};
    use std::arch::x86_64::*;
    let x = _mm512_xor_si512(x, _mm512_srli_epi64::<{ S[0] }>(x));
    let x = _mm512_mullo_epi64(x, _mm512_set1_epi64(M[0] as i64));
    let x = _mm512_xor_si512(x, _mm512_srli_epi64::<{ S[1] }>(x));
    let x = _mm512_mullo_epi64(x, _mm512_set1_epi64(M[1] as i64));
    _mm512_xor_si512(x, _mm512_srli_epi64::<{ S[2] }>(x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::mix64;

    #[test]
    fn every_level_gives_the_same_hashes() {
        let keys: Vec<u64> = (0..2100).map(|i| mix64(i + 77)).collect();
        for ranker in [Ranker::new(RowKeys::Position, 9), Ranker::new(RowKeys::Hashed(&keys), 9)] {
            for (row, n) in [(0, 0), (0, 1), (3, 7), (0, 8), (5, 9), (1, 2045), (0, 2048), (40, 17)] {
                let want: Vec<u64> = (row..row + n).map(|r| ranker.key(r).0).collect();
                for level in [Level::Off, Level::Avx2, super::super::detected()] {
                    let mut out = vec![0; n];
                    rank_hashes_at(level.min(super::super::detected()), ranker, row, &mut out);
                    assert_eq!(out, want, "{level:?}, rows {row}..+{n}");
                }
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn eight_lanes_hash_as_mix64() {
        if super::super::detected() < Level::Avx512 {
            return;
        }
        let keys: Vec<u64> = (0..16).map(|i| mix64(i) ^ (i << 60)).collect();
        for ranker in [Ranker::new(RowKeys::Position, 1 << 40), Ranker::new(RowKeys::Hashed(&keys), 3)] {
            for row in [0usize, 8] {
                let mut lanes = [0u64; 8];
                // SAFETY: the CPU has AVX-512 (checked above); rows `row..row + 8` have keys.
                unsafe {
                    let v = rank_hashes_x8(ranker, row);
                    std::arch::x86_64::_mm512_storeu_si512(lanes.as_mut_ptr().cast(), v);
                }
                let want: Vec<u64> = (row..row + 8).map(|r| ranker.key(r).0).collect();
                assert_eq!(lanes.to_vec(), want);
            }
        }
    }
}
