//! Intervals and tests on proportions, all from counts. Distributions come from
//! `statrs`; formulas are stated in `docs/metrics.md` and pinned against SciPy
//! and statsmodels in `tests/it/stats.rs`.

use ndarray::Array2;
use statrs::distribution::{Beta, ChiSquared, ContinuousCDF, Discrete, Hypergeometric, Normal};

use crate::{Error, Result};

pub mod association;
pub mod glm;
pub mod ratio;
pub mod stratified;
pub mod student;

pub use ratio::{koopman_ratio, ratio_below_p};
pub use stratified::{mantel_haenszel, MantelHaenszel};
pub use student::{t_isf, t_quantile, t_sf};

/// How intervals on rates are computed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum CiMethod {
    /// Wilson score interval.
    #[default]
    Wilson,
    /// Clopper–Pearson exact interval.
    #[value(alias = "clopper-pearson")]
    Exact,
}

impl CiMethod {
    /// Parses a method name.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "wilson" => Ok(CiMethod::Wilson),
            "exact" | "clopper-pearson" => Ok(CiMethod::Exact),
            o => Err(Error::usage(format!(
                "--ci-method must be wilson or exact, not '{o}'"
            ))),
        }
    }
}

/// Multiple-comparison adjustment across a report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum PAdjust {
    /// Holm's step-down method (controls the family-wise error rate).
    #[default]
    Holm,
    /// Benjamini–Hochberg (controls the false discovery rate).
    #[value(alias = "fdr_bh")]
    Bh,
    /// Benjamini–Yekutieli (the false discovery rate under any dependence).
    #[value(alias = "fdr_by")]
    By,
    /// No adjustment.
    None,
}

impl PAdjust {
    /// Parses a method name.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "holm" => Ok(PAdjust::Holm),
            "bh" | "fdr_bh" => Ok(PAdjust::Bh),
            "by" | "fdr_by" => Ok(PAdjust::By),
            "none" => Ok(PAdjust::None),
            o => Err(Error::usage(format!(
                "--p-adjust must be holm, bh, by or none, not '{o}'"
            ))),
        }
    }

    /// The name in statements ("Holm").
    pub fn label(self) -> &'static str {
        match self {
            PAdjust::Holm => "Holm",
            PAdjust::Bh => "Benjamini-Hochberg",
            PAdjust::By => "Benjamini-Yekutieli",
            PAdjust::None => "no",
        }
    }
}

fn std_normal() -> Normal {
    Normal::new(0.0, 1.0).expect("standard normal")
}

/// The two-sided critical value z_{1−α/2} for a confidence level.
pub fn z_crit(level: f64) -> f64 {
    std_normal().inverse_cdf(1.0 - (1.0 - level) / 2.0)
}

/// Wilson score interval for x successes in n trials (x and n may be
/// non-integer effective counts). `None` when n = 0.
pub fn wilson(x: f64, n: f64, level: f64) -> Option<(f64, f64)> {
    if n <= 0.0 {
        return None;
    }
    let z = z_crit(level);
    let p = x / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).max(0.0).sqrt();
    Some(((center - half).max(0.0), (center + half).min(1.0)))
}

/// Clopper–Pearson interval from Beta quantiles. `None` when n = 0.
pub fn clopper_pearson(x: f64, n: f64, level: f64) -> Option<(f64, f64)> {
    if n <= 0.0 {
        return None;
    }
    let alpha = 1.0 - level;
    let lo = if x <= 0.0 {
        0.0
    } else {
        Beta::new(x, n - x + 1.0).ok()?.inverse_cdf(alpha / 2.0)
    };
    let hi = if x >= n {
        1.0
    } else {
        Beta::new(x + 1.0, n - x)
            .ok()?
            .inverse_cdf(1.0 - alpha / 2.0)
    };
    Some((lo, hi))
}

/// The interval on a rate by the chosen method.
pub fn rate_ci(method: CiMethod, x: f64, n: f64, level: f64) -> Option<(f64, f64)> {
    match method {
        CiMethod::Wilson => wilson(x, n, level),
        CiMethod::Exact => clopper_pearson(x, n, level),
    }
}

/// Newcombe's hybrid score interval for p1 − p2 (his method 10), from the two
/// Wilson intervals.
pub fn newcombe_diff(x1: f64, n1: f64, x2: f64, n2: f64, level: f64) -> Option<(f64, f64)> {
    let (l1, u1) = wilson(x1, n1, level)?;
    let (l2, u2) = wilson(x2, n2, level)?;
    let (p1, p2) = (x1 / n1, x2 / n2);
    let d = p1 - p2;
    let lo = d - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt();
    let hi = d + ((p2 - l2).powi(2) + (u1 - p1).powi(2)).sqrt();
    Some((lo, hi))
}

