//! Row positions appended per slot: each row's position goes to the end of
//! its slot's stretch (see `crate::exec::positions`).

use super::Level;

/// Append the positions (from `first_row`) of the rows of each slot `0..N`
/// at `targets[slot][cursors[slot]..]`, advancing the cursors: eight rows at
/// a time with AVX-512's compress where the level has it, by the plain loop
/// otherwise and for the last rows of a stretch. Every level writes the same
/// positions.
#[inline(always)]
pub(crate) fn append<const N: usize>(
    slots: &[u8],
    first_row: usize,
    targets: &mut [&mut [i64]; N],
    cursors: &mut [usize; N],
) {
    append_at(super::level(), slots, first_row, targets, cursors)
}

#[inline(always)]
pub(crate) fn append_at<const N: usize>(
    level: Level,
    slots: &[u8],
    first_row: usize,
    targets: &mut [&mut [i64]; N],
    cursors: &mut [usize; N],
) {
    let done = compress_where_available(level, slots, first_row, targets, cursors);
    write_positions(&slots[done..], first_row + done, targets, cursors);
}

/// [`compress_positions`] where the level has AVX-512 (none of the rows
/// elsewhere): how many rows it wrote.
#[inline(always)]
fn compress_where_available<const N: usize>(
    level: Level,
    slots: &[u8],
    first_row: usize,
    targets: &mut [&mut [i64]; N],
    cursors: &mut [usize; N],
) -> usize {
    #[cfg(target_arch = "x86_64")]
    if level >= Level::Avx512 {
        // SAFETY: the level is at most the CPU's, which then supports AVX-512
        // F, DQ, VL and POPCNT, all `compress_positions` needs.
        return unsafe { compress_positions(slots, first_row, targets, cursors) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (level, slots, first_row, targets, cursors);
    0
}

/// Append the positions (from `first_row`) of the rows of each slot `0..N`
/// at `targets[slot][cursors[slot]..]` without branches: each row's position
/// is stored at every slot's cursor, and only its own slot's cursor advances
/// (the cursors stay in registers, and no store waits on another). A
/// position past the end of its stretch is not written.
#[inline(always)]
fn write_positions<const N: usize>(
    slots: &[u8],
    first_row: usize,
    targets: &mut [&mut [i64]; N],
    cursors: &mut [usize; N],
) {
    let mut at = *cursors;
    for (j, &s) in slots.iter().enumerate() {
        for v in 0..N {
            if let Some(o) = targets[v].get_mut(at[v]) {
                *o = (first_row + j) as i64;
            }
            at[v] += usize::from(s as usize == v);
        }
    }
    *cursors = at;
}

/// [`write_positions`] eight rows at a time while every stretch has room
/// for eight more: per slot, the positions of the matching rows are packed
/// to the front of a vector (AVX-512 compress) and the whole vector stored
/// at the cursor, which then advances past the matches only. Returns how
/// many of the rows it wrote; the caller writes the rest.
///
/// # Safety
/// The CPU must support AVX-512 F, DQ, VL and POPCNT.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,popcnt")]
unsafe fn compress_positions<const N: usize>(
    slots: &[u8],
    first_row: usize,
    targets: &mut [&mut [i64]; N],
    cursors: &mut [usize; N],
) -> usize {
    use std::arch::x86_64::*;
    let mut rows = _mm512_add_epi64(_mm512_set1_epi64(first_row as i64), _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7));
    let mut j = 0;
    while j + 8 <= slots.len() && (0..N).all(|v| cursors[v] + 8 <= targets[v].len()) {
        // SAFETY: `j + 8 <= slots.len()`: the eight bytes read are in `slots`.
        let s = _mm512_cvtepu8_epi64(unsafe { _mm_loadl_epi64(slots.as_ptr().add(j).cast()) });
        for v in 0..N {
            let matches = _mm512_cmpeq_epi64_mask(s, _mm512_set1_epi64(v as i64));
            let packed = _mm512_maskz_compress_epi64(matches, rows);
            // SAFETY: `cursors[v] + 8 <= targets[v].len()`: the eight values
            // stored are in the slot's stretch.
            unsafe { _mm512_storeu_si512(targets[v].as_mut_ptr().add(cursors[v]).cast(), packed) };
            cursors[v] += matches.count_ones() as usize;
        }
        rows = _mm512_add_epi64(rows, _mm512_set1_epi64(8));
        j += 8;
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd::testing::levels;

    #[test]
    fn every_level_appends_alike() {
        // slots 0..3 and skipped ones, stretches sized exactly, at boundary
        // lengths, from several starting rows: every level against the
        // definition
        let all: Vec<u8> =
            (0..5000u64).map(|i| [0, 1, 2, 0, 0, 9, 1, 0][(crate::hash::mix64(i) % 8) as usize]).collect();
        for (start, first_row) in [(0, 0), (3, 100), (777, 1 << 40)] {
            for n in [0, 1, 7, 8, 9, 15, 16, 17, 2045, 2048, all.len() - start] {
                let slots = &all[start..start + n];
                let want: Vec<Vec<i64>> = (0..3u8)
                    .map(|v| (0..slots.len()).filter(|&j| slots[j] == v).map(|j| (first_row + j) as i64).collect())
                    .collect();
                for level in levels() {
                    let mut got: Vec<Vec<i64>> = want.iter().map(|w| vec![-1; w.len()]).collect();
                    let [a0, a1, a2] = &mut got[..] else { unreachable!() };
                    append_at(level, slots, first_row, &mut [a0, a1, a2], &mut [0; 3]);
                    assert_eq!(got, want, "{level:?}, {n} rows from {first_row}");
                    let [a0, a1, a2] = &mut got[..] else { unreachable!() };
                    let done = compress_where_available(level, slots, first_row, &mut [a0, a1, a2], &mut [0; 3]);
                    if level >= Level::Avx512 && n >= 64 {
                        assert!(done >= n / 2, "the vector path wrote most rows");
                    } else if level < Level::Avx512 {
                        assert_eq!(done, 0);
                    }
                }
            }
        }
    }
}
