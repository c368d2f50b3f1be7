//! Row positions grouped by a per-row value: the rows of each part of a
//! split, of a sample, of a filter, as sorted `int64` indices.
//!
//! One counting pass sizes every output exactly, then each piece of rows
//! writes its own stretch of each output, in parallel.

use rayon::prelude::*;

use crate::alloc::zeroed;

/// Sorted positions of the rows whose value satisfies `pred`.
pub fn positions<T: Sync>(values: &[T], pred: impl Fn(&T) -> bool + Sync) -> Vec<i64> {
    positions_by(values, 1, |v| u8::from(!pred(v))).pop().unwrap_or_default()
}

/// Sorted positions of the rows holding each value `0..n_values` (other
/// values skipped): `out[v]` lists the rows where `values[row] == v`.
pub fn positions_by_value(values: &[i8], n_values: usize) -> Vec<Vec<i64>> {
    // a negative value is past every slot
    positions_by(values, n_values.min(127), |&v| if v < 0 { u8::MAX } else { v as u8 })
}

/// Rows grouped by `slot(value)` (rows whose slot is `n_slots` or more are
/// skipped; `n_slots` is below 255): one counting pass, then every piece of rows writes its own
/// stretch of each (exactly sized) output.
///
/// Both passes are without branches on the values: the counts are a
/// vectorized comparison per slot, and the writes (see [`write_piece`])
/// append each row's position to its slot's stretch with cursors held in
/// registers.
fn positions_by<T: Sync>(values: &[T], n_slots: usize, slot: impl Fn(&T) -> u8 + Sync) -> Vec<Vec<i64>> {
    const PIECE: usize = 1 << 16;
    debug_assert!(n_slots < u8::MAX as usize);
    // byte counters over runs of 255 rows: the compiler compares and adds a
    // vector of bytes at a time
    let count = |chunk: &[T], v: u8| -> usize {
        chunk.chunks(255).map(|run| run.iter().fold(0u8, |n, x| n + u8::from(slot(x) == v)) as usize).sum()
    };
    let counts: Vec<Vec<usize>> =
        values.par_chunks(PIECE).map(|chunk| (0..n_slots).map(|v| count(chunk, v as u8)).collect()).collect();
    let mut out: Vec<Vec<i64>> = (0..n_slots).map(|v| zeroed(counts.iter().map(|c| c[v]).sum())).collect();
    let mut stretches: Vec<Vec<&mut [i64]>> = (0..counts.len()).map(|_| Vec::with_capacity(n_slots)).collect();
    for (v, o) in out.iter_mut().enumerate() {
        let mut rest = o.as_mut_slice();
        for (p, c) in counts.iter().enumerate() {
            let (head, tail) = rest.split_at_mut(c[v]);
            stretches[p].push(head);
            rest = tail;
        }
    }
    values.par_chunks(PIECE).zip(stretches).enumerate().for_each(|(p, (chunk, mut outs))| {
        let rows = p * PIECE;
        match outs.len() {
            1 => write_piece::<1, T>(chunk, rows, &mut outs, &slot),
            2 => write_piece::<2, T>(chunk, rows, &mut outs, &slot),
            3 => write_piece::<3, T>(chunk, rows, &mut outs, &slot),
            _ => {
                for (v, out) in outs.iter_mut().enumerate() {
                    write_piece::<1, T>(chunk, rows, std::slice::from_mut(out), &|x| slot(x).wrapping_sub(v as u8));
                }
            }
        }
    });
    out
}

