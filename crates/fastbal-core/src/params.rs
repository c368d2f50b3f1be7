//! Every argument rule of the public operations, once.
//!
//! Each parameter is a typed value with one way in per front end: `FromStr`
//! for names (`"balanced"`, `"train"`), serde `Deserialize` for the polars
//! plugin's keyword arguments, and checked constructors for numbers. Each
//! rule has one message. The Python bindings, the polars plugin and any other
//! front end convert through these and check nothing themselves.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

use crate::{bail_arg, Error, Result};

/// A `FromStr` + `Deserialize` enum of fixed names, with one error message.
macro_rules! named {
    ($(#[$doc:meta])* $name:ident, $param:literal, { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every accepted name, in documentation order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The name this value is written as.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl FromStr for $name {
            type Err = Error;

            fn from_str(s: &str) -> Result<Self> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(Error::InvalidArgument(format!(
                        "{} must be {}; got {other:?}",
                        $param,
                        one_of(Self::NAMES)
                    ))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// `"a"`, `"a" or "b"`, `"a", "b" or "c"`.
fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}

named!(
    /// What to do with classes too small to appear in every non-empty split.
    Rare, "rare", {
        /// All their rows go to train.
        Train = "train",
        /// Their rows are left out (assignment -1).
        Drop = "drop",
        /// Refuse, listing them.
        Error = "error",
        /// k-fold only: their rows go one each to distinct test folds, so every
        /// row is in exactly one test fold (a one-row class is then missing
        /// from the training part of the fold that tests it).
        Spread = "spread",
    }
);

named!(
    /// How a class's weight follows from its count (see [`Strategy`]).
    StrategyName, "strategy", {
        Balanced = "balanced",
        Inverse = "inverse",
        Sqrt = "sqrt",
        Effective = "effective",
    }
);

named!(
    /// How weights are scaled after the strategy.
    Normalize, "normalize", {
        /// Unscaled.
        None = "none",
        /// Mean weight per row 1: `sum(count * weight) = rows`, so a weighted
        /// loss keeps the scale of the unweighted one.
        Mean = "mean",
        /// Weights sum to the number of classes.
        Sum = "sum",
    }
);

named!(
    /// A rule that keeps or drops whole classes by their count.
    MaskRule, "rule", {
        /// Classes with at least `k` rows.
        MinCount = "min_count",
        /// Classes with at most `k` rows.
        MaxCount = "max_count",
        /// The `k` most frequent classes.
        TopK = "top_k",
    }
);

/// How a class's weight follows from its count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Strategy {
    /// scikit-learn's `compute_class_weight("balanced")`: `n / (k * count)`.
    Balanced,
    /// `1 / count`.
    Inverse,
    /// `sqrt(max_count / (count + 1))`: a softer re-weighting.
    Sqrt,
    /// Cui et al. (2019), class-balanced loss: `(1 - beta) / (1 - beta^count)`,
    /// normalized so the weights sum to the number of classes.
    Effective { beta: f64 },
}

impl Strategy {
    /// The strategy `name` with `beta` (used by `effective`; checked always, so
    /// a bad value never waits for a strategy change to surface).
    pub fn new(name: StrategyName, beta: f64) -> Result<Self> {
        if !(0.0..1.0).contains(&beta) {
            bail_arg!("beta must be in [0, 1); got {beta}");
        }
        Ok(match name {
            StrategyName::Balanced => Strategy::Balanced,
            StrategyName::Inverse => Strategy::Inverse,
            StrategyName::Sqrt => Strategy::Sqrt,
            StrategyName::Effective => Strategy::Effective { beta },
        })
    }
}

/// The default `beta` of the `effective` strategy.
pub const DEFAULT_BETA: f64 = 0.999;

/// A cap on class weights: a positive number.
pub fn max_weight(cap: Option<f64>) -> Result<Option<f64>> {
    match cap {
        Some(c) if c.is_nan() || c <= 0.0 => bail_arg!("max_weight must be positive; got {c}"),
        _ => Ok(cap),
    }
}

/// A requested split size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Size {
    /// A fraction of the eligible rows, in `[0, 1)`.
    Fraction(f64),
    /// An absolute number of rows.
    Rows(u64),
}

impl Size {
    /// A fraction of the eligible rows for the split `name`: in `[0, 1)`.
    pub fn fraction(name: &str, f: f64) -> Result<Self> {
        if !(0.0..1.0).contains(&f) {
            bail_arg!("{name} must be in [0, 1) as a fraction; got {f}");
        }
        Ok(Size::Fraction(f))
    }

    /// Whether the split is asked to hold any row.
    pub fn is_nonempty(self) -> bool {
        match self {
            Size::Fraction(f) => f > 0.0,
            Size::Rows(r) => r > 0,
        }
    }
}

/// A split size as a front end receives it: an integer row count or a float
/// fraction (serde: an int or a float). [`SizeArg::check`] applies the rule.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum SizeArg {
    Rows(u64),
    Fraction(f64),
}

