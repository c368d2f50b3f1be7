//! Stratified train/valid/test split and k-fold.
//!
//! The plan (rows per class per split) is computed from the class counts
//! alone; the rows are then placed by their seeded rank within their class
//! (see `crate::rank`): the lowest ranks go to test, then valid, the rest
//! to train.

use crate::contract::{ALWAYS_TRAIN, LEFT_OUT, SPLIT_PART_CODES, TEST, TRAIN, VALID};
use crate::factorize::view::LabelView;
use crate::hash::Ranker;
pub use crate::params::{Rare, Size};
use crate::rank::rank_parts;
use crate::{Error, Result};

/// Rows per class per split, and how the global sizes came out.
#[derive(Clone, Debug, PartialEq)]
pub struct SplitPlan {
    /// `cells[c] = [train, valid, test]` rows of class `c`.
    pub cells: Vec<[u64; 3]>,
    /// Classes with fewer rows than there are non-empty splits.
    pub rare: Vec<u32>,
    /// Whether rare classes were dropped (else they went to train).
    pub rare_dropped: bool,
    /// The global sizes asked for, rounded once: `[train, valid, test]`.
    pub target: [u64; 3],
    /// The global sizes planned; differs from `target` only when keeping
    /// every class in every split required it.
    pub sizes: [u64; 3],
}

/// Largest-remainder apportionment of `n` rows over fractions `p`
/// (summing to 1); ties go to the later entry (test before valid before train).
fn apportion3(n: u64, p: [f64; 3]) -> [u64; 3] {
    let q: Vec<f64> = p.iter().map(|&x| x * n as f64).collect();
    let mut out = [q[0].floor() as u64, q[1].floor() as u64, q[2].floor() as u64];
    let mut left = n.saturating_sub(out.iter().sum());
    let mut order = [0usize, 1, 2];
    order.sort_by(|&a, &b| (q[b] - q[b].floor()).total_cmp(&(q[a] - q[a].floor())).then(b.cmp(&a)));
    for &s in order.iter().cycle() {
        if left == 0 {
            break;
        }
        out[s] += 1;
        left -= 1;
    }
    out
}

/// Plan a stratified split of classes with `counts` rows.
pub fn plan_split(counts: &[u64], test: Size, valid: Size, rare: Rare) -> Result<SplitPlan> {
    // a zero fraction is zero rows, so `val_size=0` and `val_size=0.0` plan alike
    let zero = |s: Size| if s == Size::Fraction(0.0) { Size::Rows(0) } else { s };
    let (test, valid) = if matches!((test, valid), (Size::Fraction(_), Size::Fraction(_))) {
        (test, valid)
    } else {
        (zero(test), zero(valid))
    };
    if rare == Rare::Spread {
        return Err(Error::InvalidArgument(
            r#"rare="spread" is for k-folds (every row in one test fold); a split takes "train", "drop" or "error""#
                .into(),
        ));
    }
    let n_splits = 1 + test.is_nonempty() as u64 + valid.is_nonempty() as u64;
    let rare_classes: Vec<u32> = (0..counts.len() as u32).filter(|&c| counts[c as usize] < n_splits).collect();
    if rare == Rare::Error && !rare_classes.is_empty() {
        return Err(Error::RareClasses { classes: rare_classes, min_rows: n_splits });
    }
    let eligible = |c: usize| !(rare == Rare::Drop && counts[c] < n_splits);
    let n: u64 = (0..counts.len()).filter(|&c| eligible(c)).map(|c| counts[c]).sum();
    let target = match (test, valid) {
        (Size::Fraction(t), Size::Fraction(v)) => {
            if t + v >= 1.0 {
                return Err(Error::InvalidArgument(format!(
                    "test_size + val_size must be below 1; got {t} + {v} = {}",
                    t + v
                )));
            }
            apportion3(n, [1.0 - t - v, v, t])
        }
        _ => {
            // a fraction beside a row count: rounded to the nearest row (half up)
            let rows = |s: Size| match s {
                Size::Rows(r) => r,
                Size::Fraction(f) => (f * n as f64).round() as u64,
            };
            let (t, v) = (rows(test), rows(valid));
            // sizes are user values up to 2**64 - 1: their sum must not wrap
            if t.checked_add(v).is_none_or(|asked| asked >= n) {
                return Err(Error::Infeasible(format!(
                    "asked for {t} test and {v} valid rows out of {n} eligible rows; train would be empty"
                )));
            }
            [n - t - v, v, t]
        }
    };
    let active = [true, target[VALID] > 0 || valid.is_nonempty(), target[TEST] > 0 || test.is_nonempty()];

    // Quotas are exact fractions: class c's quota in split s is nc * target[s] / n.
    let mut cells = vec![[0u64; 3]; counts.len()];
    let mut fixed = [0u64; 3];
    // regular classes: index and the remainders of their quotas (numerators over n)
    let mut regular: Vec<(usize, [u128; 3])> = Vec::new();
    for (c, &nc) in counts.iter().enumerate() {
        if !eligible(c) {
            continue;
        }
        let num: [u128; 3] = target.map(|t| nc as u128 * t as u128);
        let den = n as u128;
        if nc < n_splits {
            cells[c] = [nc, 0, 0];
        } else if (0..3).any(|s| active[s] && num[s] < den) {
            cells[c] = forced_cells(nc, num, den, active);
        } else {
            cells[c] = num.map(|x| (x / den) as u64);
            regular.push((c, num.map(|x| x % den)));
            continue;
        }
        (0..3).for_each(|s| fixed[s] += cells[c][s]);
    }
    // the extra unit of each regular cell (floor -> ceil), chosen so the global sizes come out exact
    let floors: [u64; 3] = std::array::from_fn(|s| regular.iter().map(|&(c, _)| cells[c][s]).sum());
    let mut need: [i64; 3] = std::array::from_fn(|s| target[s] as i64 - fixed[s] as i64 - floors[s] as i64);
    let extra = controlled_rounding(&regular, counts, &cells, &mut need);
    for (&(c, _), x) in regular.iter().zip(&extra) {
        (0..3).for_each(|s| cells[c][s] += x[s] as u64);
    }
    let sizes: [u64; 3] = std::array::from_fn(|s| cells.iter().map(|cell| cell[s]).sum());
    Ok(SplitPlan { cells, rare: rare_classes, rare_dropped: rare == Rare::Drop, target, sizes })
}

