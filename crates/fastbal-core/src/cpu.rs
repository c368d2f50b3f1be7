//! What the CPU offers, checked at run time: the vector kernels are chosen
//! by these checks, and their plain loops are kept for every other CPU.

/// AVX-512 F, DQ and VL with POPCNT: every AVX-512 kernel of the crate
/// needs at most these (`#[target_feature(enable = "avx512f,avx512dq,avx512vl,popcnt")]`).
#[inline]
pub(crate) fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("popcnt")
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}
