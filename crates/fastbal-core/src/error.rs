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
    /// The input itself is malformed (invalid UTF-8, a non-integral float label,
    /// labels that changed while a call read them, ...).
    #[error("{0}")]
    InvalidData(String),
    /// An output too large to allocate, refused before allocating: what it
    /// is, its size in values and in bytes.
    #[error("{what} would hold {len} values ({}), more than can be allocated", bytes_text(*bytes))]
    TooLarge { what: String, len: u128, bytes: u128 },
}

impl Error {
    /// A column read twice during one call differed: another thread wrote to
    /// the (borrowed) array meanwhile.
    pub fn labels_changed() -> Self {
        Error::InvalidData(
            "the labels changed while fastbal read them: another thread wrote to the array during the call".into(),
        )
    }
}

/// A byte count as people read it: `512 B`, `8.0 GiB`.
pub(crate) fn bytes_text(bytes: u128) -> String {
    const UNITS: [&str; 7] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut x = bytes as f64 / 1024.0;
    let mut unit = 0;
    while x >= 1024.0 && unit + 1 < UNITS.len() {
        x /= 1024.0;
        unit += 1;
    }
    format!("{x:.1} {}", UNITS[unit])
}

/// Result alias used across the core.
pub type Result<T> = std::result::Result<T, Error>;

/// `Err(Error::InvalidArgument(format!(...)))` in one line.
#[macro_export]
macro_rules! bail_arg {
    ($($arg:tt)*) => { return Err($crate::Error::InvalidArgument(format!($($arg)*))) };
}