/// Cells of a class whose quota is below one row in some active split: one
/// row at least in every active split, otherwise as close to the quota
/// (`num[s] / den`) as the total allows.
fn forced_cells(n: u64, num: [u128; 3], den: u128, active: [bool; 3]) -> [u64; 3] {
    let mut cell: [u64; 3] = std::array::from_fn(|s| if active[s] { ((num[s] / den) as u64).max(1) } else { 0 });
    // quota minus cell, scaled by den
    let gap = |cell: &[u64; 3], s: usize| num[s] as i128 - (cell[s] as u128 * den) as i128;
    loop {
        let sum: u64 = cell.iter().sum();
        if sum == n {
            return cell;
        }
        if sum < n {
            let s = (0..3).filter(|&s| active[s]).max_by(|&a, &b| gap(&cell, a).cmp(&gap(&cell, b)).then(b.cmp(&a)));
            cell[s.unwrap_or(TRAIN)] += 1;
        } else {
            let s = (0..3).filter(|&s| cell[s] >= 2).min_by(|&a, &b| gap(&cell, a).cmp(&gap(&cell, b)).then(a.cmp(&b)));
            match s {
                Some(s) => cell[s] -= 1,
                None => return cell,
            }
        }
    }
}

/// Choose, for each regular class, which splits get the extra row of their
/// fractional quota, so that each split receives `need[s]` extra rows.
///
/// Greedy first (largest fractional part, ties toward test), then moves that
/// shift one extra row between two splits of one class (directly, or through
/// the third split) until every split has what it needs. When that cannot be
/// done within one row of every quota, `need` keeps what is left.
fn controlled_rounding(
    regular: &[(usize, [u128; 3])],
    counts: &[u64],
    cells: &[[u64; 3]],
    need: &mut [i64; 3],
) -> Vec<[u8; 3]> {
    let mut x = vec![[0u8; 3]; regular.len()];
    for (i, &(c, rem)) in regular.iter().enumerate() {
        let e = counts[c] - cells[c].iter().sum::<u64>();
        let mut order: Vec<usize> = (0..3).filter(|&s| rem[s] > 0).collect();
        order.sort_by(|&a, &b| rem[b].cmp(&rem[a]).then(b.cmp(&a)));
        for &s in order.iter().take(e as usize) {
            x[i][s] = 1;
            need[s] -= 1;
        }
    }
    let movable =
        |x: &[[u8; 3]], i: usize, from: usize, to: usize| x[i][from] == 1 && x[i][to] == 0 && regular[i].1[to] > 0;
    while let (Some(over), Some(under)) = ((0..3).find(|&s| need[s] < 0), (0..3).find(|&s| need[s] > 0)) {
        if let Some(i) = (0..x.len()).find(|&i| movable(&x, i, over, under)) {
            x[i][over] = 0;
            x[i][under] = 1;
        } else {
            let via = 3 - over - under;
            let a = (0..x.len()).find(|&i| movable(&x, i, over, via));
            let b = (0..x.len()).find(|&i| movable(&x, i, via, under));
            match (a, b) {
                (Some(a), Some(b)) if a != b => {
                    x[a][over] = 0;
                    x[a][via] = 1;
                    x[b][via] = 0;
                    x[b][under] = 1;
                }
                _ => break,
            }
        }
        need[over] += 1;
        need[under] -= 1;
    }
    x
}

