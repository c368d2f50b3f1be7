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

/// A label Series, and what had to be built to read it.
pub struct SeriesInput {
    series: Series,
    /// A categorical's strings, indexed by category id.
    dictionary: Option<Utf8Array<i64>>,
}

/// The dtypes a label column may have, for messages.
const ACCEPTED: &str = "integers, strings, booleans, categoricals or enums";

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
                let dict = self.dictionary.as_ref().expect("set for categoricals in new()");
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
