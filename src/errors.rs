//! The one place core errors become Python exceptions, and the exception
//! classes themselves (exported by `fastbal`).
//!
//! ```text
//! ValueError
//!  └── FastbalError              any refusal of fastbal's (bad argument, ...)
//!       ├── RareClassesError     classes too small for every split (.classes, .min_rows)
//!       ├── InfeasibleError      the data cannot satisfy the request
//!       ├── InvalidInputError    the input cannot be read as labels
//!       └── OutputTooLargeError  an output too large to allocate, refused before allocating
//! RuntimeError
//!  └── InternalError             a failed internal check: a bug, never a bad input
//! ```

use std::any::Any;

use fastbal_core::{Classes, Error};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;
use pyo3::{create_exception, PyErr};

create_exception!(
    fastbal,
    FastbalError,
    PyValueError,
    "A request fastbal refuses: a bad argument, or data that cannot satisfy it.\n\n\
     A ValueError, so ``except ValueError`` keeps working; the subclasses below say\n\
     more where a caller can act on the difference."
);
create_exception!(
    fastbal,
    RareClassesError,
    FastbalError,
    "Classes too small to appear in every split (``rare=\"error\"``).\n\n\
     ``classes`` lists their values and ``min_rows`` the rows each would need."
);
create_exception!(
    fastbal,
    InfeasibleError,
    FastbalError,
    "The data cannot satisfy the request: more rows or folds asked than exist."
);
create_exception!(
    fastbal,
    InvalidInputError,
    FastbalError,
    "The input cannot be read as labels: malformed Arrow data, invalid text,\n\
     or an array another thread wrote to during the call."
);
create_exception!(
    fastbal,
    OutputTooLargeError,
    FastbalError,
    "An output too large to allocate (its size follows from the arguments),\n\
     refused before anything was allocated."
);
create_exception!(
    fastbal,
    InternalError,
    PyRuntimeError,
    "An internal check of fastbal failed. This is a bug: please report it with\n\
     the call that raised it."
);

/// Add the exception classes to the extension module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("FastbalError", py.get_type::<FastbalError>())?;
    m.add("RareClassesError", py.get_type::<RareClassesError>())?;
    m.add("InfeasibleError", py.get_type::<InfeasibleError>())?;
    m.add("InvalidInputError", py.get_type::<InvalidInputError>())?;
    m.add("OutputTooLargeError", py.get_type::<OutputTooLargeError>())?;
    m.add("InternalError", py.get_type::<InternalError>())?;
    Ok(())
}

/// Convert a core error into the matching Python exception.
pub fn to_py(err: Error) -> PyErr {
    match err {
        Error::InvalidArgument(msg) => FastbalError::new_err(msg),
        Error::Infeasible(msg) => InfeasibleError::new_err(msg),
        Error::InvalidData(msg) => InvalidInputError::new_err(msg),
        e @ Error::TooLarge { .. } => OutputTooLargeError::new_err(e.to_string()),
        Error::RareClasses { classes, min_rows } => {
            rare_classes(classes.iter().take(SHOWN).map(|c| format!("#{c}")).collect(), classes.len(), min_rows, |py| {
                Ok(PyList::new(py, &classes)?.into_any())
            })
        }
    }
}

/// Like [`to_py`], naming classes by their values rather than their codes.
pub fn with_classes(err: Error, classes: &Classes) -> PyErr {
    match err {
        Error::RareClasses { classes: codes, min_rows } => {
            let names = codes.iter().take(SHOWN).map(|&c| classes.display(c as usize)).collect();
            let values = classes.take(&codes);
            rare_classes(names, codes.len(), min_rows, |py| {
                Ok(match &values {
                    Classes::Int(v) => PyList::new(py, v)?.into_any(),
                    Classes::UInt(v) => PyList::new(py, v)?.into_any(),
                    Classes::Str(v) => PyList::new(py, v)?.into_any(),
                })
            })
        }
        other => to_py(other),
    }
}

/// The message of a core error, naming classes by their values when they are
/// known (for front ends that raise their own exception type).
#[allow(dead_code)] // used by front ends other than the Python bindings
pub fn message(err: &Error, classes: Option<&Classes>) -> String {
    match (err, classes) {
        (Error::RareClasses { classes: codes, min_rows }, Some(classes)) => {
            let names = codes.iter().take(SHOWN).map(|&c| classes.display(c as usize)).collect();
            rare_message(names, codes.len(), *min_rows)
        }
        (other, _) => other.to_string(),
    }
}

/// Rare classes named in a message.
const SHOWN: usize = 20;

fn rare_message(mut names: Vec<String>, n: usize, min_rows: u64) -> String {
    if n > names.len() {
        names.push(format!("... {} more", n - names.len()));
    }
    format!(
        "{n} classes have fewer than {min_rows} rows, too few to appear in every split: {}; \
         pass rare=\"train\" to put them in train, rare=\"drop\" to leave them out, \
         or filter them first (fastbal.filter_min_count)",
        names.join(", ")
    )
}

/// A `RareClassesError` whose message names (some of) the classes and whose
/// `classes` attribute lists them all.
fn rare_classes(
    names: Vec<String>,
    n: usize,
    min_rows: u64,
    values: impl for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyAny>>,
) -> PyErr {
    let err = RareClassesError::new_err(rare_message(names, n, min_rows));
    Python::attach(|py| {
        let value = err.value(py);
        values(py).and_then(|v| value.setattr("classes", v)).and_then(|_| value.setattr("min_rows", min_rows))
    })
    .map_or_else(|e| e, |_| err)
}

/// A panic caught at the boundary, as an `InternalError` (never a
/// `PanicException`, which `except Exception` does not catch).
pub fn from_panic(payload: Box<dyn Any + Send>) -> PyErr {
    internal(panic_message(payload.as_ref()))
}

/// The message a panic was raised with.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Shorthand for `InternalError(msg)`: a failed internal check.
pub fn internal(msg: impl std::fmt::Display) -> PyErr {
    InternalError::new_err(format!("fastbal failed an internal check: {msg}"))
}

/// Shorthand for `TypeError(msg)`.
pub fn type_error(msg: impl Into<String>) -> PyErr {
    PyTypeError::new_err(msg.into())
}

/// Shorthand for `FastbalError(msg)`: a refused argument.
pub fn value_error(msg: impl Into<String>) -> PyErr {
    FastbalError::new_err(msg.into())
}

/// Shorthand for `InvalidInputError(msg)`: input that cannot be read.
pub fn invalid_input(msg: impl Into<String>) -> PyErr {
    InvalidInputError::new_err(msg.into())
}