impl SizeArg {
    /// The size of split `name`, checked.
    pub fn check(self, name: &str) -> Result<Size> {
        match self {
            SizeArg::Rows(r) => Ok(Size::Rows(r)),
            SizeArg::Fraction(f) => Size::fraction(name, f),
        }
    }
}

/// The most folds a k-fold takes (fold ids are 16-bit).
pub const MAX_FOLDS: u64 = i16::MAX as u64;

/// The number of folds of a k-fold: between 2 and [`MAX_FOLDS`].
pub fn folds(k: i64) -> Result<usize> {
    if !(2..=MAX_FOLDS as i64).contains(&k) {
        bail_arg!("k must be between 2 and {MAX_FOLDS}; got {k}");
    }
    Ok(k as usize)
}

/// The size of a stratified sample: a row count or a fraction of the labeled rows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SampleSize {
    Rows(u64),
    /// In `(0, 1]`; rounds half away from zero.
    Fraction(f64),
}

impl SampleSize {
    /// Exactly one of `n` and `fraction`, checked.
    pub fn new(n: Option<u64>, fraction: Option<f64>) -> Result<Self> {
        match (n, fraction) {
            (Some(n), None) => Ok(SampleSize::Rows(n)),
            (None, Some(f)) if f > 0.0 && f <= 1.0 => Ok(SampleSize::Fraction(f)),
            (None, Some(f)) => bail_arg!("fraction must be in (0, 1]; got {f}"),
            _ => bail_arg!("pass exactly one of fraction and n"),
        }
    }

    /// Rows to draw out of `total` labeled rows.
    pub fn rows(self, total: u64) -> Result<u64> {
        match self {
            SampleSize::Rows(n) if n <= total => Ok(n),
            SampleSize::Rows(n) => Err(Error::Infeasible(format!("n = {n} is more than the {total} labeled rows"))),
            SampleSize::Fraction(f) => Ok(((f * total as f64).round() as u64).min(total)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_print_back() {
        for &name in Rare::NAMES {
            assert_eq!(name.parse::<Rare>().unwrap().as_str(), name);
        }
        assert_eq!("sqrt".parse::<StrategyName>().unwrap(), StrategyName::Sqrt);
        assert_eq!(Normalize::Mean.to_string(), "mean");
    }

    #[test]
    fn unknown_names_list_the_choices() {
        let err = "both".parse::<Rare>().unwrap_err().to_string();
        assert_eq!(err, r#"rare must be "train", "drop", "error" or "spread"; got "both""#);
        let err = "x".parse::<Normalize>().unwrap_err().to_string();
        assert_eq!(err, r#"normalize must be "none", "mean" or "sum"; got "x""#);
    }

    #[test]
    fn numbers_are_checked_once() {
        assert_eq!(
            Size::fraction("test_size", 1.0).unwrap_err().to_string(),
            "test_size must be in [0, 1) as a fraction; got 1"
        );
        assert!(Size::fraction("test_size", f64::NAN).is_err());
        assert_eq!(folds(1).unwrap_err().to_string(), "k must be between 2 and 32767; got 1");
        assert_eq!(folds(5).unwrap(), 5);
        assert!(Strategy::new(StrategyName::Balanced, 1.0).is_err());
        assert_eq!(Strategy::new(StrategyName::Effective, 0.9).unwrap(), Strategy::Effective { beta: 0.9 });
        assert!(max_weight(Some(0.0)).is_err());
        assert!(max_weight(Some(f64::NAN)).is_err());
        assert_eq!(max_weight(None).unwrap(), None);
    }

    #[test]
    fn sample_sizes() {
        assert_eq!(SampleSize::new(Some(3), None).unwrap().rows(10).unwrap(), 3);
        assert!(SampleSize::new(Some(11), None).unwrap().rows(10).is_err());
        assert_eq!(SampleSize::new(None, Some(0.25)).unwrap().rows(10).unwrap(), 3); // 2.5 rounds up
        assert!(SampleSize::new(None, None).is_err());
        assert!(SampleSize::new(Some(1), Some(0.5)).is_err());
        assert!(SampleSize::new(None, Some(0.0)).is_err());
    }
}
