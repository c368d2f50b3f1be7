//! The CPU's caches: how large. (Its vector instructions, and the hint to
//! fill the caches, are `crate::simd`'s.)

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

#[cfg(test)]
mod tests {
    #[test]
    fn the_last_level_cache_has_a_size() {
        let bytes = super::last_level_cache();
        assert!((1 << 16..1 << 40).contains(&bytes), "{bytes} bytes");
    }
}
