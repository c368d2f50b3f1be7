//! Allocation of large per-row outputs.

use std::alloc::Layout;

use crate::{Error, Result};

/// A zero-filled vector of `n` values for a per-row output.
///
/// Large outputs are written once, right after allocation; the first touch of
/// fresh memory dominates such a pass. On Linux the allocation is advised to
/// use huge pages (as numpy does for its arrays), so it faults once per 2 MiB
/// instead of once per 4 KiB.
pub(crate) fn zeroed<T: Clone + Zero>(n: usize) -> Vec<T> {
    let v = vec![T::ZERO; n]; // calloc: fresh pages, not yet touched
    advise_huge_pages(v.as_ptr().cast(), std::mem::size_of_val(v.as_slice()));
    v
}

/// An empty vector with room for `n` values, for an output filled by
/// appending (advised to use huge pages, as [`zeroed`]).
pub(crate) fn reserved<T>(n: usize) -> Vec<T> {
    let v: Vec<T> = Vec::with_capacity(n);
    advise_huge_pages(v.as_ptr().cast(), v.capacity() * std::mem::size_of::<T>());
    v
}

/// Like [`zeroed`] for an output whose size follows from argument values
/// rather than from the input's rows (over-sampling counts, plans sized by
/// `k`): `n` is checked to fit a vector, and an allocation the process cannot
/// get is refused with [`Error::TooLarge`] naming `what`, never an abort.
pub(crate) fn try_zeroed<T: Clone + Zero>(n: u128, what: &str) -> Result<Vec<T>> {
    let too_large = || Error::TooLarge { what: what.into(), len: n, bytes: n * std::mem::size_of::<T>() as u128 };
    let len = usize::try_from(n).map_err(|_| too_large())?;
    let layout = Layout::array::<T>(len).map_err(|_| too_large())?;
    // where the system overcommits, an allocation past the machine's memory
    // succeeds and the process is killed while filling it: refuse it here
    if physical_memory().is_some_and(|m| layout.size() as u128 > m) {
        return Err(too_large());
    }
    if layout.size() == 0 {
        return Ok(zeroed(len));
    }
    // SAFETY: the layout has a non-zero size; a null result is a refused allocation.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<T>();
    if ptr.is_null() {
        return Err(too_large());
    }
    // SAFETY: `ptr` was allocated by the global allocator with the layout of
    // `len` values of `T`, all bytes zero, and every `Zero` type's zero value
    // is the all-zero bit pattern (integers, `false`, `0.0`).
    let v = unsafe { Vec::from_raw_parts(ptr, len, len) };
    advise_huge_pages(v.as_ptr().cast(), layout.size());
    Ok(v)
}

/// Types whose all-zero value [`zeroed`] allocates; that value must be the
/// all-zero bit pattern.
pub trait Zero {
    const ZERO: Self;
}

macro_rules! zero {
    ($($t:ty = $z:expr),*) => {$(impl Zero for $t { const ZERO: Self = $z; })*};
}
zero!(bool = false, i8 = 0, i16 = 0, i32 = 0, i64 = 0, u8 = 0, u32 = 0, u64 = 0, usize = 0, f64 = 0.0);

/// The machine's physical memory in bytes, where the system says.
#[cfg(target_os = "linux")]
fn physical_memory() -> Option<u128> {
    // SAFETY: sysconf only reads system configuration.
    let (pages, size) = unsafe { (libc::sysconf(libc::_SC_PHYS_PAGES), libc::sysconf(libc::_SC_PAGESIZE)) };
    (pages > 0 && size > 0).then(|| pages as u128 * size as u128)
}

#[cfg(not(target_os = "linux"))]
fn physical_memory() -> Option<u128> {
    None
}

#[cfg(target_os = "linux")]
fn advise_huge_pages(ptr: *const u8, len: usize) {
    const PAGE: usize = 4096;
    if len < 4 << 20 {
        return;
    }
    let start = (ptr as usize).next_multiple_of(PAGE);
    let end = (ptr as usize + len) / PAGE * PAGE;
    if end > start {
        // SAFETY: the range lies inside one live allocation; MADV_HUGEPAGE only
        // changes how the kernel backs those pages, never their contents.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_ptr: *const u8, _len: usize) {}
