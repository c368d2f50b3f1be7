//! The entry points polars calls: two C functions per expression (its output
//! field, and its evaluation), in polars' plugin interface (version 0, the
//! one `pyo3_polars`' `#[polars_expr]` also writes).
//!
//! They are written here rather than by `#[polars_expr]` so that nothing
//! can panic on the way in: polars converts an Arrow type it was built
//! without (Struct, Decimal, Int128, ...) by panicking, and a panic reaches
//! the user as "the plugin panicked" with fastbal's message suppressed. Here
//! every input field is checked against the dtypes fastbal reads before
//! polars converts it, and the refusal names them; any panic left (a failed
//! internal check) comes back as a polars error carrying its message.

use std::panic::{catch_unwind, AssertUnwindSafe};

use polars::prelude::*;
use polars_arrow::ffi::{export_field_to_c, import_field_from_c, ArrowSchema};
use polars_ffi::version_0::{export_series, import_series_buffer, SeriesExport};
use pyo3_polars::derive::{_parse_kwargs, _update_last_error};
use serde::de::DeserializeOwned;

use super::series;

/// What each input is, by position, for messages.
const INPUTS: [&str; 2] = ["labels", "ids"];

/// Two entry points per expression: `_polars_plugin_field_<name>` (the
/// output field from the input fields) and `_polars_plugin_<name>` (the
/// evaluation), for `fn <name>(&[Series], Kwargs) -> PolarsResult<Series>`
/// and `fn <output>(&[Field], &Kwargs) -> PolarsResult<Field>`. An
/// expression marked `[lists]` takes a list of labels per row.
macro_rules! expressions {
    ($($name:ident($kwargs:ty) -> $output:ident $([$lists:ident])?;)*) => {$(
        const _: () = {
            use polars_arrow::ffi::ArrowSchema;
            use polars_ffi::version_0::{CallerContext, SeriesExport};

            /// # Safety
            /// Called by polars with `len` valid input schemas, its pickled
            /// keyword arguments and an empty schema to fill.
            #[export_name = concat!("_polars_plugin_field_", stringify!($name))]
            unsafe extern "C" fn field(
                fields: *mut ArrowSchema,
                len: usize,
                out: *mut ArrowSchema,
                kwargs: *const u8,
                kwargs_len: usize,
            ) {
                // SAFETY: polars' calling convention, as documented above.
                unsafe {
                    $crate::plugin::ffi::output_field::<$kwargs>(
                        fields,
                        len,
                        out,
                        kwargs,
                        kwargs_len,
                        $output,
                        $crate::plugin::ffi::lists!($($lists)?),
                    )
                }
            }

            /// # Safety
            /// Called by polars with `len` valid exported Series, its pickled
            /// keyword arguments and an empty Series export to fill.
            #[export_name = concat!("_polars_plugin_", stringify!($name))]
            unsafe extern "C" fn expression(
                inputs: *mut SeriesExport,
                len: usize,
                kwargs: *const u8,
                kwargs_len: usize,
                out: *mut SeriesExport,
                _context: *mut CallerContext,
            ) {
                // SAFETY: polars' calling convention, as documented above.
                unsafe { $crate::plugin::ffi::evaluate::<$kwargs>(inputs, len, kwargs, kwargs_len, out, $name) }
            }
        };
    )*};
}
pub(crate) use expressions;

/// Whether an expression is marked `[lists]`.
macro_rules! lists {
    () => {
        false
    };
    (lists) => {
        true
    };
}
pub(crate) use lists;

/// `len` items at `ptr` (none when `len` is 0, whatever `ptr` is).
///
/// # Safety
/// When `len > 0`, `ptr` points at `len` initialized items valid for `'a`.
unsafe fn items<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if len == 0 || ptr.is_null() {
        return &[];
    }
    // SAFETY: the caller's promise.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

/// Run `f`, turning a panic into a polars error with its message.
fn guard<T>(f: impl FnOnce() -> PolarsResult<T>) -> PolarsResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        Err(polars_err!(ComputeError: "fastbal failed an internal check (a bug: please report it): {}",
            crate::errors::panic_message(payload.as_ref())))
    })
}

fn parse_kwargs<K: DeserializeOwned>(bytes: &[u8]) -> PolarsResult<K> {
    _parse_kwargs(bytes)
        .map_err(|e| polars_err!(InvalidOperation: "fastbal: could not read the expression's arguments: {e}"))
}

/// Input `i`'s field, refused by name (before polars converts its Arrow
/// type) unless it is a dtype fastbal reads; with `lists`, the labels
/// (input 0) are a list of labels per row.
///
/// # Safety
/// `schema` is a valid Arrow C schema.
unsafe fn input_field(i: usize, schema: &ArrowSchema, lists: bool) -> PolarsResult<Field> {
    // SAFETY: the caller's promise.
    let field = unsafe { import_field_from_c(schema) }?;
    series::check_arrow_dtype(&field.dtype, INPUTS.get(i).copied().unwrap_or("inputs"), lists && i == 0)?;
    Ok(Field::from(&field))
}

/// The output field of an expression on `len` input fields at `fields`.
///
/// # Safety
/// As the `_polars_plugin_field_*` entry points: `len` valid schemas at
/// `fields`, `kwargs_len` bytes at `kwargs`, `out` a schema to overwrite.
pub(crate) unsafe fn output_field<K: DeserializeOwned>(
    fields: *const ArrowSchema,
    len: usize,
    out: *mut ArrowSchema,
    kwargs: *const u8,
    kwargs_len: usize,
    f: fn(&[Field], &K) -> PolarsResult<Field>,
    lists: bool,
) {
    let result = guard(|| {
        // SAFETY: the caller's promise.
        let schemas = unsafe { items(fields, len) };
        let inputs = schemas
            .iter()
            .enumerate()
            // SAFETY: each schema is valid (the caller's promise).
            .map(|(i, s)| unsafe { input_field(i, s, lists) })
            .collect::<PolarsResult<Vec<_>>>()?;
        // SAFETY: the caller's promise.
        let kwargs = parse_kwargs::<K>(unsafe { items(kwargs, kwargs_len) })?;
        let field = f(&inputs, &kwargs)?;
        Ok(export_field_to_c(&field.to_arrow(CompatLevel::newest())))
    });
    match result {
        // SAFETY: `out` points at a schema polars owns and lets us overwrite.
        Ok(schema) => unsafe { *out = schema },
        Err(e) => _update_last_error(e),
    }
}

/// Evaluate an expression on `len` exported Series at `inputs`.
///
/// # Safety
/// As the `_polars_plugin_*` entry points: `len` valid Series exports at
/// `inputs` (taken over here), `kwargs_len` bytes at `kwargs`, `out` an
/// export to overwrite.
pub(crate) unsafe fn evaluate<K: DeserializeOwned>(
    inputs: *mut SeriesExport,
    len: usize,
    kwargs: *const u8,
    kwargs_len: usize,
    out: *mut SeriesExport,
    f: fn(&[Series], K) -> PolarsResult<Series>,
) {
    let result = guard(|| {
        // SAFETY: the caller's promise; polars' field call checked the dtypes first.
        let inputs = unsafe { import_series_buffer(inputs, len) }?;
        // SAFETY: the caller's promise.
        let kwargs = parse_kwargs::<K>(unsafe { items(kwargs, kwargs_len) })?;
        f(&inputs, kwargs)
    });
    match result {
        // SAFETY: `out` points at an export polars owns and lets us overwrite.
        Ok(series) => unsafe { *out = export_series(&series) },
        Err(e) => _update_last_error(e),
    }
}
