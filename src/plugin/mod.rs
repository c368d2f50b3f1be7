//! The polars expression plugin: thin functions over the core, registered
//! from `python/fastbal/polars.py`, behind the entry points of [`ffi`].
//!
//! Each function reads one label column (a list of labels per row for the
//! multilabel ones; and, for splits and folds, an optional id column), runs
//! the same core kernel as the Python API and returns a column of the same
//! length. Keyword arguments arrive pickled; their values are
//! checked by the core's argument rules (`fastbal_core::params`), so errors
//! read exactly as in the Python API. Pickled integers travel as `i64`, so a
//! seed arrives as the `i64` with its bits (`fastbal.polars` sends seeds of
//! 2**63 and above as `seed - 2**64`) and is read back as `u64`.
//!
//! polars calls these functions once per group inside `.over()` and
//! `group_by().agg()`, in parallel on its own threads; the core's parallelism
//! switch keeps small groups on the calling thread.
//!
//! No `PolarsAllocator`: every buffer the plugin hands to polars is released
//! through the Arrow C interface by the allocator that made it, and the
//! extension also serves numpy and pyarrow, which need no polars import.

mod ffi;
mod multilabel;
mod series;

use std::sync::OnceLock;

use fastbal_core::contract::{LEFT_OUT, SPLIT_NAMES};
use fastbal_core::params::{folds, MaskRule, Rare, SampleSize, SizeArg, Strategy};
use fastbal_core::select::{class_mask, keep_classes, stratified_sample};
use fastbal_core::split::{stratified_kfold, stratified_split};
use fastbal_core::weights::{class_weights, sample_weights};
use fastbal_core::{parallel, row_keys, Compacted, LabelView, Prepared, Ranker};
use polars::prelude::*;
use serde::Deserialize;

use crate::errors::message;
use multilabel::{
    multilabel_kfold, multilabel_kfold_field, multilabel_split, multilabel_split_field, MultilabelKFoldKwargs,
    MultilabelSplitKwargs,
};
use series::SeriesInput;

/// Run `f` on the label column `s`, on the core's parallelism switch; core
/// errors become polars errors with the Python API's message.
fn on_labels<R: Send>(
    s: &Series,
    f: impl for<'v> FnOnce(&LabelView<'v>) -> fastbal_core::Result<R> + Send,
) -> PolarsResult<R> {
    let input = SeriesInput::new(s, "labels")?;
    let column = input.column()?;
    parallel::run(input.len(), || {
        let compacted = Compacted::new(Prepared::new(&column).map_err(|e| message(&e, None))?);
        let result = f(&compacted.view()).map_err(|e| message(&e, Some(&compacted.classes)));
        result
    })
    .map_err(|msg| PolarsError::ComputeError(msg.into()))
}

/// A core argument rule's error as a polars error.
fn arg<T>(r: fastbal_core::Result<T>) -> PolarsResult<T> {
    r.map_err(|e| PolarsError::ComputeError(e.to_string().into()))
}

fn same_name(input_fields: &[Field], dtype: DataType) -> PolarsResult<Field> {
    let first = input_fields.first().ok_or_else(|| polars_err!(ComputeError: "fastbal: no label column"))?;
    Ok(Field::new(first.name().clone(), dtype))
}

fn boolean<K>(input_fields: &[Field], _: &K) -> PolarsResult<Field> {
    same_name(input_fields, DataType::Boolean)
}

fn float64<K>(input_fields: &[Field], _: &K) -> PolarsResult<Field> {
    same_name(input_fields, DataType::Float64)
}

ffi::expressions! {
    min_count_mask(CountKwargs) -> boolean;
    max_count_mask(CountKwargs) -> boolean;
    top_k_mask(CountKwargs) -> boolean;
    sample_mask(SampleKwargs) -> boolean;
    class_weight(WeightKwargs) -> float64;
    split(SplitKwargs) -> split_field;
    kfold(KFoldKwargs) -> kfold_field;
    multilabel_split(MultilabelSplitKwargs) -> multilabel_split_field [lists];
    multilabel_kfold(MultilabelKFoldKwargs) -> multilabel_kfold_field [lists];
}

// ------------------------------------------------------------------ masks

#[derive(Deserialize)]
struct CountKwargs {
    k: u64,
}

fn mask(inputs: &[Series], rule: MaskRule, k: u64) -> PolarsResult<Series> {
    let mask = on_labels(&inputs[0], |v| Ok(class_mask(v, &keep_classes(rule, v.counts, k))))?;
    Ok(BooleanChunked::from_slice(inputs[0].name().clone(), &mask).into_series())
}

fn min_count_mask(inputs: &[Series], kwargs: CountKwargs) -> PolarsResult<Series> {
    mask(inputs, MaskRule::MinCount, kwargs.k)
}

fn max_count_mask(inputs: &[Series], kwargs: CountKwargs) -> PolarsResult<Series> {
    mask(inputs, MaskRule::MaxCount, kwargs.k)
}

fn top_k_mask(inputs: &[Series], kwargs: CountKwargs) -> PolarsResult<Series> {
    mask(inputs, MaskRule::TopK, kwargs.k)
}

// ------------------------------------------------------------------ sample

#[derive(Deserialize)]
struct SampleKwargs {
    n: Option<u64>,
    fraction: Option<f64>,
    seed: i64,
}

