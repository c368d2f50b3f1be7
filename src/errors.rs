//! The one place core errors become Python exceptions.

use fastbal_core::{Classes, Error};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::PyErr;

/// Convert a core error into the matching Python exception.
pub fn to_py(err: Error) -> PyErr {
    match err {
        Error::InvalidArgument(msg) | Error::Infeasible(msg) | Error::InvalidData(msg) => PyValueError::new_err(msg),
        e @ Error::RareClasses { .. } => PyValueError::new_err(e.to_string()),
    }
}

/// The message of a core error, naming classes by their values when they are known.
pub fn message(err: &Error, classes: Option<&Classes>) -> String {
    match (err, classes) {
        (Error::RareClasses { classes: codes, min_rows }, Some(classes)) => {
            const SHOWN: usize = 20;
            let mut names: Vec<String> = codes.iter().take(SHOWN).map(|&c| classes.display(c as usize)).collect();
            if codes.len() > SHOWN {
                names.push(format!("... {} more", codes.len() - SHOWN));
            }
            format!(
                "{} classes have fewer than {min_rows} rows, too few to appear in every split: {}; \
                 pass rare=\"train\" to put them in train, rare=\"drop\" to leave them out, \
                 or filter them first (fastbal.filter_min_count)",
                codes.len(),
                names.join(", ")
            )
        }
        (other, _) => other.to_string(),
    }
}

/// Like [`to_py`], naming classes by their values rather than their codes.
pub fn with_classes(err: Error, classes: &Classes) -> PyErr {
    match err {
        e @ Error::RareClasses { .. } => PyValueError::new_err(message(&e, Some(classes))),
        other => to_py(other),
    }
}

/// Shorthand for `TypeError(msg)`.
pub fn type_error(msg: impl Into<String>) -> PyErr {
    PyTypeError::new_err(msg.into())
}