/// Write the positions (from `first_row`) of `chunk`'s rows of each slot
/// `0..N` into `outs[slot]`, exactly sized, a block at a time: the block's
/// slots are computed once, then its rows are appended with AVX-512's
/// compress where the CPU has it ([`compress_positions`], chosen at run
/// time), and by [`write_positions`] otherwise and for the last rows of a
/// stretch. Both write the same positions.
#[inline(always)]
fn write_piece<const N: usize, T>(chunk: &[T], first_row: usize, outs: &mut [&mut [i64]], slot: &impl Fn(&T) -> u8) {
    const ROWS: usize = 2048;
    let mut targets: [&mut [i64]; N] = std::array::from_fn(|_| &mut [][..]);
    for (t, o) in targets.iter_mut().zip(outs.iter_mut()) {
        *t = std::mem::take(o);
    }
    let mut cursors = [0usize; N];
    let mut slots = [0u8; ROWS];
    for (b, block) in chunk.chunks(ROWS).enumerate() {
        let (row, slots) = (first_row + b * ROWS, &mut slots[..block.len()]);
        for (s, x) in slots.iter_mut().zip(block) {
            *s = slot(x);
        }
        let done = compress_where_available(slots, row, &mut targets, &mut cursors);
        write_positions(&slots[done..], row + done, &mut targets, &mut cursors);
    }
}

/// [`compress_positions`] where the CPU has AVX-512 (none of the rows
/// elsewhere): how many rows it wrote.
#[inline(always)]
fn compress_where_available<const N: usize>(
    slots: &[u8],
    first_row: usize,
    targets: &mut [&mut [i64]; N],
    cursors: &mut [usize; N],
) -> usize {
    #[cfg(target_arch = "x86_64")]
    if crate::cpu::has_avx512() {
        // SAFETY: the CPU supports AVX-512 F, DQ, VL and POPCNT, all `compress_positions` needs.
        return unsafe { compress_positions(slots, first_row, targets, cursors) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (slots, first_row, targets, cursors);
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

    #[test]
    fn compressed_positions_match_the_plain_loop() {
        // slots 0..3 and skipped ones, stretches sized exactly: the vector
        // path (where the CPU has it) then the plain loop, against the plain
        // loop alone, from several starting rows and cursors
        let slots: Vec<u8> =
            (0..5000u64).map(|i| [0, 1, 2, 0, 0, 9, 1, 0][(crate::hash::mix64(i) % 8) as usize]).collect();
        for (start, first_row) in [(0, 0), (3, 100), (777, 1 << 40)] {
            let slots = &slots[start..];
            let sizes: Vec<usize> = (0..3).map(|v| slots.iter().filter(|&&s| s == v).count()).collect();
            let (mut a, mut b): (Vec<Vec<i64>>, Vec<Vec<i64>>) =
                (sizes.iter().map(|&n| vec![-1; n]).collect(), sizes.iter().map(|&n| vec![-1; n]).collect());
            let [a0, a1, a2] = &mut a[..] else { unreachable!() };
            let mut targets: [&mut [i64]; 3] = [a0, a1, a2];
            let mut cursors = [0; 3];
            let done = compress_where_available(slots, first_row, &mut targets, &mut cursors);
            write_positions(&slots[done..], first_row + done, &mut targets, &mut cursors);
            #[cfg(target_arch = "x86_64")]
            if crate::cpu::has_avx512() {
                assert!(done >= slots.len() / 2, "the vector path wrote most rows");
            }
            let [b0, b1, b2] = &mut b[..] else { unreachable!() };
            let mut plain: [&mut [i64]; 3] = [b0, b1, b2];
            write_positions(slots, first_row, &mut plain, &mut [0; 3]);
            assert_eq!(a, b);
            let want: Vec<Vec<i64>> = (0..3u8)
                .map(|v| (0..slots.len()).filter(|&j| slots[j] == v).map(|j| (first_row + j) as i64).collect())
                .collect();
            assert_eq!(a, want);
        }
    }

    #[test]
    fn positions_by_value_matches_filtering() {
        let values: Vec<i8> = (0..200_000).map(|i| ((i * 7) % 5) as i8 - 1).collect();
        let got = positions_by_value(&values, 3);
        for (v, rows) in got.iter().enumerate() {
            assert_eq!(rows, &positions(&values, |&x| x == v as i8));
        }
    }
}
