//! Individual-level unfairness: AIF360's generalized entropy index and Theil
//! index, from the confusion counts alone. With b = ŷ − y + 1 on the
//! favourable-outcome indicators, a wrongly denied favourable outcome has
//! b = 0, a correct prediction b = 1, a wrongly granted one b = 2: with the
//! positive prediction favourable that is FN 0, FP 2; with it adverse
//! (`--favorable negative`, AIF360's `favorable_label=0`) FP 0, FN 2.

use serde::Serialize;

use crate::counts::{Cell, Outcome};
use crate::spec::Favorable;

/// Weighted numbers of individuals with b = 0, 1, 2.
fn b_counts(c: &Cell, favorable: Favorable) -> [f64; 3] {
    let (denied, granted) = match favorable {
        Favorable::Positive => (Outcome::Fn, Outcome::Fp),
        Favorable::Negative => (Outcome::Fp, Outcome::Fn),
    };
    [
        c.w[denied as usize],
        c.w[Outcome::Tp as usize] + c.w[Outcome::Tn as usize],
        c.w[granted as usize],
    ]
}

/// mean over individuals of f(b_i / μ), from weights per value of b/μ.
fn mean_of(values: &[(f64, f64)], f: impl Fn(f64) -> f64) -> Option<f64> {
    let n: f64 = values.iter().map(|(_, w)| w).sum();
    if n <= 0.0 {
        return None;
    }
    Some(values.iter().map(|(x, w)| w * f(*x)).sum::<f64>() / n)
}

/// GE(α) of values x = b/μ (with weights); Theil for α = 1, mean log
/// deviation for α = 0 (undefined when some b is 0, as in AIF360).
fn ge_of(values: &[(f64, f64)], alpha: f64) -> Option<f64> {
    if (alpha - 1.0).abs() < 1e-12 {
        mean_of(values, |x| if x > 0.0 { x * x.ln() } else { 0.0 })
    } else if alpha.abs() < 1e-12 {
        if values.iter().any(|(x, w)| *x <= 0.0 && *w > 0.0) {
            return None;
        }
        mean_of(values, |x| -x.ln())
    } else {
        mean_of(values, |x| x.powf(alpha) - 1.0).map(|m| m / (alpha * (alpha - 1.0)))
    }
}

/// GE(α) over all individuals of a cell (AIF360 `generalized_entropy_index`).
pub fn generalized_entropy(c: &Cell, alpha: f64, favorable: Favorable) -> Option<f64> {
    let b = b_counts(c, favorable);
    let n: f64 = b.iter().sum();
    if n <= 0.0 {
        return None;
    }
    let mu = (b[1] + 2.0 * b[2]) / n;
    if mu <= 0.0 {
        return None;
    }
    let vals = [(0.0, b[0]), (1.0 / mu, b[1]), (2.0 / mu, b[2])];
    ge_of(&vals, alpha)
}

/// Between-group GE(α): every individual's b replaced by its group's mean
/// (AIF360 `between_group_generalized_entropy_index`, with all groups).
pub fn between_group(groups: &[&Cell], alpha: f64, favorable: Favorable) -> Option<f64> {
    let mut total = [0.0; 3];
    let mut means = vec![];
    for g in groups {
        let b = b_counts(g, favorable);
        let n: f64 = b.iter().sum();
        if n > 0.0 {
            means.push(((b[1] + 2.0 * b[2]) / n, n));
        }
        for i in 0..3 {
            total[i] += b[i];
        }
    }
    let n: f64 = total.iter().sum();
    if n <= 0.0 {
        return None;
    }
    let mu = (total[1] + 2.0 * total[2]) / n;
    if mu <= 0.0 {
        return None;
    }
    let vals: Vec<(f64, f64)> = means.iter().map(|(m, w)| (m / mu, *w)).collect();
    ge_of(&vals, alpha)
}

/// The inequality indices reported for the data set or an attribute.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Indices {
    /// α of the generalized entropy index.
    pub alpha: f64,
    /// GE(α).
    pub generalized_entropy: Option<f64>,
    /// Theil index, GE(1).
    pub theil: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(tp: u64, fp: u64, tn: u64, fn_: u64) -> Cell {
        let mut c = Cell::default();
        for (o, n) in [
            (Outcome::Tp, tp),
            (Outcome::Fp, fp),
            (Outcome::Tn, tn),
            (Outcome::Fn, fn_),
        ] {
            c.record(o, n, n as f64, n as f64);
        }
        c
    }

    #[test]
    fn by_hand() {
        // b = [0, 1, 1, 2]: μ = 1; GE(2) = mean(b² − 1)/2 = ((−1)+0+0+3)/4/2 = 0.25
        let c = cell(1, 1, 1, 1);
        let pos = Favorable::Positive;
        assert!((generalized_entropy(&c, 2.0, pos).unwrap() - 0.25).abs() < 1e-15);
        // Theil = mean(b ln b) = 2 ln 2 / 4
        assert!((generalized_entropy(&c, 1.0, pos).unwrap() - 2f64.ln() / 2.0).abs() < 1e-15);
        // All correct: no inequality.
        assert_eq!(generalized_entropy(&cell(3, 0, 2, 0), 2.0, pos), Some(0.0));
        // Identical groups: no between-group inequality.
        let a = cell(1, 1, 1, 1);
        assert!(between_group(&[&a, &a], 2.0, pos).unwrap().abs() < 1e-15);
        // With the positive prediction adverse, FP and FN swap roles:
        // tp 1, fp 2, tn 1, fn 0 is b = [2, 1, 1, 0] ... as tp 1, fp 0, tn 1, fn 2.
        let neg = Favorable::Negative;
        assert_eq!(
            generalized_entropy(&cell(1, 2, 1, 0), 2.0, neg),
            generalized_entropy(&cell(1, 0, 1, 2), 2.0, pos)
        );
    }
}
