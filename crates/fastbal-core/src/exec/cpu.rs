//! The CPU's caches: how large, and a hint to fill them. (Its vector
//! instructions are `crate::simd`'s.)

use std::sync::OnceLock;

/// Bytes of the CPU's largest cache (Linux's sysfs; 32 MiB where it cannot
/// be read): data beyond it comes from memory on every pass.
pub(crate) fn last_level_cache() -> usize {
    static BYTES: OnceLock<usize> = OnceLock::new();
    *BYTES.get_or_init(|| {
        let sizes = (0..8).filter_map(|i| {
            std::fs::read_to_string(format!("/sys/devices/system/cpu/cpu0/cache/index{i}/size")).ok().and_then(|s| {
                let s = s.trim();
                let (digits, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
                let scale = match unit {
                    "" => 1,
                    "K" => 1 << 10,
                    "M" => 1 << 20,
                    "G" => 1 << 30,
                    _ => return None,
                };
                digits.parse::<usize>().ok().map(|n| n.saturating_mul(scale))
            })
        });
        sizes.max().unwrap_or(32 << 20)
    })
}

/// Ask the CPU to start loading `values` into its caches: a hint, with no
/// effect on any result (nothing where the target has no such instruction).
#[inline(always)]
pub(crate) fn prefetch<T>(values: &[T]) {
    #[cfg(target_arch = "x86_64")]
    for v in values.iter().step_by((64 / std::mem::size_of::<T>().max(1)).max(1)) {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch loads nothing into registers and cannot fault;
        // the address is that of a value of the slice.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((v as *const T).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = values;
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_last_level_cache_has_a_size() {
        let bytes = super::last_level_cache();
        assert!((1 << 16..1 << 40).contains(&bytes), "{bytes} bytes");
    }
}
