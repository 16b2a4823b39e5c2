//! Score intervals and tests for the ratio of two proportions, p1 / p2
//! (Koopman 1984; the Miettinen–Nurminen form without its n/(n−1)
//! correction, as statsmodels' `confint_proportions_2indep(method="score",
//! compare="ratio", correction=False)`). Unlike Katz's log interval it behaves
//! at the edges: with x1 = 0 the lower bound is 0 (it contains its estimate),
//! and with both rates 1 it has width.

use statrs::distribution::{ContinuousCDF, Normal};

fn std_normal() -> Normal {
    Normal::new(0.0, 1.0).expect("standard normal")
}

/// The score statistic of H0: p1 / p2 = r (decreasing in r): the observed
/// p1 − r·p2 over its standard error at the constrained maximum-likelihood
/// rates. `None` when the variance is zero.
pub fn ratio_score(x1: f64, n1: f64, x2: f64, n2: f64, r: f64) -> Option<f64> {
    let (p1, p2) = (x1 / n1, x2 / n2);
    // Constrained MLE of p2 under p1 = r·p2 (the smaller root of a quadratic).
    let a = r * (n1 + n2);
    let b = -(r * n1 + x1 + n2 + r * x2);
    let c = x1 + x2;
    let disc = (b * b - 4.0 * a * c).max(0.0);
    let p2r = (-b - disc.sqrt()) / (2.0 * a);
    let p1r = (p2r * r).min(1.0);
    let v = p1r * (1.0 - p1r) / n1 + r * r * p2r * (1.0 - p2r) / n2;
    (v > 0.0).then(|| (p1 - r * p2) / v.sqrt())
}

/// The r where the score statistic equals `z`, between `lo` and `hi`
/// (bisection on log r; the statistic decreases in r).
fn solve(x1: f64, n1: f64, x2: f64, n2: f64, z: f64, lo: f64, hi: f64) -> f64 {
    let (mut a, mut b) = (lo.ln(), hi.ln());
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        let s = ratio_score(x1, n1, x2, n2, m.exp()).unwrap_or(0.0);
        if s > z {
            a = m;
        } else {
            b = m;
        }
        if b - a < 1e-13 {
            break;
        }
    }
    (0.5 * (a + b)).exp()
}

/// Koopman's score interval for p1 / p2 at `level`. `None` when a total is
/// zero or the reference has no successes (the ratio is then undefined).
pub fn koopman_ratio(x1: f64, n1: f64, x2: f64, n2: f64, level: f64) -> Option<(f64, f64)> {
    if n1 <= 0.0 || n2 <= 0.0 || x2 <= 0.0 {
        return None;
    }
    let z = std_normal().inverse_cdf(1.0 - (1.0 - level) / 2.0);
    let est = (x1 / n1) / (x2 / n2);
    // Far enough from any estimate for the bisection's brackets.
    let (floor, ceil) = (1e-12, 1e12);
    let lo = if x1 <= 0.0 {
        0.0
    } else {
        solve(x1, n1, x2, n2, z, floor, est.max(floor))
    };
    let hi = solve(x1, n1, x2, n2, -z, est.max(floor), ceil);
    Some((lo, hi))
}

/// One-sided p-value of H0: p1 / p2 ≥ r0 against H1: p1 / p2 < r0 (is the
/// ratio below a threshold?), from the score statistic.
pub fn ratio_below_p(x1: f64, n1: f64, x2: f64, n2: f64, r0: f64) -> Option<f64> {
    if n1 <= 0.0 || n2 <= 0.0 {
        return None;
    }
    let z = ratio_score(x1, n1, x2, n2, r0)?;
    Some(super::student::normal_sf(-z))
}