/// Assignment per row under a plan: 0 train, 1 valid, 2 test, -1 left out
/// (no label, or a dropped rare class).
pub fn assign_split(view: &LabelView<'_>, ranker: Ranker<'_>, plan: &SplitPlan) -> Vec<i8> {
    let cuts: Vec<Vec<u64>> = plan
        .cells
        .iter()
        .zip(view.counts)
        .map(|(cell, &n)| {
            if cell.iter().sum::<u64>() == 0 && n > 0 {
                vec![0, 0, 0] // left out: every row lands in part 3
            } else {
                vec![cell[TEST], cell[TEST] + cell[VALID], n]
            }
        })
        .collect();
    rank_parts(view, ranker, &cuts, LEFT_OUT, |p| SPLIT_PART_CODES[p])
}

/// Rows per class per fold, and the classes too small to be in every fold.
#[derive(Clone, Debug, PartialEq)]
pub struct KFoldPlan {
    /// `folds[c][f]`: rows of class `c` in test fold `f` (all zero for a rare class).
    pub folds: Vec<Vec<u64>>,
    /// Classes with fewer rows than folds.
    pub rare: Vec<u32>,
    /// Whether rare classes were dropped (else they are in every training part).
    pub rare_dropped: bool,
}

/// Rows per class per fold for a stratified k-fold: each class's folds differ
/// by at most one row, and the extra rows rotate across classes so the
/// global fold sizes differ by at most one too.
///
/// A class with fewer rows than folds cannot be in every test fold, and a
/// one-row class in a test fold would be missing from that fold's training
/// part: such classes follow `rare` (train: in every training part; drop:
/// left out; error: refused, as in [`plan_split`]; spread: one row in each
/// of distinct test folds, placed by the same rotation as the extra rows of
/// the other classes, so every row is in exactly one test fold and the
/// global fold sizes still differ by at most one).
pub fn plan_kfold(counts: &[u64], k: usize, rare: Rare) -> Result<KFoldPlan> {
    if k < 2 {
        return Err(Error::InvalidArgument(format!("k must be at least 2; got {k}")));
    }
    let rare_classes: Vec<u32> = (0..counts.len() as u32).filter(|&c| counts[c as usize] < k as u64).collect();
    if rare == Rare::Error && !rare_classes.is_empty() {
        return Err(Error::RareClasses { classes: rare_classes, min_rows: k as u64 });
    }
    let spread = rare == Rare::Spread;
    let total: u64 = counts.iter().filter(|&&n| spread || n >= k as u64).sum();
    if total == 0 && !counts.is_empty() && !spread {
        return Err(Error::Infeasible(format!(
            "every class has fewer rows than the {k} folds, so no class can be in every fold; use fewer folds"
        )));
    }
    if total < k as u64 {
        return Err(Error::Infeasible(format!("cannot make {k} folds out of {total} labeled rows")));
    }
    let too_large = || Error::TooLarge {
        what: format!("the k-fold plan ({} classes x {k} folds)", counts.len()),
        len: counts.len() as u128 * k as u128,
        bytes: counts.len() as u128 * k as u128 * 8,
    };
    let mut plan = Vec::new();
    plan.try_reserve_exact(counts.len()).map_err(|_| too_large())?;
    let mut start = 0usize;
    for &n in counts {
        let mut folds = Vec::new();
        folds.try_reserve_exact(k).map_err(|_| too_large())?;
        if n < k as u64 && !spread {
            folds.resize(k, 0); // a rare class: in no test fold
        } else {
            let (base, extra) = (n / k as u64, (n % k as u64) as usize);
            folds.resize(k, base);
            for j in 0..extra {
                folds[(start + j) % k] += 1;
            }
            start = (start + extra) % k;
        }
        plan.push(folds);
    }
    Ok(KFoldPlan { folds: plan, rare: rare_classes, rare_dropped: rare == Rare::Drop })
}

