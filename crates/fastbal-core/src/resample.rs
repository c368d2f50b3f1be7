//! Over- and under-sampling as row indices, never copies of data.

use rayon::prelude::*;

use crate::alloc::zeroed;
use crate::blocks::for_each_block_seq;
use crate::hash::{below, mix64, seed_offset};
use crate::ids::NULL;
use crate::rank::Ranker;
use crate::select::sample_rows;
use crate::view::LabelView;
use crate::Result;

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
pub fn oversample(view: &LabelView<'_>, seed: u64, extra: &[u64]) -> Vec<i64> {
    let k = view.n_classes();
    let n_labeled = view.total() as usize;
    let n_extra: u64 = extra.iter().sum();
    let mut out: Vec<i64> = zeroed(n_labeled + n_extra as usize);
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
            if c != NULL {
                let r = (row + j) as i64;
                originals[at] = r;
                at += 1;
                by_class[next[c as usize]] = r;
                next[c as usize] += 1;
            }
        }
    });
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
    out
}
