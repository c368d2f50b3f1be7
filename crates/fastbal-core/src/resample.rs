//! Over- and under-sampling as row indices, never copies of data.

use crate::column::{for_each_block_seq, NULL};
use crate::hash::{below, mix64, seed_offset};
use crate::rank::{positions, Ranker};
use crate::select::sample_rows;
use crate::view::LabelView;
use crate::Result;

/// Rows kept by under-sampling class `c` to `targets[c]` rows (the
/// lowest-ranked under the seed), sorted.
pub fn undersample(view: &LabelView<'_>, ranker: Ranker<'_>, targets: &[u64]) -> Result<Vec<i64>> {
    sample_rows(view, ranker, targets)
}

/// Rows of an over-sample: every labeled row once, then `extra[c]` more rows
/// of each class `c` drawn with replacement from its own rows.
///
/// Draw `j` of class `c` picks the class's row number
/// `below(hash(seed, c, j), count_c)` in row order; the drawn rows follow the
/// originals, in row order.
pub fn oversample(view: &LabelView<'_>, seed: u64, extra: &[u64]) -> Vec<i64> {
    let offset = seed_offset(seed);
    // per class, the sorted class-row numbers drawn
    let draws: Vec<Vec<u64>> = extra
        .iter()
        .enumerate()
        .map(|(c, &e)| {
            let n = view.counts[c];
            let class_key = mix64(offset ^ mix64(c as u64 + 1));
            let mut d: Vec<u64> = (0..e).map(|j| below(mix64(class_key ^ j), n)).collect();
            d.sort_unstable();
            d
        })
        .collect();
    let n_extra: usize = draws.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(view.total() as usize + n_extra);
    let mut extra_rows = Vec::with_capacity(n_extra);
    let mut seen = vec![0u64; view.n_classes()];
    let mut next = vec![0usize; view.n_classes()];
    for_each_block_seq(view.ids(), |row, ids| {
        for (j, &c) in ids.iter().enumerate() {
            if c == NULL {
                continue;
            }
            let c = c as usize;
            out.push((row + j) as i64);
            let d = &draws[c];
            while next[c] < d.len() && d[next[c]] == seen[c] {
                extra_rows.push((row + j) as i64);
                next[c] += 1;
            }
            seen[c] += 1;
        }
    });
    extra_rows.sort_unstable();
    out.extend(extra_rows);
    out
}

/// Sorted positions of the rows with a label.
pub fn labeled_rows(view: &LabelView<'_>) -> Vec<i64> {
    let mut codes = vec![NULL; view.len()];
    crate::column::map_blocks(view.ids(), &mut codes, |_, ids, out| out.copy_from_slice(ids));
    positions(&codes, |&c| c != NULL)
}