fn sample_mask(inputs: &[Series], kwargs: SampleKwargs) -> PolarsResult<Series> {
    let size = arg(SampleSize::new(kwargs.n, kwargs.fraction))?;
    let rows = on_labels(&inputs[0], |v| Ok(stratified_sample(v, size, kwargs.seed as u64)?.0))?;
    let mut mask = vec![false; inputs[0].len()];
    for r in rows {
        mask[r as usize] = true;
    }
    Ok(BooleanChunked::from_slice(inputs[0].name().clone(), &mask).into_series())
}

// ------------------------------------------------------------------ weights

#[derive(Deserialize)]
struct WeightKwargs {
    strategy: String,
    beta: f64,
    normalize: String,
    max_weight: Option<f64>,
}

fn class_weight(inputs: &[Series], kwargs: WeightKwargs) -> PolarsResult<Series> {
    let strategy = arg(kwargs.strategy.parse().and_then(|name| Strategy::new(name, kwargs.beta)))?;
    let normalize = arg(kwargs.normalize.parse())?;
    let rows = on_labels(&inputs[0], |v| {
        let w = class_weights(v.counts, strategy, normalize, kwargs.max_weight)?;
        Ok(sample_weights(v, &w))
    })?;
    Ok(Float64Chunked::from_vec(inputs[0].name().clone(), rows).into_series())
}

// ------------------------------------------------------------ split, k-fold

/// Row keys of the optional id column (the second input).
fn ids(inputs: &[Series]) -> PolarsResult<Option<Vec<u64>>> {
    let Some(ids) = inputs.get(1) else { return Ok(None) };
    let input = SeriesInput::new(ids, "ids")?;
    let column = input.column()?;
    parallel::run(input.len(), || row_keys(&column))
        .map(Some)
        .map_err(|e| PolarsError::ComputeError(e.to_string().into()))
}

/// `Enum(SPLIT_NAMES)` (train, valid, test), made once so every call returns the same dtype.
fn split_dtype() -> PolarsResult<DataType> {
    static CATEGORIES: OnceLock<Arc<FrozenCategories>> = OnceLock::new();
    if let Some(c) = CATEGORIES.get() {
        return Ok(DataType::from_frozen_categories(c.clone()));
    }
    let c = FrozenCategories::new(SPLIT_NAMES)?;
    Ok(DataType::from_frozen_categories(CATEGORIES.get_or_init(|| c).clone()))
}

fn split_field(input_fields: &[Field], _: &SplitKwargs) -> PolarsResult<Field> {
    same_name(input_fields, split_dtype()?)
}

#[derive(Deserialize)]
struct SplitKwargs {
    test_size: SizeArg,
    val_size: SizeArg,
    seed: i64,
    rare: String,
}

fn split(inputs: &[Series], kwargs: SplitKwargs) -> PolarsResult<Series> {
    let test = arg(kwargs.test_size.check("test_size"))?;
    let valid = arg(kwargs.val_size.check("val_size"))?;
    let rare: Rare = arg(kwargs.rare.parse())?;
    let keys = ids(inputs)?;
    let assignment = on_labels(&inputs[0], |v| {
        let ranker = Ranker::for_rows(keys.as_deref(), kwargs.seed as u64, v.len())?;
        Ok(stratified_split(v, ranker, test, valid, rare)?.0)
    })?;
    split_series(inputs[0].name().clone(), &assignment)
}

/// Split codes (`SPLIT_NAMES` indices) as the split dtype; a row left out
/// (a negative code) is null.
fn split_series(name: PlSmallStr, assignment: &[i8]) -> PolarsResult<Series> {
    let codes: UInt8Chunked = assignment.iter().map(|&a| u8::try_from(a).ok()).collect();
    let codes = codes.with_name(name);
    // SAFETY: every code is an index of SPLIT_NAMES, a category of the dtype (or null).
    let out = unsafe { Categorical8Chunked::from_cats_and_dtype_unchecked(codes, split_dtype()?) };
    Ok(out.into_series())
}

#[derive(Deserialize)]
struct KFoldKwargs {
    k: i64,
    seed: i64,
    rare: String,
}

/// Int8 fold ids up to 127 folds, Int16 beyond, as `fastbal.stratified_kfold`.
fn kfold_field(input_fields: &[Field], kwargs: &KFoldKwargs) -> PolarsResult<Field> {
    same_name(input_fields, fold_dtype(kwargs.k))
}

fn fold_dtype(k: i64) -> DataType {
    if k <= i8::MAX as i64 {
        DataType::Int8
    } else {
        DataType::Int16
    }
}

fn kfold(inputs: &[Series], kwargs: KFoldKwargs) -> PolarsResult<Series> {
    let k = arg(folds(kwargs.k))?;
    let rare: Rare = arg(kwargs.rare.parse())?;
    let keys = ids(inputs)?;
    let folds = on_labels(&inputs[0], |v| {
        Ok(stratified_kfold(v, Ranker::for_rows(keys.as_deref(), kwargs.seed as u64, v.len())?, k, rare)?.0)
    })?;
    Ok(fold_series(inputs[0].name().clone(), &folds, k))
}

/// Fold ids as [`fold_dtype`]: `LEFT_OUT` is null, `ALWAYS_TRAIN` stays a code.
fn fold_series(name: PlSmallStr, folds: &[i16], k: usize) -> Series {
    let left_out = LEFT_OUT as i16;
    if k <= i8::MAX as usize {
        folds.iter().map(|&f| (f != left_out).then_some(f as i8)).collect::<Int8Chunked>().with_name(name).into_series()
    } else {
        folds.iter().map(|&f| (f != left_out).then_some(f)).collect::<Int16Chunked>().with_name(name).into_series()
    }
}