/// Fold per row under a k-fold plan: the test fold, [`ALWAYS_TRAIN`] (-2) for a
/// rare class kept in training, -1 for rows without a label or of a dropped
/// rare class.
pub fn assign_kfold(view: &LabelView<'_>, ranker: Ranker<'_>, plan: &KFoldPlan) -> Vec<i16> {
    let k = plan.folds.first().map_or(0, |f| f.len());
    let cuts: Vec<Vec<u64>> = plan
        .folds
        .iter()
        .map(|folds| {
            folds
                .iter()
                .scan(0, |acc, &f| {
                    *acc += f;
                    Some(*acc)
                })
                .collect()
        })
        .collect();
    // a rare class has every cut at 0: all its rows land in part k
    let rest = i16::from(if plan.rare_dropped { LEFT_OUT } else { ALWAYS_TRAIN });
    rank_parts(view, ranker, &cuts, i16::from(LEFT_OUT), |p| if p < k { p as i16 } else { rest })
}

/// Stratified split of a column: the split per row (`-1` left out) and the plan.
pub fn stratified_split(
    view: &LabelView<'_>,
    ranker: Ranker<'_>,
    test: Size,
    valid: Size,
    rare: Rare,
) -> Result<(Vec<i8>, SplitPlan)> {
    let plan = plan_split(view.counts, test, valid, rare)?;
    Ok((assign_split(view, ranker, &plan), plan))
}

