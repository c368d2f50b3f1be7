//! The multilabel split and k-fold on a polars `List` column: a set of
//! labels per row.
//!
//! Each list chunk's offsets are read as they are and its values borrowed
//! (sliced to the rows the chunk holds); the values of every chunk are
//! factorized together by the core, so a label's code is its rank among the
//! label values, as the Python API numbers them, whatever the chunking. The
//! rows are then placed by the core's multilabel kernel. Categorical and
//! enum labels are read as their strings (the Python API reads them so).

use fastbal_core::multilabel::{multilabel_kfold as core_kfold, multilabel_split as core_split, Indices, LabelSets};
use fastbal_core::params::{folds, SizeArg};
use fastbal_core::{parallel, Classes, Labels, Ranker};
use polars::prelude::*;
use polars_arrow::array::ArrayRef;
use serde::Deserialize;

use super::series::{SeriesInput, LISTS_ACCEPTED};
use super::{arg, fold_dtype, fold_series, ids, same_name, split_dtype, split_series};

/// Refuse a dtype that is not a list of integers or strings (or the Null
/// dtype: every row null).
fn check_dtype(dtype: &DataType) -> PolarsResult<()> {
    let inner_ok = |inner: &DataType| {
        matches!(
            inner,
            DataType::Int8
                | DataType::Int16
                | DataType::Int32
                | DataType::Int64
                | DataType::UInt8
                | DataType::UInt16
                | DataType::UInt32
                | DataType::UInt64
                | DataType::String
                | DataType::Categorical(_, _)
                | DataType::Enum(_, _)
                | DataType::Null
        )
    };
    match dtype {
        DataType::Null => Ok(()),
        DataType::List(inner) if inner_ok(inner) => Ok(()),
        other => polars_bail!(InvalidOperation: "fastbal: labels must be {LISTS_ACCEPTED}; got {other}"),
    }
}

fn core_err(e: fastbal_core::Error) -> PolarsError {
    PolarsError::ComputeError(e.to_string().into())
}

/// The label sets of a list column (null rows marked null).
fn label_sets(s: &Series) -> PolarsResult<LabelSets> {
    check_dtype(s.dtype())?;
    let n = s.len();
    if s.dtype() == &DataType::Null {
        let offsets = vec![0i64; n + 1];
        return LabelSets::new(Indices::I64(&offsets), Indices::I64(&[]), Some(&vec![true; n]), Some(0))
            .map_err(core_err);
    }
    let s = match s.dtype() {
        DataType::List(inner) if matches!(inner.as_ref(), DataType::Categorical(_, _) | DataType::Enum(_, _)) => {
            s.cast(&DataType::List(Box::new(DataType::String)))?
        }
        _ => s.clone(),
    };
    let ca = s.list()?;
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0i64);
    let mut null = Vec::with_capacity(n);
    let mut values: Vec<ArrayRef> = Vec::with_capacity(ca.chunks().len());
    let mut end = 0i64;
    for arr in ca.downcast_iter() {
        let o = arr.offsets().as_slice();
        let (lo, hi) = (o[0], o[o.len() - 1]);
        offsets.extend(o[1..].iter().map(|&x| x - lo + end));
        end += hi - lo;
        match arr.validity() {
            Some(v) => null.extend(v.iter().map(|valid| !valid)),
            None => null.resize(null.len() + arr.len(), false),
        }
        values.push(arr.values().sliced(lo as usize, (hi - lo) as usize));
    }
    let inner_dtype = ca.inner_dtype().clone();
    let inner = if values.is_empty() {
        Series::new_empty(s.name().clone(), &inner_dtype)
    } else {
        // SAFETY: the chunks are the list's own values, of its inner dtype
        // (integers, strings or null: physical and logical alike).
        unsafe { Series::from_chunks_and_dtype_unchecked(s.name().clone(), values, &inner_dtype) }
    };
    let input = SeriesInput::new(&inner, "labels")?;
    let labels = Labels::new(&input.column()?).map_err(core_err)?;
    if labels.null_count > 0 {
        polars_bail!(ComputeError: "a label inside a row is null; labels must be ints or strings");
    }
    if let Classes::Int(v) = &labels.classes {
        if let Some(&min) = v.first().filter(|&&m| m < 0) {
            polars_bail!(ComputeError: "label ids must not be negative; got {min}");
        }
    }
    if labels.n_classes() > i32::MAX as usize {
        polars_bail!(ComputeError: "fastbal: more than {} distinct labels", i32::MAX);
    }
    // every code is below n_classes (no nulls), so fits an i32
    let codes: &[i32] = bytemuck::cast_slice(&labels.codes);
    LabelSets::new(Indices::I64(&offsets), Indices::I32(codes), Some(&null), Some(labels.n_classes())).map_err(core_err)
}

#[derive(Deserialize)]
pub struct MultilabelSplitKwargs {
    test_size: SizeArg,
    val_size: SizeArg,
    seed: i64,
}

pub fn multilabel_split_field(input_fields: &[Field], _: &MultilabelSplitKwargs) -> PolarsResult<Field> {
    if let Some(f) = input_fields.first() {
        check_dtype(f.dtype())?;
    }
    same_name(input_fields, split_dtype()?)
}

pub fn multilabel_split(inputs: &[Series], kwargs: MultilabelSplitKwargs) -> PolarsResult<Series> {
    let test = arg(kwargs.test_size.check("test_size"))?;
    let valid = arg(kwargs.val_size.check("val_size"))?;
    let keys = ids(inputs)?;
    let assignment = parallel::run(inputs[0].len(), || {
        let sets = label_sets(&inputs[0])?;
        let ranker = Ranker::for_rows(keys.as_deref(), kwargs.seed as u64, sets.len()).map_err(core_err)?;
        Ok::<_, PolarsError>(core_split(&sets, ranker, test, valid).map_err(core_err)?.0)
    })?;
    split_series(inputs[0].name().clone(), &assignment)
}

#[derive(Deserialize)]
pub struct MultilabelKFoldKwargs {
    k: i64,
    seed: i64,
}

/// Int8 fold ids up to 127 folds, Int16 beyond, as `fastbal.multilabel_kfold`.
pub fn multilabel_kfold_field(input_fields: &[Field], kwargs: &MultilabelKFoldKwargs) -> PolarsResult<Field> {
    if let Some(f) = input_fields.first() {
        check_dtype(f.dtype())?;
    }
    same_name(input_fields, fold_dtype(kwargs.k))
}

pub fn multilabel_kfold(inputs: &[Series], kwargs: MultilabelKFoldKwargs) -> PolarsResult<Series> {
    let k = arg(folds(kwargs.k))?;
    let keys = ids(inputs)?;
    let folds = parallel::run(inputs[0].len(), || {
        let sets = label_sets(&inputs[0])?;
        let ranker = Ranker::for_rows(keys.as_deref(), kwargs.seed as u64, sets.len()).map_err(core_err)?;
        Ok::<_, PolarsError>(core_kfold(&sets, ranker, k).map_err(core_err)?.0)
    })?;
    Ok(fold_series(inputs[0].name().clone(), &folds, k))
}
