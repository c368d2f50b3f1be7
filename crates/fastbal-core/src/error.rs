//! The one error type of the core. The Python bindings map each variant to a
//! Python exception class (see `src/errors.rs`).

use thiserror::Error;

/// Everything a kernel can refuse. Messages say what was wrong and what to do.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum Error {
    /// A parameter is outside its domain (negative k, a fraction outside (0, 1], ...).
    #[error("{0}")]
    InvalidArgument(String),
    /// The data cannot satisfy the request (more rows asked than exist, ...).
    #[error("{0}")]
    Infeasible(String),
    /// Classes with fewer rows than a stratified split needs (`rare="error"`).
    #[error("{} classes have fewer than {min_rows} rows, too few to appear in every split: {classes:?}", classes.len())]
    RareClasses { classes: Vec<u32>, min_rows: u64 },
    /// The input itself is malformed (invalid UTF-8, a non-integral float label, ...).
    #[error("{0}")]
    InvalidData(String),
}

/// Result alias used across the core.
pub type Result<T> = std::result::Result<T, Error>;

/// `Err(Error::InvalidArgument(format!(...)))` in one line.
#[macro_export]
macro_rules! bail_arg {
    ($($arg:tt)*) => { return Err($crate::Error::InvalidArgument(format!($($arg)*))) };
}
