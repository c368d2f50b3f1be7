//! Over- and under-sampling as row indices, never copies of data.

use rayon::prelude::*;

use crate::column::ids::NULL;
use crate::exec::alloc::{try_zeroed, zeroed};
use crate::exec::blocks::for_each_block_seq;
use crate::factorize::view::LabelView;
use crate::hash::Ranker;
use crate::hash::{below, mix64, seed_offset};
use crate::ops::select::sample_rows;
use crate::{bail_arg, Error, Result};

/// Rows kept by under-sampling class `c` to `targets[c]` rows (the
/// lowest-ranked under the seed), sorted.
pub fn undersample(view: &LabelView<'_>, ranker: Ranker<'_>, targets: &[u64]) -> Result<Vec<i64>> {
    sample_rows(view, ranker, targets)
}

/// Draws handed to one task.
const DRAWS_PER_TASK: u64 = 1 << 16;

/// Rows of an over-sample: every labeled row once (sorted), then `extra[c]`
/// more rows of each class `c` in class order, drawn with replacement from
/// the class's own rows.
///
/// Draw `j` of class `c` is the class's row number
/// `below(mix64(class_key(seed, c) ^ j), count_c)`, counting the class's rows
/// in row order: independent of threads and chunking.
///
/// The output's size follows from `extra`, not from the input: it is
/// computed exactly and refused ([`Error::TooLarge`]) when it cannot be
/// allocated, before anything is.
pub fn oversample(view: &LabelView<'_>, seed: u64, extra: &[u64]) -> Result<Vec<i64>> {
    let k = view.n_classes();
    if extra.len() != k {
        bail_arg!("expected {k} extra counts, one per class; got {}", extra.len());
    }
    if let Some(c) = (0..k).find(|&c| extra[c] > 0 && view.counts[c] == 0) {
        bail_arg!("class #{c} has no row to draw from");
    }
    let n_labeled = view.total() as usize;
    let n_out = extra.iter().map(|&e| e as u128).sum::<u128>() + n_labeled as u128;
    let mut out: Vec<i64> = try_zeroed(n_out, "the over-sampled indices")?;
    // one pass in row order: the labeled rows, and the rows of each class grouped (counting sort)
    let mut start = vec![0usize; k + 1];
    for c in 0..k {
        start[c + 1] = start[c] + view.counts[c] as usize;
    }
    let mut by_class: Vec<i64> = zeroed(n_labeled);
    let mut next = start.clone();
    let (originals, drawn) = out.split_at_mut(n_labeled);
    let mut at = 0;
    for_each_block_seq(view.ids(), |row, ids| {
        for (j, &c) in ids.iter().enumerate() {
            // a row seen unlike it was counted (a racing writer) is skipped, then reported
            if (c as usize) < k && at < n_labeled && next[c as usize] < start[c as usize + 1] {
                let r = (row + j) as i64;
                originals[at] = r;
                at += 1;
                by_class[next[c as usize]] = r;
                next[c as usize] += 1;
            } else if c != NULL {
                at = usize::MAX;
            }
        }
    });
    if at != n_labeled || (0..k).any(|c| next[c] != start[c + 1]) {
        return Err(Error::labels_changed());
    }
    // the draws: tasks of at most DRAWS_PER_TASK draws of one class each, in parallel
    let offset = seed_offset(seed);
    let mut tasks: Vec<(usize, u64, &mut [i64])> = Vec::new();
    let mut rest = drawn;
    for (c, &e) in extra.iter().enumerate() {
        let mut j = 0;
        while j < e {
            let m = DRAWS_PER_TASK.min(e - j);
            let (head, tail) = rest.split_at_mut(m as usize);
            tasks.push((c, j, head));
            rest = tail;
            j += m;
        }
    }
    tasks.into_par_iter().for_each(|(c, j0, slots)| {
        let rows = &by_class[start[c]..start[c + 1]];
        let class_key = mix64(offset ^ mix64(c as u64 + 1));
        for (j, slot) in (j0..).zip(slots.iter_mut()) {
            *slot = rows[below(mix64(class_key ^ j), rows.len() as u64) as usize];
        }
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Chunk, Column, Ints, Labels};

    #[test]
    fn outputs_too_large_are_refused_before_allocating() {
        let l = Labels::new(&Column::Int(Ints::I64(vec![Chunk::new(&[1, 1, 2], None)]))).unwrap();
        for extra in [[u64::MAX, u64::MAX], [0, 1 << 60]] {
            let err = oversample(&l.view(), 0, &extra).unwrap_err();
            assert!(matches!(err, Error::TooLarge { .. }), "{err:?}");
        }
        assert_eq!(oversample(&l.view(), 0, &[0, 2]).unwrap().len(), 5);
    }
}
