//! Borrow a Python label column as a core [`Column`], without copying.
//!
//! Accepted (the Python package normalizes everything else before calling):
//! - a 1-D, C-contiguous, native-endian numpy array of any integer width or
//!   float (floats must hold integral values; NaN is a missing label);
//! - a 2-D uint32 numpy array: fixed-width UCS-4 strings, one row per label
//!   (how the package passes a numpy `<U` array, zero-copy);
//! - anything with `__arrow_c_array__` / `__arrow_c_stream__`: integers,
//!   floats, booleans, nulls, utf8, large_utf8, utf8_view and dictionaries of those.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, DictionaryArray, Int64Array, Int8Array, PrimitiveArray};
use arrow_buffer::NullBuffer;
use arrow_schema::DataType;
use fastbal_core::check_offsets;
use fastbal_core::{Chunk, Column, Ints, StrChunk, Ucs4Chunk, Validity, ViewChunk};
use numpy::{PyReadonlyArray1, PyReadonlyArray2, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3_arrow::input::AnyArray;

use crate::errors::{invalid_input, type_error, value_error};

/// A Python label column held alive while the kernels borrow it.
pub enum Input<'py> {
    Numpy(NumpyInts<'py>),
    Ucs4(PyReadonlyArray2<'py, u32>),
    Arrow(Vec<ArrayRef>),
}

/// A borrowed numpy integer array.
pub enum NumpyInts<'py> {
    I8(PyReadonlyArray1<'py, i8>),
    I16(PyReadonlyArray1<'py, i16>),
    I32(PyReadonlyArray1<'py, i32>),
    I64(PyReadonlyArray1<'py, i64>),
    U8(PyReadonlyArray1<'py, u8>),
    U16(PyReadonlyArray1<'py, u16>),
    U32(PyReadonlyArray1<'py, u32>),
    U64(PyReadonlyArray1<'py, u64>),
}

/// The type label values come back as: a numpy dtype name, or "str".
pub type ValueType = &'static str;

impl<'py> Input<'py> {
    /// Read a Python object. Returns the input and the type of its label values.
    pub fn extract(obj: &Bound<'py, PyAny>) -> PyResult<(Self, ValueType)> {
        if let Ok(arr) = obj.cast::<PyUntypedArray>() {
            return Self::from_numpy(arr);
        }
        if obj.hasattr("__arrow_c_array__")? || obj.hasattr("__arrow_c_stream__")? {
            let chunked = obj
                .extract::<AnyArray>()
                .and_then(|a| Ok(a.into_chunked_array()?))
                .map_err(|e| invalid_input(format!("cannot read the labels as Arrow data: {e}")))?;
            let (chunks, field) = chunked.into_inner();
            let value_type = value_type(field.data_type())?;
            let chunks = chunks.into_iter().map(|c| normalize(validated(c)?)).collect::<PyResult<Vec<_>>>()?;
            return Ok((Input::Arrow(chunks), value_type));
        }
        Err(type_error(format!(
            "labels must be a numpy array or an Arrow array (pyarrow, polars, pandas); got {}",
            obj.get_type().name()?
        )))
    }

    fn from_numpy(arr: &Bound<'py, PyUntypedArray>) -> PyResult<(Self, ValueType)> {
        macro_rules! try_int {
            ($($t:ty => $v:ident, $name:literal);*) => {$(
                if let Ok(a) = arr.extract::<PyReadonlyArray1<'py, $t>>() {
                    return Ok((Input::Numpy(NumpyInts::$v(a)), $name));
                }
            )*};
        }
        if arr.ndim() == 2 {
            let a = arr.extract::<PyReadonlyArray2<'py, u32>>()?;
            return Ok((Input::Ucs4(a), "str"));
        }
        try_int!(i8 => I8, "int8"; i16 => I16, "int16"; i32 => I32, "int32"; i64 => I64, "int64";
                 u8 => U8, "uint8"; u16 => U16, "uint16"; u32 => U32, "uint32"; u64 => U64, "uint64");
        if let Ok(a) = arr.extract::<PyReadonlyArray1<'py, f64>>() {
            let values = PrimitiveArray::<Float64Type>::from(a.as_slice().map_err(not_contiguous)?.to_vec());
            return Ok((Input::Arrow(vec![normalize(Arc::new(values))?]), "int64"));
        }
        if let Ok(a) = arr.extract::<PyReadonlyArray1<'py, f32>>() {
            let values = PrimitiveArray::<Float32Type>::from(a.as_slice().map_err(not_contiguous)?.to_vec());
            return Ok((Input::Arrow(vec![normalize(Arc::new(values))?]), "int64"));
        }
        Err(type_error(format!("unsupported numpy label dtype {}", arr.dtype())))
    }

    /// Borrow the data as a core column.
    pub fn column(&self) -> PyResult<Column<'_>> {
        match self {
            Input::Numpy(a) => {
                macro_rules! one {
                    ($a:expr, $v:ident) => {
                        Column::Int(Ints::$v(vec![Chunk::new($a.as_slice().map_err(not_contiguous)?, None)]))
                    };
                }
                Ok(match a {
                    NumpyInts::I8(a) => one!(a, I8),
                    NumpyInts::I16(a) => one!(a, I16),
                    NumpyInts::I32(a) => one!(a, I32),
                    NumpyInts::I64(a) => one!(a, I64),
                    NumpyInts::U8(a) => one!(a, U8),
                    NumpyInts::U16(a) => one!(a, U16),
                    NumpyInts::U32(a) => one!(a, U32),
                    NumpyInts::U64(a) => one!(a, U64),
                })
            }
            Input::Ucs4(a) => {
                let data = u32_bytes(a.as_slice().map_err(not_contiguous)?);
                Ok(Column::Ucs4(vec![Ucs4Chunk { data, width: a.shape()[1], len: a.shape()[0] }]))
            }
            Input::Arrow(chunks) => arrow_column(&chunks.iter().map(|c| c.as_ref()).collect::<Vec<_>>()),
        }
    }
}

fn not_contiguous(_: numpy::AsSliceError) -> PyErr {
    value_error("numpy labels must be C-contiguous (use np.ascontiguousarray)")
}

/// An imported Arrow array, checked before any kernel reads it: buffers long
/// enough, offsets ascending and inside the values, views inside their
/// buffers, dictionary keys inside their dictionary. Arrow data from another
/// library is trusted by no kernel: a malformed array is refused here, by
/// name. (Text is checked as valid UTF-8 per class, when the classes are
/// read, not per row here.)
fn validated(a: ArrayRef) -> PyResult<ArrayRef> {
    let bad = |what: String| invalid_input(format!("the Arrow labels are malformed: {what}"));
    if a.is_empty() {
        // nothing is read; a zero-length slice may carry its parent's offsets
        // but no values buffer (as the C data interface imports it)
        return Ok(a);
    }
    let data = a.to_data();
    data.validate().map_err(|e| bad(e.to_string()))?;
    match a.data_type() {
        DataType::Utf8 => {
            let s = a.as_string::<i32>();
            check_offsets(s.value_offsets(), s.values().len()).map_err(bad)?;
        }
        DataType::LargeUtf8 => {
            let s = a.as_string::<i64>();
            check_offsets(s.value_offsets(), s.values().len()).map_err(bad)?;
        }
        DataType::Utf8View => {
            let s = a.as_string_view();
            let buffers: Vec<usize> = s.data_buffers().iter().map(|b| b.len()).collect();
            for (i, &view) in s.views().iter().enumerate() {
                let len = view as u32 as usize;
                if len > 12 {
                    let (buffer, offset) = ((view >> 64) as u32 as usize, (view >> 96) as u32 as usize);
                    if buffers.get(buffer).is_none_or(|&b| offset + len > b) {
                        return Err(bad(format!(
                            "view {i} points at bytes {offset}..{} of buffer {buffer}, past its data",
                            offset + len
                        )));
                    }
                }
            }
        }
        DataType::Dictionary(_, _) => {
            data.validate_values().map_err(|e| bad(e.to_string()))?; // keys inside the dictionary
            validated(a.as_any_dictionary().values().clone())?;
        }
        _ => {}
    }
    Ok(a)
}

fn u32_bytes(data: &[u32]) -> &[u8] {
    // SAFETY: u8 has alignment 1 and every bit pattern is a valid u8; the
    // length covers exactly the bytes of `data`, which outlives the result.
    unsafe { std::slice::from_raw_parts(data.as_ptr().cast::<u8>(), std::mem::size_of_val(data)) }
}

fn validity(nulls: Option<&NullBuffer>) -> Option<Validity<'_>> {
    nulls.filter(|n| n.null_count() > 0).map(|n| Validity::new(n.buffer().as_slice(), n.offset()))
}

/// The type of the label values an Arrow type carries, for the classes returned to Python.
fn value_type(dt: &DataType) -> PyResult<ValueType> {
    Ok(match dt {
        DataType::Int8 => "int8",
        DataType::Int16 => "int16",
        DataType::Int32 => "int32",
        DataType::Int64 | DataType::Float16 | DataType::Float32 | DataType::Float64 | DataType::Null => "int64",
        DataType::UInt8 => "uint8",
        DataType::UInt16 => "uint16",
        DataType::UInt32 => "uint32",
        DataType::UInt64 => "uint64",
        DataType::Boolean => "bool",
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "str",
        DataType::Dictionary(_, v) => value_type(v)?,
        other => {
            return Err(type_error(format!(
                "unsupported label type {other}; labels must be integers of up to 64 bits, strings, booleans or a dictionary of those"
            )))
        }
    })
}

/// Bring a chunk to a type the core reads: booleans become uint8, nulls int8,
/// integral floats int64 (NaN -> null); dictionaries get normalized values.
fn normalize(a: ArrayRef) -> PyResult<ArrayRef> {
    Ok(match a.data_type() {
        DataType::Boolean => {
            let b = a.as_boolean();
            Arc::new(PrimitiveArray::<UInt8Type>::new(b.values().iter().map(u8::from).collect(), b.nulls().cloned()))
        }
        DataType::Null => Arc::new(Int8Array::new_null(a.len())),
        DataType::Float16 => {
            let f = a.as_primitive::<Float16Type>();
            floats_to_ints(f.values().iter().map(|v| v.to_f64()), f.nulls())?
        }
        DataType::Float32 => {
            let f = a.as_primitive::<Float32Type>();
            floats_to_ints(f.values().iter().map(|&v| v as f64), f.nulls())?
        }
        DataType::Float64 => {
            let f = a.as_primitive::<Float64Type>();
            floats_to_ints(f.values().iter().copied(), f.nulls())?
        }
        DataType::Dictionary(_, _) => {
            let d = a.as_any_dictionary();
            let values = normalize(d.values().clone())?;
            if Arc::ptr_eq(&values, d.values()) {
                a
            } else {
                d.with_values(values)
            }
        }
        _ => a,
    })
}

fn floats_to_ints(values: impl Iterator<Item = f64>, nulls: Option<&NullBuffer>) -> PyResult<ArrayRef> {
    let mut out = Vec::new();
    let mut valid = Vec::new();
    for (i, v) in values.enumerate() {
        let is_null = nulls.is_some_and(|n| n.is_null(i)) || v.is_nan();
        if !is_null && (v.fract() != 0.0 || !v.is_finite()) {
            return Err(type_error(format!(
                "labels must be discrete: row {i} holds the float {v}, which is not an integer; \
                 round or map the column to integers or strings first"
            )));
        }
        if !is_null && v.abs() > 9.007_199_254_740_992e15 {
            return Err(type_error(format!(
                "row {i} holds the float {v}, above 2**53 where floats no longer hold every \
                 integer exactly; pass the labels as integers"
            )));
        }
        out.push(if is_null { 0 } else { v as i64 });
        valid.push(!is_null);
    }
    Ok(Arc::new(Int64Array::new(out.into(), Some(NullBuffer::from(valid)))))
}

/// Borrow same-typed Arrow chunks as a core column.
fn arrow_column<'a>(chunks: &[&'a dyn Array]) -> PyResult<Column<'a>> {
    macro_rules! ints {
        ($t:ty, $v:ident) => {
            Column::Int(Ints::$v(
                chunks
                    .iter()
                    .map(|c| {
                        let p = c.as_primitive::<$t>();
                        Chunk::new(p.values().as_ref(), validity(p.nulls()))
                    })
                    .collect(),
            ))
        };
    }
    macro_rules! dict {
        ($k:ty, $v:ident) => {{
            let dicts: Vec<&'a DictionaryArray<$k>> = chunks.iter().map(|c| c.as_dictionary::<$k>()).collect();
            let keys = Ints::$v(
                dicts.iter().map(|d| Chunk::new(d.keys().values().as_ref(), validity(d.keys().nulls()))).collect(),
            );
            let values: Vec<&'a dyn Array> = dicts.iter().map(|d| d.values().as_ref()).collect();
            Column::Dict { keys, values: Box::new(arrow_column(&values)?) }
        }};
    }
    let Some(first) = chunks.first() else {
        return Ok(Column::Int(Ints::I64(Vec::new())));
    };
    Ok(match first.data_type() {
        DataType::Int8 => ints!(Int8Type, I8),
        DataType::Int16 => ints!(Int16Type, I16),
        DataType::Int32 => ints!(Int32Type, I32),
        DataType::Int64 => ints!(Int64Type, I64),
        DataType::UInt8 => ints!(UInt8Type, U8),
        DataType::UInt16 => ints!(UInt16Type, U16),
        DataType::UInt32 => ints!(UInt32Type, U32),
        DataType::UInt64 => ints!(UInt64Type, U64),
        DataType::Utf8 => Column::Utf8(
            chunks
                .iter()
                .map(|c| {
                    let s = c.as_string::<i32>();
                    StrChunk { offsets: s.value_offsets(), data: s.values().as_slice(), validity: validity(s.nulls()) }
                })
                .collect(),
        ),
        DataType::LargeUtf8 => Column::LargeUtf8(
            chunks
                .iter()
                .map(|c| {
                    let s = c.as_string::<i64>();
                    StrChunk { offsets: s.value_offsets(), data: s.values().as_slice(), validity: validity(s.nulls()) }
                })
                .collect(),
        ),
        DataType::Utf8View => Column::View(
            chunks
                .iter()
                .map(|c| {
                    let s = c.as_string_view();
                    ViewChunk {
                        views: s.views().inner().as_slice(),
                        buffers: s.data_buffers().iter().map(|b| b.as_slice()).collect(),
                        validity: validity(s.nulls()),
                    }
                })
                .collect(),
        ),
        DataType::Dictionary(k, _) => match k.as_ref() {
            DataType::Int8 => dict!(Int8Type, I8),
            DataType::Int16 => dict!(Int16Type, I16),
            DataType::Int32 => dict!(Int32Type, I32),
            DataType::Int64 => dict!(Int64Type, I64),
            DataType::UInt8 => dict!(UInt8Type, U8),
            DataType::UInt16 => dict!(UInt16Type, U16),
            DataType::UInt32 => dict!(UInt32Type, U32),
            DataType::UInt64 => dict!(UInt64Type, U64),
            other => return Err(type_error(format!("unsupported dictionary key type {other}"))),
        },
        other => {
            return Err(type_error(format!(
                "unsupported label type {other}; labels must be integers of up to 64 bits, strings, booleans or a dictionary of those"
            )))
        }
    })
}
