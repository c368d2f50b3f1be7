//! Vector kernels behind one safe dispatch.
//!
//! The CPU's vector level is found once ([`level`]): AVX-512 (F, DQ, VL and
//! POPCNT), AVX2, or none. The environment variable `FASTBAL_SIMD` lowers it:
//! `off` runs every kernel's plain loop, `avx2` keeps AVX2 but not AVX-512,
//! `auto` (or unset) takes what the CPU has; a level the CPU lacks is never
//! used. Each kernel module holds its plain loop (the reference, and the code
//! every other CPU runs), its vector variants and the safe function that
//! picks one; the intrinsics live in these modules only. Every variant gives
//! the same result bit for bit, which the tests check at boundary lengths:
//! a seeded split is the same on every machine. (`prefetch`, a cache hint
//! with no result, lives here too, with the crate's other intrinsics.)
//!
//! | module | kernel |
//! |---|---|
//! | `hashes` | rank hashes of a run of rows |
//! | `regions` | each row's region among its class's cut windows |
//! | `capped` | the rows at or below their class's cap |
//! | `positions` | row positions appended per slot |
//! | `range` | smallest and largest value of a block |

pub(crate) mod capped;
pub(crate) mod hashes;
pub(crate) mod positions;
pub(crate) mod range;
pub(crate) mod regions;

use std::sync::OnceLock;

/// The environment variable that lowers the vector level.
pub const SETTING: &str = "FASTBAL_SIMD";

/// The vector instructions the kernels use, from none to the widest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Plain loops only.
    Off,
    /// AVX2 (x86-64).
    Avx2,
    /// AVX-512 F, DQ, VL and POPCNT (x86-64).
    Avx512,
}

impl Level {
    /// The level's name, as `FASTBAL_SIMD` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
        }
    }

    /// The level a `FASTBAL_SIMD` value asks for: `None` for `auto` (or an
    /// empty value), an error naming the accepted values otherwise.
    pub fn parse(value: &str) -> Result<Option<Level>, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(None),
            "off" => Ok(Some(Level::Off)),
            "avx2" => Ok(Some(Level::Avx2)),
            "avx512" => Ok(Some(Level::Avx512)),
            _ => Err(format!("{SETTING}={value:?} is not one of auto, avx512, avx2, off")),
        }
    }
}

/// What the CPU offers.
pub fn detected() -> Level {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if has!("avx512f") && has!("avx512dq") && has!("avx512vl") && has!("popcnt") {
            return Level::Avx512;
        }
        if has!("avx2") {
            return Level::Avx2;
        }
    }
    Level::Off
}

/// The level in use: what the CPU offers, lowered by `FASTBAL_SIMD`; read
/// once per process. An unreadable setting leaves the CPU's level (see
/// [`setting_error`]).
pub fn level() -> Level {
    state().0
}

/// Why `FASTBAL_SIMD` could not be read, if it could not (a front end says
/// so to the user).
pub fn setting_error() -> Option<String> {
    state().1.clone()
}

fn state() -> &'static (Level, Option<String>) {
    static STATE: OnceLock<(Level, Option<String>)> = OnceLock::new();
    STATE.get_or_init(|| resolve(std::env::var(SETTING).ok().as_deref(), detected()))
}

/// The level a `FASTBAL_SIMD` value (`None`: unset) gives on a CPU of level
/// `cpu`, and why the value could not be read: never above the CPU's.
fn resolve(setting: Option<&str>, cpu: Level) -> (Level, Option<String>) {
    match setting.map(Level::parse) {
        None | Some(Ok(None)) => (cpu, None),
        Some(Ok(Some(asked))) => (asked.min(cpu), None),
        Some(Err(e)) => (cpu, Some(e)),
    }
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

/// What the kernels' tests share.
#[cfg(test)]
pub(crate) mod testing {
    use super::{detected, Level};
    use crate::column::ids::NULL;
    use crate::hash::mix64;

    /// Every level this CPU can run, the plain loops first.
    pub(crate) fn levels() -> Vec<Level> {
        [Level::Off, Level::Avx2, Level::Avx512].into_iter().filter(|&l| l <= detected()).collect()
    }

    /// Ids of `n` rows over `n_classes` classes: about one in `one_in` null,
    /// as many past the classes (no label either), the rest spread over them.
    pub(crate) fn block_ids(n: usize, n_classes: usize, one_in: u64) -> Vec<u32> {
        (0..n as u64)
            .map(|i| match mix64(i) % one_in {
                0 => NULL,
                1 => n_classes as u32 + 3,
                k => (k % n_classes as u64) as u32,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse() {
        assert_eq!(Level::parse("off"), Ok(Some(Level::Off)));
        assert_eq!(Level::parse(" AVX2 "), Ok(Some(Level::Avx2)));
        assert_eq!(Level::parse("avx512"), Ok(Some(Level::Avx512)));
        assert_eq!(Level::parse("auto"), Ok(None));
        assert_eq!(Level::parse(""), Ok(None));
        let err = Level::parse("sse").unwrap_err();
        assert!(err.contains("auto, avx512, avx2, off"), "{err}");
    }

    #[test]
    fn a_setting_lowers_the_level_never_raises_it() {
        use Level::*;
        for cpu in [Off, Avx2, Avx512] {
            assert_eq!(resolve(None, cpu), (cpu, None));
            assert_eq!(resolve(Some("auto"), cpu), (cpu, None));
            assert_eq!(resolve(Some("off"), cpu), (Off, None));
            assert_eq!(resolve(Some("avx2"), cpu), (Avx2.min(cpu), None));
            assert_eq!(resolve(Some("avx512"), cpu), (cpu, None));
            let (level, error) = resolve(Some("neon"), cpu);
            assert_eq!(level, cpu);
            assert!(error.is_some_and(|e| e.starts_with("FASTBAL_SIMD=\"neon\"")));
        }
        for l in [Off, Avx2, Avx512] {
            assert_eq!(Level::parse(l.name()), Ok(Some(l)));
        }
    }
}
