//! Smallest and largest value of a block of integers: the range check of
//! every integer count.

use super::Level;
use crate::column::IntLabel;

/// Smallest and largest value of a block (`(MAX, MIN)` when empty): the
/// plain reduction compiled for AVX2 where the level has it. Every level
/// gives the same result.
pub(crate) fn block_range<T: IntLabel>(values: &[T]) -> (T, T) {
    block_range_at(super::level(), values)
}

pub(crate) fn block_range_at<T: IntLabel>(level: Level, values: &[T]) -> (T, T) {
    #[cfg(target_arch = "x86_64")]
    if level >= Level::Avx2 {
        // SAFETY: the level is at most the CPU's, which then supports AVX2,
        // the only requirement of `min_max_avx2`.
        return unsafe { min_max_avx2(values) };
    }
    let _ = level;
    min_max(values)
}

/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn min_max_avx2<T: IntLabel>(values: &[T]) -> (T, T) {
    min_max(values)
}

/// Smallest and largest value of a slice (`(MAX, MIN)` when empty): a plain
/// reduction, which the compiler vectorizes for the target it compiles for.
#[inline(always)]
pub(crate) fn min_max<T: IntLabel>(values: &[T]) -> (T, T) {
    let (mut lo, mut hi) = (T::MAX, T::MIN);
    for &v in values {
        lo = if v < lo { v } else { lo };
        hi = if v > hi { v } else { hi };
    }
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::mix64;
    use crate::simd::testing::levels;

    #[test]
    fn every_level_finds_the_same_range() {
        // blocks of every remainder length and at the types' extremes
        for len in [0usize, 1, 7, 8, 9, 15, 16, 17, 31, 2045, 2048] {
            let v: Vec<i32> = (0..len as u64).map(|i| mix64(i * 31 + len as u64) as i32).collect();
            let u: Vec<u64> = (0..len as u64).map(|i| mix64(i) | if i == 0 { u64::MAX } else { 0 }).collect();
            let b: Vec<i8> = (0..len as u64).map(|i| mix64(i) as i8).collect();
            let want_v = (v.iter().copied().min().unwrap_or(i32::MAX), v.iter().copied().max().unwrap_or(i32::MIN));
            let want_u = (u.iter().copied().min().unwrap_or(u64::MAX), u.iter().copied().max().unwrap_or(u64::MIN));
            let want_b = (b.iter().copied().min().unwrap_or(i8::MAX), b.iter().copied().max().unwrap_or(i8::MIN));
            for level in levels() {
                assert_eq!(block_range_at(level, &v), want_v, "{level:?}, {len}");
                assert_eq!(block_range_at(level, &u), want_u, "{level:?}, {len}");
                assert_eq!(block_range_at(level, &b), want_b, "{level:?}, {len}");
            }
        }
    }
}
