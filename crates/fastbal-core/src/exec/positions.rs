//! Row positions grouped by a per-row value: the rows of each part of a
//! split, of a sample, of a filter, as sorted `int64` indices.
//!
//! One counting pass sizes every output exactly, then each piece of rows
//! writes its own stretch of each output, in parallel.

use rayon::prelude::*;

use crate::exec::alloc::zeroed;
use crate::simd::positions::append;

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
/// slots are computed once, then its rows are appended by
/// `simd::positions::append`.
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
        append(slots, row, &mut targets, &mut cursors);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_by_value_matches_filtering() {
        let values: Vec<i8> = (0..200_000).map(|i| ((i * 7) % 5) as i8 - 1).collect();
        let got = positions_by_value(&values, 3);
        for (v, rows) in got.iter().enumerate() {
            assert_eq!(rows, &positions(&values, |&x| x == v as i8));
        }
    }
}
