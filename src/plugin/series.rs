//! A polars Series read as a core [`Column`], without copying the rows.
//!
//! Integers and strings (polars' String is Arrow's utf8_view) are borrowed
//! chunk by chunk, as the streaming engine delivers them. Categorical and
//! Enum columns are read through their physical codes, with the category
//! strings as the dictionary; booleans and the Null dtype are cast to small
//! integers first (a byte per row).

use fastbal_core::{Chunk, Column, Ints, StrChunk, Validity, ViewChunk};
use polars::prelude::*;
use polars_arrow::array::{Array, Utf8Array};
use polars_arrow::bitmap::Bitmap;
use polars_arrow::datatypes::{ArrowDataType, TimeUnit as ArrowTimeUnit};

/// A label Series, and what had to be built to read it.
pub struct SeriesInput {
    series: Series,
    /// A categorical's strings, indexed by category id.
    dictionary: Option<Utf8Array<i64>>,
}

/// The dtypes a label column may have, for messages.
const ACCEPTED: &str = "integers of up to 64 bits, strings, booleans, categoricals or enums";

/// The dtypes a label-set column may have, for messages.
pub const LISTS_ACCEPTED: &str = "a list column of integers or strings (the labels of each row)";

/// Refuse, by name, an input whose Arrow type is not one polars converts to
/// a dtype [`SeriesInput::new`] (or, for `lists`, the multilabel reader)
/// then judges: checked before polars converts it, which for a type this
/// build of polars lacks (Struct, Decimal, Int128, Array, ...) would panic.
/// `what` names the input in the message; `lists` takes a list of labels
/// per row instead of one label.
pub fn check_arrow_dtype(dt: &ArrowDataType, what: &str, lists: bool) -> PolarsResult<()> {
    use ArrowDataType as A;
    if lists {
        let known = match dt {
            A::Null => true,
            A::List(f) | A::LargeList(f) => scalar_known(&f.dtype),
            _ => false,
        };
        if !known {
            polars_bail!(InvalidOperation: "fastbal: {what} must be {LISTS_ACCEPTED}; got {}", arrow_dtype_name(dt));
        }
        return Ok(());
    }
    if !scalar_known(dt) {
        polars_bail!(InvalidOperation: "fastbal: {what} must be {ACCEPTED}; got {}", arrow_dtype_name(dt));
    }
    Ok(())
}

/// Whether polars converts the Arrow type `dt` to a dtype of one label.
fn scalar_known(dt: &ArrowDataType) -> bool {
    use ArrowDataType as A;
    match dt {
        A::Null
        | A::Boolean
        | A::Int8
        | A::Int16
        | A::Int32
        | A::Int64
        | A::UInt8
        | A::UInt16
        | A::UInt32
        | A::UInt64
        | A::Float32
        | A::Float64
        | A::Utf8
        | A::LargeUtf8
        | A::Utf8View => true,
        // categoricals and enums
        A::Dictionary(_, values, _) => matches!(values.as_ref(), A::Utf8 | A::LargeUtf8 | A::Utf8View),
        _ => false,
    }
}

/// The name polars gives the dtype of an Arrow type, for messages.
fn arrow_dtype_name(dt: &ArrowDataType) -> String {
    use ArrowDataType as A;
    let unit = |u: &ArrowTimeUnit| match u {
        ArrowTimeUnit::Second => "s",
        ArrowTimeUnit::Millisecond => "ms",
        ArrowTimeUnit::Microsecond => "μs",
        ArrowTimeUnit::Nanosecond => "ns",
    };
    match dt {
        A::Null => "null".into(),
        A::Boolean => "bool".into(),
        A::Int8 => "i8".into(),
        A::Int16 => "i16".into(),
        A::Int32 => "i32".into(),
        A::Int64 => "i64".into(),
        A::Int128 => "i128".into(),
        A::UInt8 => "u8".into(),
        A::UInt16 => "u16".into(),
        A::UInt32 => "u32".into(),
        A::UInt64 => "u64".into(),
        A::UInt128 => "u128".into(),
        A::Float16 => "f16".into(),
        A::Float32 => "f32".into(),
        A::Float64 => "f64".into(),
        A::Utf8 | A::LargeUtf8 | A::Utf8View => "str".into(),
        A::Binary | A::LargeBinary | A::BinaryView | A::FixedSizeBinary(_) => "binary".into(),
        A::Date32 => "date".into(),
        A::Date64 => "datetime[ms]".into(),
        A::Timestamp(u, None) => format!("datetime[{}]", unit(u)),
        A::Timestamp(u, Some(tz)) => format!("datetime[{}, {tz}]", unit(u)),
        A::Duration(u) => format!("duration[{}]", unit(u)),
        A::Time32(_) | A::Time64(_) => "time".into(),
        A::List(f) | A::LargeList(f) => format!("list[{}]", arrow_dtype_name(&f.dtype)),
        A::FixedSizeList(f, n) => format!("array[{}, {n}]", arrow_dtype_name(&f.dtype)),
        A::Struct(fields) => format!("struct[{}]", fields.len()),
        A::Decimal(p, s) | A::Decimal32(p, s) | A::Decimal64(p, s) | A::Decimal256(p, s) => {
            format!("decimal[{p},{s}]")
        }
        A::Dictionary(_, values, _) => format!("dictionary of {}", arrow_dtype_name(values)),
        A::Extension(ext) if ext.name.as_str() == POLARS_OBJECT_EXTENSION_NAME => "object".into(),
        A::Extension(ext) => format!("extension {}", ext.name),
        other => format!("{other:?}"),
    }
}

