//! Arguments read from Python objects, then checked by the core's argument
//! rules (`fastbal_core::params`), so errors read the same in every front end.

use fastbal_core::params::{Size, SizeArg};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt};

use crate::errors::{to_py, type_error, value_error};

/// A split size from Python: an int row count or a float fraction (bools refused).
pub fn size(name: &str, obj: &Bound<'_, PyAny>) -> PyResult<Size> {
    let arg = if obj.is_instance_of::<PyBool>() {
        None
    } else if obj.is_instance_of::<PyInt>() {
        let rows = obj
            .extract::<u64>()
            .map_err(|_| value_error(format!("{name} must be a row count in [0, 2**64); got {obj}")))?;
        Some(SizeArg::Rows(rows))
    } else if obj.is_instance_of::<PyFloat>() {
        Some(SizeArg::Fraction(obj.extract()?))
    } else {
        None
    };
    match arg {
        Some(arg) => arg.check(name).map_err(to_py),
        None => Err(type_error(format!(
            "{name} must be a float fraction or an int row count; got {}",
            obj.get_type().name()?
        ))),
    }
}
