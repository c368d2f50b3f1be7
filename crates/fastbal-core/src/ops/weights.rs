//! Class weights and per-row sample weights.

use crate::exec::alloc::zeroed;
use crate::exec::blocks::gather_by_id;
use crate::factorize::view::LabelView;
pub use crate::params::{Normalize, Strategy};
use crate::Result;

/// Weight per class (indexed by code), then normalized, then capped at `max_weight`.
pub fn class_weights(
    counts: &[u64],
    strategy: Strategy,
    normalize: Normalize,
    max_weight: Option<f64>,
) -> Result<Vec<f64>> {
    let max_weight = crate::params::max_weight(max_weight)?;
    let k = counts.len() as f64;
    let n: f64 = counts.iter().sum::<u64>() as f64;
    let max = counts.iter().copied().max().unwrap_or(0) as f64;
    let mut w: Vec<f64> = match strategy {
        Strategy::Balanced => counts.iter().map(|&c| n / (k * c as f64)).collect(),
        Strategy::Inverse => counts.iter().map(|&c| 1.0 / c as f64).collect(),
        Strategy::Sqrt => counts.iter().map(|&c| (max / (c as f64 + 1.0)).sqrt()).collect(),
        Strategy::Effective { beta } => {
            // 1 - beta^c computed as -expm1(c * ln(beta)) keeps precision for beta near 1
            let raw: Vec<f64> = counts
                .iter()
                .map(|&c| if beta == 0.0 { 1.0 } else { (1.0 - beta) / -((c as f64) * beta.ln()).exp_m1() })
                .collect();
            let s: f64 = raw.iter().sum();
            raw.iter().map(|x| x * k / s).collect()
        }
    };
    let scale = match normalize {
        Normalize::None => 1.0,
        Normalize::Mean => n / counts.iter().zip(&w).map(|(&c, x)| c as f64 * x).sum::<f64>(),
        Normalize::Sum => k / w.iter().sum::<f64>(),
    };
    w.iter_mut().for_each(|x| *x *= scale);
    if let Some(cap) = max_weight {
        w.iter_mut().for_each(|x| *x = x.min(cap));
    }
    Ok(w)
}

/// One weight per row: its class's weight, 0 for rows without a label.
pub fn sample_weights(view: &LabelView<'_>, class_weights: &[f64]) -> Vec<f64> {
    let mut out = zeroed(view.len());
    gather_by_id(view.ids(), class_weights, 0.0, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_matches_the_formula() {
        let w = class_weights(&[6, 3, 1], Strategy::Balanced, Normalize::None, None).unwrap();
        assert_eq!(w, [10.0 / 18.0, 10.0 / 9.0, 10.0 / 3.0]);
    }

    #[test]
    fn sqrt_and_cap() {
        let w = class_weights(&[99, 8, 1], Strategy::Sqrt, Normalize::None, Some(5.0)).unwrap();
        assert_eq!(w, [(99.0f64 / 100.0).sqrt(), (99.0f64 / 9.0).sqrt(), 5.0]);
    }

    #[test]
    fn effective_sums_to_class_count() {
        let w = class_weights(&[1000, 10, 1], Strategy::Effective { beta: 0.999 }, Normalize::None, None).unwrap();
        assert!((w.iter().sum::<f64>() - 3.0).abs() < 1e-12);
        assert!(w[0] < w[1] && w[1] < w[2]);
        // beta = 0: every class weighs the same
        let w = class_weights(&[1000, 10], Strategy::Effective { beta: 0.0 }, Normalize::None, None).unwrap();
        assert_eq!(w, [1.0, 1.0]);
    }

    #[test]
    fn normalizations() {
        // inverse weights 1 and 1/3: per-row mean 1 means 1*w0 + 3*w1 = 4
        let w = class_weights(&[1, 3], Strategy::Inverse, Normalize::Mean, None).unwrap();
        assert!((w[0] - 2.0).abs() < 1e-12 && (w[1] - 2.0 / 3.0).abs() < 1e-12);
        let w = class_weights(&[1, 3], Strategy::Inverse, Normalize::Sum, None).unwrap();
        assert!((w[0] - 1.5).abs() < 1e-12 && (w[1] - 0.5).abs() < 1e-12);
    }
}