impl SeriesInput {
    /// Check the dtype and prepare the Series; `what` names it in errors.
    pub fn new(s: &Series, what: &str) -> PolarsResult<Self> {
        let series = match s.dtype() {
            DataType::Boolean | DataType::Null => s.cast(&DataType::UInt8)?,
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
            | DataType::Enum(_, _) => s.clone(),
            other => polars_bail!(InvalidOperation: "fastbal: {what} must be {ACCEPTED}; got {other}"),
        };
        let dictionary = match series.dtype() {
            DataType::Categorical(_, mapping) | DataType::Enum(_, mapping) => {
                let arr = mapping.to_arrow(false);
                Some(
                    arr.as_any()
                        .downcast_ref::<Utf8Array<i64>>()
                        .cloned()
                        .ok_or_else(|| polars_err!(ComputeError: "fastbal: unexpected categorical mapping type"))?,
                )
            }
            _ => None,
        };
        Ok(SeriesInput { series, dictionary })
    }

    /// Rows.
    pub fn len(&self) -> usize {
        self.series.len()
    }

    /// Borrow the Series as a core column.
    pub fn column(&self) -> PolarsResult<Column<'_>> {
        let s = &self.series;
        macro_rules! ints {
            ($ca:expr) => {
                $ca.downcast_iter().map(|a| Chunk::new(a.values().as_slice(), validity(a.validity()))).collect()
            };
        }
        Ok(match s.dtype() {
            DataType::Int8 => Column::Int(Ints::I8(ints!(s.i8()?))),
            DataType::Int16 => Column::Int(Ints::I16(ints!(s.i16()?))),
            DataType::Int32 => Column::Int(Ints::I32(ints!(s.i32()?))),
            DataType::Int64 => Column::Int(Ints::I64(ints!(s.i64()?))),
            DataType::UInt8 => Column::Int(Ints::U8(ints!(s.u8()?))),
            DataType::UInt16 => Column::Int(Ints::U16(ints!(s.u16()?))),
            DataType::UInt32 => Column::Int(Ints::U32(ints!(s.u32()?))),
            DataType::UInt64 => Column::Int(Ints::U64(ints!(s.u64()?))),
            DataType::String => Column::View(
                s.str()?
                    .downcast_iter()
                    .map(|a| ViewChunk {
                        views: bytemuck::cast_slice(a.views().as_slice()),
                        buffers: a.data_buffers().iter().map(|b| b.as_slice()).collect(),
                        validity: validity(a.validity()),
                    })
                    .collect(),
            ),
            DataType::Categorical(_, _) | DataType::Enum(_, _) => {
                let keys = match s.dtype().cat_physical()? {
                    CategoricalPhysical::U8 => Ints::U8(ints!(s.cat8()?.physical())),
                    CategoricalPhysical::U16 => Ints::U16(ints!(s.cat16()?.physical())),
                    CategoricalPhysical::U32 => Ints::U32(ints!(s.cat32()?.physical())),
                };
                let dict = self
                    .dictionary
                    .as_ref()
                    .ok_or_else(|| polars_err!(ComputeError: "fastbal: a categorical read without its categories"))?;
                let strings =
                    StrChunk { offsets: dict.offsets().as_slice(), data: dict.values().as_slice(), validity: None };
                // one dictionary shared by every key chunk
                let values = Column::LargeUtf8(vec![strings; keys.chunk_lens().len()]);
                Column::Dict { keys, values: Box::new(values) }
            }
            other => polars_bail!(InvalidOperation: "fastbal: labels must be {ACCEPTED}; got {other}"),
        })
    }
}

fn validity(bits: Option<&Bitmap>) -> Option<Validity<'_>> {
    bits.filter(|b| b.unset_bits() > 0).map(|b| {
        let (bytes, offset, _) = b.as_slice();
        Validity::new(bytes, offset)
    })
}