/// Katz's log interval for the ratio p1 / p2. When a count is zero, 0.5 is added
/// to both counts and both totals (statsmodels' "log-adjusted"). `None` when a
/// total is zero.
pub fn katz_ratio(x1: f64, n1: f64, x2: f64, n2: f64, level: f64) -> Option<(f64, f64)> {
    if n1 <= 0.0 || n2 <= 0.0 {
        return None;
    }
    let add = if x1 <= 0.0 || x2 <= 0.0 { 0.5 } else { 0.0 };
    let (a, m, b, k) = (x1 + add, n1 + add, x2 + add, n2 + add);
    let ratio = (a / m) / (b / k);
    let var = 1.0 / a - 1.0 / m + 1.0 / b - 1.0 / k;
    let d = z_crit(level) * var.max(0.0).sqrt();
    Some(((ratio.ln() - d).exp(), (ratio.ln() + d).exp()))
}

/// Two-sided two-proportion z-test with the pooled variance. When both
/// proportions are 0 or both 1 there is no variation and no evidence of a
/// difference: p = 1.
pub fn two_proportion_z(x1: f64, n1: f64, x2: f64, n2: f64) -> Option<f64> {
    if n1 <= 0.0 || n2 <= 0.0 {
        return None;
    }
    let p = (x1 + x2) / (n1 + n2);
    let se = (p * (1.0 - p) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se <= 0.0 {
        return Some(1.0);
    }
    let z = (x1 / n1 - x2 / n2) / se;
    Some((2.0 * student::normal_sf(z.abs())).min(1.0))
}

/// Two-sided Fisher exact test on the 2×2 table [[a, b], [c, d]]: the sum of
/// the hypergeometric probabilities of every table with the same margins that
/// is no more likely than the observed one (relative tolerance 1e-7, as R).
pub fn fisher_exact(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let n1 = a + b;
    let n2 = c + d;
    let k = a + c;
    if n1 == 0 || n2 == 0 || k == 0 || b + d == 0 {
        return 1.0;
    }
    let h = Hypergeometric::new(n1 + n2, n1, k).expect("valid margins");
    let lo = k.saturating_sub(n2);
    let hi = k.min(n1);
    // In logs: the plain pmf overflows its binomial coefficients for large tables.
    let bound = h.ln_pmf(a) + (1e-7f64).ln_1p();
    let mut p = 0.0;
    for x in lo..=hi {
        let q = h.ln_pmf(x);
        if q <= bound {
            p += q.exp();
        }
    }
    p.min(1.0)
}

/// Which test compared two proportions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestKind {
    /// Two-proportion z-test.
    ZTest,
    /// Fisher's exact test (an expected cell count was below 5).
    Fisher,
}

impl TestKind {
    /// The serialized name.
    pub fn name(self) -> &'static str {
        match self {
            TestKind::ZTest => "z_test",
            TestKind::Fisher => "fisher",
        }
    }
}

/// Compares x1/n1 with x2/n2: Fisher's exact test when an expected count of the
/// 2×2 table is below 5, else the z-test. Non-integer (weighted, effective)
/// counts are rounded for Fisher's test.
pub fn compare_proportions(x1: f64, n1: f64, x2: f64, n2: f64) -> Option<(f64, TestKind)> {
    if n1 <= 0.0 || n2 <= 0.0 {
        return None;
    }
    let n = n1 + n2;
    let succ = x1 + x2;
    let fail = n - succ;
    let min_expected = [n1 * succ, n1 * fail, n2 * succ, n2 * fail]
        .into_iter()
        .map(|v| v / n)
        .fold(f64::INFINITY, f64::min);
    if min_expected < 5.0 {
        let r = |v: f64| v.round().max(0.0) as u64;
        let (a, c) = (r(x1), r(x2));
        let b = r(n1).saturating_sub(a);
        let d = r(n2).saturating_sub(c);
        Some((fisher_exact(a, b, c, d), TestKind::Fisher))
    } else {
        two_proportion_z(x1, n1, x2, n2).map(|p| (p, TestKind::ZTest))
    }
}

/// Result of a chi-square test of independence.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct ChiSquare {
    /// The statistic.
    pub statistic: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// The p-value.
    pub p_value: f64,
}

