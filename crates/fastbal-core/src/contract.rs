//! The reproducibility contract's constants, defined once.
//!
//! Every front end (the Python API, the polars plugin, the CLI, the report,
//! HuggingFace datasets, Dask, scikit-learn) reads its split names, row codes
//! and seed mixing from here, through the extension (`fastbal.SPLIT_NAMES`,
//! `fastbal.LEFT_OUT`, `fastbal.ALWAYS_TRAIN`, `fastbal.sklearn.split_seed`).
//! A change here changes results people depend on: the same seed must give
//! the same split on every machine and in every version.

use crate::hash::mix64;

/// The split names, in code order: a split assignment holds the index of
/// the row's split here (0 train, 1 valid, 2 test), and a plan's cells are
/// in this order.
pub const SPLIT_NAMES: [&str; 3] = ["train", "valid", "test"];

/// The split codes, indices into [`SPLIT_NAMES`].
pub const TRAIN: usize = 0;
pub const VALID: usize = 1;
pub const TEST: usize = 2;

/// The split code of each part of a class's rows in rank order (the lowest
/// ranks go to test, then valid, then train; a fourth part is left out),
/// for engines that assign rows from rank cuts.
pub const SPLIT_PART_CODES: [i8; 4] = [TEST as i8, VALID as i8, TRAIN as i8, LEFT_OUT];

/// The split (or k-fold) code of a row left out: a null label, or a row of a
/// rare class dropped by `rare="drop"`.
pub const LEFT_OUT: i8 = -1;

/// The k-fold code of a row of a rare class kept by `rare="train"`: in the
/// training part of every fold, never in a test fold.
pub const ALWAYS_TRAIN: i8 = -2;

/// The offset mixed into a splitter's seed before its split number.
const SPLIT_SEED_OFFSET: u64 = 0x243f_6a88_85a3_08d3;

/// The seed of split `i` of a scikit-learn splitter seeded with `seed`
/// (`StratifiedShuffleSplit` draws split `i` with it).
///
/// The pair goes through [`mix64`] twice, so neighbouring seeds give
/// unrelated split sets (split `i` of seed 0 is not split `i - 1` of seed 1).
pub fn split_seed(seed: u64, i: u64) -> u64 {
    mix64(mix64(seed ^ SPLIT_SEED_OFFSET).wrapping_add(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_seeds_are_pinned() {
        // the values the scikit-learn splitters have always drawn with
        assert_eq!(mix64(1), 0x5692_161d_100b_05e5);
        assert_eq!(split_seed(0, 0), mix64(mix64(0x243f_6a88_85a3_08d3)));
        let pinned = [
            (0, 0, 0xa887_1e37_18ca_0053),
            (0, 1, 0xaaca_d531_86a6_a111),
            (1, 0, 0x6a9a_55df_53e9_4f74),
            (42, 3, 0xaae4_f163_8d2a_4a12),
            (u64::MAX, u64::MAX, 0x08bc_e759_7310_7e5a),
        ];
        for (seed, i, want) in pinned {
            assert_eq!(split_seed(seed, i), want, "split_seed({seed}, {i})");
        }
        assert_ne!(split_seed(0, 1), split_seed(1, 0));
    }

    #[test]
    fn the_kernels_write_these_codes() {
        use crate::split::{stratified_kfold, stratified_split, Rare, Size};
        use crate::{Chunk, Column, Ints, Labels, Ranker, RowKeys};
        // class 0 of 20 rows, class 1 of one row, a null last
        let mut values: Vec<i64> = vec![0; 20];
        values.push(1);
        values.push(7);
        let valid: Vec<u8> = vec![0xff, 0xff, 0b0001_1111];
        let column = Column::Int(Ints::I64(vec![Chunk::new(&values, Some(crate::Validity::new(&valid, 0)))]));
        let labels = Labels::new(&column).unwrap();
        let view = labels.view();
        let ranker = Ranker::new(RowKeys::Position, 0);
        let (split, _) =
            stratified_split(&view, ranker, Size::Fraction(0.2), Size::Fraction(0.1), Rare::Train).unwrap();
        assert_eq!(split[21], LEFT_OUT, "a null row is left out");
        assert_eq!(split[20], TRAIN as i8, "a one-row class goes to train");
        let count = |code: usize| split.iter().filter(|&&s| s == code as i8).count();
        assert_eq!([count(TRAIN), count(VALID), count(TEST)], [15, 2, 4]);
        let (folds, _) = stratified_kfold(&view, ranker, 5, Rare::Train).unwrap();
        assert_eq!(folds[20], i16::from(ALWAYS_TRAIN), "a one-row class is in every training part");
        assert_eq!(folds[21], i16::from(LEFT_OUT));
        let (folds, _) = stratified_kfold(&view, ranker, 5, Rare::Drop).unwrap();
        assert_eq!(folds[20], i16::from(LEFT_OUT), "a dropped class is left out");
    }
}