/// Stratified k-fold of a column: the fold per row (see [`assign_kfold`]) and the plan.
pub fn stratified_kfold(
    view: &LabelView<'_>,
    ranker: Ranker<'_>,
    k: usize,
    rare: Rare,
) -> Result<(Vec<i16>, KFoldPlan)> {
    let plan = plan_kfold(view.counts, k, rare)?;
    Ok((assign_kfold(view, ranker, &plan), plan))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(counts: &[u64], t: f64, v: f64) -> SplitPlan {
        let plan = plan_split(counts, Size::Fraction(t), Size::Fraction(v), Rare::Train).unwrap();
        for (c, cell) in plan.cells.iter().enumerate() {
            assert_eq!(cell.iter().sum::<u64>(), counts[c]);
        }
        plan
    }

    #[test]
    fn seed_like_counts_split_exactly_within_one_row() {
        let counts = [44_098, 35_707, 21_683, 18_958, 16_768, 997, 120, 33, 10, 3, 2, 1];
        let plan = check(&counts, 0.2, 0.1);
        assert_eq!(plan.sizes, plan.target);
        assert_eq!(plan.rare, [10, 11]); // 2 and 1 rows, fewer than 3 splits
        for (c, cell) in plan.cells.iter().enumerate().take(9) {
            for (s, p) in [(TRAIN, 0.7), (VALID, 0.1), (TEST, 0.2)] {
                let q = counts[c] as f64 * p;
                assert!((cell[s] as f64 - q).abs() < 1.0, "class {c} split {s}: {} vs {q}", cell[s]);
            }
        }
        assert_eq!(plan.cells[9], [1, 1, 1]); // three rows: one in each split
        assert_eq!(plan.cells[11], [1, 0, 0]);
    }

    #[test]
    fn two_way_split_and_absolute_sizes() {
        let plan = plan_split(&[10, 10], Size::Rows(5), Size::Rows(0), Rare::Train).unwrap();
        assert_eq!(plan.sizes, [15, 0, 5]);
        assert_eq!(plan.cells.iter().map(|c| c[TEST]).collect::<Vec<_>>(), [2, 3]);
    }

    #[test]
    fn row_sizes_near_2_64_never_wrap() {
        for (t, v) in [(u64::MAX, 1), (1 << 63, 1 << 63), (u64::MAX, u64::MAX)] {
            let err = plan_split(&[50, 50], Size::Rows(t), Size::Rows(v), Rare::Train).unwrap_err();
            assert!(matches!(err, Error::Infeasible(_)), "{t} + {v}: {err:?}");
        }
    }

    #[test]
    fn rare_policies() {
        let err = plan_split(&[5, 1, 2], Size::Fraction(0.2), Size::Fraction(0.1), Rare::Error).unwrap_err();
        assert_eq!(err, Error::RareClasses { classes: vec![1, 2], min_rows: 3 });
        let plan = plan_split(&[5, 1, 2], Size::Fraction(0.2), Size::Fraction(0.1), Rare::Drop).unwrap();
        assert_eq!(plan.cells[1], [0, 0, 0]);
        assert_eq!(plan.sizes.iter().sum::<u64>(), 5);
    }

    #[test]
    fn kfold_plan_balances_classes_and_folds() {
        let counts = [7, 7, 3, 1];
        let plan = plan_kfold(&counts, 3, Rare::Train).unwrap();
        assert_eq!(plan.rare, [3]);
        assert_eq!(plan.folds[3], [0, 0, 0]);
        let global: Vec<u64> = (0..3).map(|f| plan.folds.iter().map(|p| p[f]).sum()).collect();
        assert_eq!(global.iter().sum::<u64>(), 17);
        assert!(global.iter().max().unwrap() - global.iter().min().unwrap() <= 1);
        for p in &plan.folds[..3] {
            assert!(p.iter().max().unwrap() - p.iter().min().unwrap() <= 1);
        }
    }

    #[test]
    fn kfold_rare_classes_stay_out_of_test_folds() {
        use crate::{Chunk, Column, Ints, Labels, RowKeys};
        // six rows of 0 and one of 1, three folds: the 1 is in every training part
        let v: Vec<i64> = vec![0, 0, 0, 0, 0, 0, 1];
        let l = Labels::new(&Column::Int(Ints::I64(vec![Chunk::new(&v, None)]))).unwrap();
        let plan = plan_kfold(&l.counts, 3, Rare::Train).unwrap();
        let folds = assign_kfold(&l.view(), Ranker::new(RowKeys::Position, 0), &plan);
        assert_eq!(folds[6], i16::from(ALWAYS_TRAIN));
        for f in 0..3 {
            assert_eq!(folds[..6].iter().filter(|&&x| x == f).count(), 2);
        }
        let dropped = plan_kfold(&l.counts, 3, Rare::Drop).unwrap();
        assert_eq!(assign_kfold(&l.view(), Ranker::new(RowKeys::Position, 0), &dropped)[6], -1);
        assert_eq!(
            plan_kfold(&l.counts, 3, Rare::Error).unwrap_err(),
            Error::RareClasses { classes: vec![1], min_rows: 3 }
        );
        assert!(matches!(plan_kfold(&[1, 2], 3, Rare::Train), Err(Error::Infeasible(_))));
    }

    #[test]
    fn kfold_spread_puts_every_row_in_one_test_fold() {
        use crate::{Chunk, Column, Ints, Labels, RowKeys};
        // 0: 7 rows, 1: 2 rows, 2: 1 row, 3 folds
        let v: Vec<i64> = vec![0, 1, 0, 0, 2, 0, 0, 1, 0, 0];
        let l = Labels::new(&Column::Int(Ints::I64(vec![Chunk::new(&v, None)]))).unwrap();
        let plan = plan_kfold(&l.counts, 3, Rare::Spread).unwrap();
        assert_eq!(plan.rare, [1, 2]);
        assert!(!plan.rare_dropped);
        // class 0's extra row goes to fold 0, then class 1 to folds 1 and 2, class 2 to fold 0
        assert_eq!(plan.folds, [vec![3, 2, 2], vec![0, 1, 1], vec![1, 0, 0]]);
        for seed in 0..20 {
            let folds = assign_kfold(&l.view(), Ranker::new(RowKeys::Position, seed), &plan);
            assert!(folds.iter().all(|&f| (0..3).contains(&f)));
            let sizes: Vec<usize> = (0..3).map(|f| folds.iter().filter(|&&x| x == f).count()).collect();
            assert_eq!(sizes, [4, 3, 3]);
            // the two rows of class 1 are in distinct test folds
            assert_ne!(folds[1], folds[7]);
        }
        // feasible as long as there are rows for every fold
        assert_eq!(plan_kfold(&[1, 1, 1], 3, Rare::Spread).unwrap().folds, [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
        assert!(matches!(plan_kfold(&[1, 1], 3, Rare::Spread), Err(Error::Infeasible(_))));
        assert!(matches!(
            plan_split(&[5], Size::Fraction(0.2), Size::Fraction(0.0), Rare::Spread),
            Err(Error::InvalidArgument(_))
        ));
    }
}