/// Pearson's chi-square test of independence on an r×c table of counts, with
/// Yates' correction when there is one degree of freedom (as SciPy's
/// `chi2_contingency`). Rows and columns that sum to zero are dropped first;
/// `None` when fewer than two rows or columns remain.
pub fn chi_square_independence(table: &Array2<f64>) -> Option<ChiSquare> {
    let rows: Vec<usize> = (0..table.nrows())
        .filter(|&i| table.row(i).sum() > 0.0)
        .collect();
    let cols: Vec<usize> = (0..table.ncols())
        .filter(|&j| table.column(j).sum() > 0.0)
        .collect();
    if rows.len() < 2 || cols.len() < 2 {
        return None;
    }
    let t = Array2::from_shape_fn((rows.len(), cols.len()), |(i, j)| table[[rows[i], cols[j]]]);
    let total = t.sum();
    let rs = t.sum_axis(ndarray::Axis(1));
    let cs = t.sum_axis(ndarray::Axis(0));
    let df = (t.nrows() - 1) * (t.ncols() - 1);
    let mut stat = 0.0;
    for i in 0..t.nrows() {
        for j in 0..t.ncols() {
            let e = rs[i] * cs[j] / total;
            let mut o = t[[i, j]];
            if df == 1 {
                let diff = e - o;
                o += diff.signum() * diff.abs().min(0.5);
            }
            stat += (o - e).powi(2) / e;
        }
    }
    let p = ChiSquared::new(df as f64).ok()?.sf(stat);
    Some(ChiSquare {
        statistic: stat,
        df,
        p_value: p,
    })
}

/// Adjusts p-values for multiple comparisons (as statsmodels' `multipletests`).
pub fn p_adjust(p: &[f64], method: PAdjust) -> Vec<f64> {
    let m = p.len();
    if m == 0 || method == PAdjust::None {
        return p.to_vec();
    }
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut adj = vec![0.0; m];
    match method {
        PAdjust::Holm => {
            let mut running: f64 = 0.0;
            for (rank, &i) in order.iter().enumerate() {
                let v = (p[i] * (m - rank) as f64).min(1.0);
                running = running.max(v);
                adj[i] = running;
            }
        }
        PAdjust::Bh | PAdjust::By => {
            // BY multiplies BH's factor by c(m) = Σ 1/i.
            let c: f64 = match method {
                PAdjust::By => (1..=m).map(|i| 1.0 / i as f64).sum(),
                _ => 1.0,
            };
            let mut running: f64 = 1.0;
            for (rank, &i) in order.iter().enumerate().rev() {
                let v = (p[i] * c * m as f64 / (rank + 1) as f64).min(1.0);
                running = running.min(v);
                adj[i] = running;
            }
        }
        PAdjust::None => unreachable!(),
    }
    adj
}

/// The percentile interval of bootstrap replicates (linear interpolation
/// between order statistics, as NumPy's default `percentile`).
pub fn percentile_interval(values: &mut [f64], level: f64) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let q = |f: f64| {
        let pos = f * (values.len() - 1) as f64;
        let i = pos.floor() as usize;
        let frac = pos - i as f64;
        if i + 1 < values.len() {
            values[i] + frac * (values[i + 1] - values[i])
        } else {
            values[i]
        }
    };
    let a = (1.0 - level) / 2.0;
    Some((q(a), q(1.0 - a)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_by_hand() {
        // x = 0: lower bound 0, upper z²/(n+z²)
        let z = z_crit(0.95);
        let (lo, hi) = wilson(0.0, 10.0, 0.95).unwrap();
        assert!(lo.abs() < 1e-15);
        assert!((hi - z * z / (10.0 + z * z)).abs() < 1e-12);
        assert!(wilson(1.0, 0.0, 0.95).is_none());
        assert!((z - 1.959963984540054).abs() < 1e-12);
    }

    #[test]
    fn holm_and_bh_by_hand() {
        let p = [0.01, 0.04, 0.03, 0.20];
        // Holm: sorted .01 .03 .04 .20 -> .04 .09 .09(max) .20
        let h = p_adjust(&p, PAdjust::Holm);
        let want = [0.04, 0.09, 0.09, 0.20];
        for (a, b) in h.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{h:?}");
        }
        // BH: .01*4/1=.04, .03*4/2=.06, .04*4/3=.0533, .2 -> min from the top: .04 .0533 .0533 .2
        let b = p_adjust(&p, PAdjust::Bh);
        let want = [0.04, 0.04 * 4.0 / 3.0, 0.04 * 4.0 / 3.0, 0.20];
        for (a, w) in b.iter().zip(want) {
            assert!((a - w).abs() < 1e-12, "{b:?}");
        }
    }

    #[test]
    fn fisher_symmetric_table_is_one() {
        assert!((fisher_exact(3, 3, 3, 3) - 1.0).abs() < 1e-12);
        // [[1,9],[11,3]]: the classic example, p ≈ 0.002759
        assert!((fisher_exact(1, 9, 11, 3) - 0.0027594561852200836).abs() < 1e-9);
        // Large margins (binomial coefficients overflow f64): stays a probability.
        let p = fisher_exact(6, 3, 1200, 700);
        assert!(p > 0.5 && p <= 1.0, "{p}");
    }

    #[test]
    fn percentile_interpolates() {
        let mut v: Vec<f64> = (0..=100).map(|x| x as f64).collect();
        let (lo, hi) = percentile_interval(&mut v, 0.95).unwrap();
        assert!((lo - 2.5).abs() < 1e-12 && (hi - 97.5).abs() < 1e-12);
    }
}
