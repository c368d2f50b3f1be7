//! Which rows stay: class masks (min count, max count, top k, a class set) and
//! stratified sampling.

use crate::bail_arg;
use crate::exec::alloc::zeroed;
use crate::exec::blocks::gather_by_id;
use crate::exec::positions::positions;
use crate::factorize::labels::order_by_count;
use crate::factorize::view::LabelView;
use crate::hash::Ranker;
use crate::params::{MaskRule, SampleSize};
use crate::rank::{lowest_rows, rank_parts};
use crate::{Error, Result};

/// Per-row mask from a per-class decision; rows without a label are `false`.
pub fn class_mask(view: &LabelView<'_>, keep: &[bool]) -> Vec<bool> {
    let mut out = zeroed(view.len());
    gather_by_id(view.ids(), keep, false, &mut out);
    out
}

/// Classes with at least `k` rows.
pub fn keep_min_count(counts: &[u64], k: u64) -> Vec<bool> {
    counts.iter().map(|&n| n >= k).collect()
}

/// Classes with at most `k` rows.
pub fn keep_max_count(counts: &[u64], k: u64) -> Vec<bool> {
    counts.iter().map(|&n| n <= k).collect()
}

/// The `k` most frequent classes; ties at the boundary go to the class that
/// sorts first by value (the order of [`order_by_count`]).
pub fn keep_top_k(counts: &[u64], k: usize) -> Vec<bool> {
    let mut keep = vec![false; counts.len()];
    for &c in order_by_count(counts).iter().take(k) {
        keep[c as usize] = true;
    }
    keep
}

/// The classes a rule keeps, one flag per class.
pub fn keep_classes(rule: MaskRule, counts: &[u64], k: u64) -> Vec<bool> {
    match rule {
        MaskRule::MinCount => keep_min_count(counts, k),
        MaskRule::MaxCount => keep_max_count(counts, k),
        MaskRule::TopK => keep_top_k(counts, usize::try_from(k).unwrap_or(usize::MAX)),
    }
}

/// Rows per class for a stratified sample of `n` rows out of `counts`.
///
/// Largest-remainder apportionment of `n` over the classes in proportion to
/// their counts: every class gets the floor of its quota, and the rows left go
/// to the largest remainders (ties: the larger class, then class order). So
/// every class is within one row of its exact share and the total is `n`.
/// Then classes left with no row although their quota is positive take one
/// from the classes that were rounded up (the smallest remainder gives first),
/// as long as such a class exists: representation never breaks the one-row
/// bound. Classes still at zero are those the returned sizes show as 0.
pub fn apportion(counts: &[u64], n: u64) -> Vec<u64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return vec![0; counts.len()];
    }
    let (mut sizes, mut rem): (Vec<u64>, Vec<u128>) = counts
        .iter()
        .map(|&c| {
            let q = c as u128 * n as u128;
            ((q / total as u128) as u64, q % total as u128)
        })
        .unzip();
    let left = n - sizes.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by(|&a, &b| rem[b].cmp(&rem[a]).then(counts[b].cmp(&counts[a])).then(a.cmp(&b)));
    let mut rounded_up: Vec<usize> = order[..left as usize].to_vec();
    for &c in &rounded_up {
        sizes[c] += 1;
        rem[c] = 0;
    }
    // lift empty classes with a positive quota, largest quota first
    let mut empty: Vec<usize> = (0..counts.len()).filter(|&c| sizes[c] == 0 && counts[c] > 0 && n > 0).collect();
    empty.sort_by(|&a, &b| counts[b].cmp(&counts[a]).then(a.cmp(&b)));
    // donors: rounded-up classes that keep at least one row, smallest remainder first
    rounded_up.retain(|&c| sizes[c] >= 2);
    for (&to, from) in empty.iter().zip(rounded_up.iter().rev()) {
        sizes[*from] -= 1;
        sizes[to] += 1;
    }
    sizes
}

/// Sorted positions of a stratified sample: `sizes[c]` rows of class `c`, the
/// lowest-ranked under the seed.
pub fn sample_rows(view: &LabelView<'_>, ranker: Ranker<'_>, sizes: &[u64]) -> Result<Vec<i64>> {
    if sizes.len() != view.n_classes() {
        bail_arg!("expected {} class sizes, got {}", view.n_classes(), sizes.len());
    }
    if let Some(c) = (0..sizes.len()).find(|&c| sizes[c] > view.counts[c]) {
        return Err(Error::Infeasible(format!(
            "class #{c} has {} rows; cannot take {} without replacement",
            view.counts[c], sizes[c]
        )));
    }
    let rows = lowest_rows(view, ranker, sizes).unwrap_or_else(|| {
        let cuts: Vec<Vec<u64>> = sizes.iter().map(|&s| vec![s]).collect();
        let parts = rank_parts(view, ranker, &cuts, false, |p| p == 0);
        positions(&parts, |&keep| keep)
    });
    // the rows read now are not the rows counted (another thread wrote them)
    if rows.len() as u64 != sizes.iter().sum::<u64>() {
        return Err(Error::labels_changed());
    }
    Ok(rows)
}

/// A stratified sample of a column, ranked by position under `seed`: the
/// sorted rows and the rows taken per class.
pub fn stratified_sample(view: &LabelView<'_>, size: SampleSize, seed: u64) -> Result<(Vec<i64>, Vec<u64>)> {
    let sizes = apportion(view.counts, size.rows(view.total())?);
    Ok((sample_rows(view, Ranker::new(crate::RowKeys::Position, seed), &sizes)?, sizes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_is_exact_and_within_one_row() {
        let counts = [44_098, 35_707, 21_683, 10, 3, 1, 1];
        let total: u64 = counts.iter().sum();
        for n in [0, 1, 7, 100, 1000, 50_000, total] {
            let s = apportion(&counts, n);
            assert_eq!(s.iter().sum::<u64>(), n);
            for (c, &k) in counts.iter().enumerate() {
                let q = k as f64 * n as f64 / total as f64;
                assert!((s[c] as f64 - q).abs() < 1.0, "n={n} class {c}: {} vs {q}", s[c]);
            }
        }
    }

    #[test]
    fn apportion_lifts_empty_classes_when_it_can() {
        // quotas 9.7, 0.15, 0.15 -> largest remainder gives (10, 0, 0)? no: floors 9,0,0 and one
        // row left, to the largest remainder (0.7): (10, 0, 0); class 0 was rounded up and gives
        // one row to the largest empty class: (9, 1, 0).
        assert_eq!(apportion(&[970, 15, 15], 10), [9, 1, 0]);
        assert_eq!(apportion(&[5, 5], 1), [1, 0]);
    }

    #[test]
    fn top_k_ties_go_to_class_order() {
        assert_eq!(keep_top_k(&[5, 9, 5, 5], 2), [true, true, false, false]);
        assert_eq!(keep_top_k(&[1, 2], 5), [true, true]);
    }
}
