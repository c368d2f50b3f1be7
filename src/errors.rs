//! The one place core errors become Python exceptions.

use fastbal_core::Error;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::PyErr;

/// Convert a core error into the matching Python exception.
pub fn to_py(err: Error) -> PyErr {
    match err {
        Error::InvalidArgument(msg) | Error::Infeasible(msg) | Error::InvalidData(msg) => PyValueError::new_err(msg),
    }
}

/// Shorthand for `TypeError(msg)`.
pub fn type_error(msg: impl Into<String>) -> PyErr {
    PyTypeError::new_err(msg.into())
}
