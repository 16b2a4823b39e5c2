//! Association of a column with a protected attribute, from their
//! contingency table (rows: the column's values or bands; columns: the
//! groups): Pearson's chi-square without continuity correction, Cramér's V
//! and its bias-corrected form (Bergsma 2013), and the one-vs-rest AUC of
//! predicting each group from the column alone. Also the chi-square
//! goodness-of-fit test and the population stability index. Definitions:
//! docs/data-examination.md.

use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Association measures of one r×c table.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Association {
    /// Pearson's chi-square, no continuity correction.
    pub chi2: f64,
    /// (r − 1)(c − 1) over the non-empty rows and columns.
    pub df: usize,
    /// Upper tail of χ²(df).
    pub p_value: f64,
    /// √(χ² / (n (min(r, c) − 1))).
    pub cramers_v: f64,
    /// Bergsma's bias-corrected V (0 when the correction exceeds φ²).
    pub cramers_v_corrected: f64,
}

/// Drops empty rows and columns; `None` when fewer than two of either remain.
fn trimmed(table: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let ncols = table.first()?.len();
    let cols: Vec<usize> = (0..ncols)
        .filter(|&j| table.iter().map(|r| r[j]).sum::<f64>() > 0.0)
        .collect();
    let t: Vec<Vec<f64>> = table
        .iter()
        .filter(|r| r.iter().sum::<f64>() > 0.0)
        .map(|r| cols.iter().map(|&j| r[j]).collect())
        .collect();
    (t.len() >= 2 && cols.len() >= 2).then_some(t)
}

/// The association measures of a table of counts (rows × columns).
pub fn association(table: &[Vec<f64>]) -> Option<Association> {
    let t = trimmed(table)?;
    let (r, c) = (t.len(), t[0].len());
    let rs: Vec<f64> = t.iter().map(|row| row.iter().sum()).collect();
    let cs: Vec<f64> = (0..c).map(|j| t.iter().map(|row| row[j]).sum()).collect();
    let n: f64 = rs.iter().sum();
    let mut chi2 = 0.0;
    for (i, row) in t.iter().enumerate() {
        for (j, &o) in row.iter().enumerate() {
            let e = rs[i] * cs[j] / n;
            chi2 += (o - e).powi(2) / e;
        }
    }
    let df = (r - 1) * (c - 1);
    let p_value = ChiSquared::new(df as f64).ok()?.sf(chi2);
    let k = r.min(c) as f64;
    let cramers_v = (chi2 / (n * (k - 1.0))).sqrt();
    let (rf, cf) = (r as f64, c as f64);
    let phi2 = chi2 / n;
    let phi2c = (phi2 - (cf - 1.0) * (rf - 1.0) / (n - 1.0)).max(0.0);
    let rc = rf - (rf - 1.0).powi(2) / (n - 1.0);
    let cc = cf - (cf - 1.0).powi(2) / (n - 1.0);
    let denom = (cc - 1.0).min(rc - 1.0);
    let cramers_v_corrected = if denom > 0.0 {
        (phi2c / denom).sqrt()
    } else {
        0.0
    };
    Some(Association {
        chi2,
        df,
        p_value,
        cramers_v,
        cramers_v_corrected,
    })
}

/// The AUC of scoring each row by P(group | its row of the table) for the
/// rows of `group` (column j) against all others: the Mann–Whitney
/// probability that a row of the group scores above one outside it, ties
/// counting one half (as scikit-learn's `roc_auc_score`). `None` when the
/// group or its complement is empty.
pub fn one_vs_rest_auc(table: &[Vec<f64>], j: usize) -> Option<f64> {
    // (score, positives, negatives) per row; equal scores pooled.
    let mut rows: Vec<(f64, f64, f64)> = table
        .iter()
        .filter_map(|r| {
            let n: f64 = r.iter().sum();
            (n > 0.0).then(|| (r[j] / n, r[j], n - r[j]))
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let pos: f64 = rows.iter().map(|r| r.1).sum();
    let neg: f64 = rows.iter().map(|r| r.2).sum();
    if pos <= 0.0 || neg <= 0.0 {
        return None;
    }
    let (mut below, mut wins, mut i) = (0.0, 0.0, 0);
    while i < rows.len() {
        let (s, mut p, mut q) = (rows[i].0, 0.0, 0.0);
        while i < rows.len() && rows[i].0 == s {
            p += rows[i].1;
            q += rows[i].2;
            i += 1;
        }
        wins += p * (below + 0.5 * q);
        below += q;
    }
    Some(wins / (pos * neg))
}

/// Chi-square goodness of fit of observed counts against expected shares
/// (which sum to 1): statistic, degrees of freedom (k − 1), p-value, as
/// SciPy's `chisquare(f_obs, f_exp = share × n)`.
pub fn goodness_of_fit(observed: &[f64], expected_shares: &[f64]) -> Option<(f64, usize, f64)> {
    let n: f64 = observed.iter().sum();
    if observed.len() < 2 || n <= 0.0 || expected_shares.iter().any(|&s| s <= 0.0) {
        return None;
    }
    let stat: f64 = observed
        .iter()
        .zip(expected_shares)
        .map(|(o, s)| (o - s * n).powi(2) / (s * n))
        .sum();
    let df = observed.len() - 1;
    let p = ChiSquared::new(df as f64).ok()?.sf(stat);
    Some((stat, df, p))
}

/// The share that replaces an exact zero in the population stability index.
pub const PSI_EPSILON: f64 = 1e-4;

/// Population stability index Σ (a − e) ln(a / e) of actual shares `a`
/// against expected shares `e`; an exact zero share is replaced by
/// [`PSI_EPSILON`] (nothing renormalised), a category at zero in both adds 0.
pub fn psi(expected: &[f64], actual: &[f64]) -> f64 {
    expected
        .iter()
        .zip(actual)
        .map(|(&e, &a)| {
            if e == 0.0 && a == 0.0 {
                return 0.0;
            }
            let e = if e == 0.0 { PSI_EPSILON } else { e };
            let a = if a == 0.0 { PSI_EPSILON } else { a };
            (a - e) * (a / e).ln()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_perfect_proxy_has_v_one_and_auc_one() {
        let t = vec![vec![10.0, 0.0], vec![0.0, 30.0]];
        let a = association(&t).unwrap();
        assert!((a.cramers_v - 1.0).abs() < 1e-12);
        assert_eq!(one_vs_rest_auc(&t, 0), Some(1.0));
        // An independent column: every row scores the same → AUC one half.
        let t = vec![vec![10.0, 30.0], vec![5.0, 15.0]];
        assert!((one_vs_rest_auc(&t, 1).unwrap() - 0.5).abs() < 1e-12);
        assert!(association(&t).unwrap().cramers_v.abs() < 1e-12);
    }

    #[test]
    fn psi_zero_share_rule() {
        // A category absent before gets 1e-4 in place of 0.
        let v = psi(&[0.5, 0.5, 0.0], &[0.4, 0.4, 0.2]);
        let want = 2.0 * (-0.1f64 * (0.4f64 / 0.5).ln()) + (0.2 - 1e-4) * (0.2f64 / 1e-4).ln();
        assert!((v - want).abs() < 1e-12);
        assert_eq!(psi(&[0.5, 0.5, 0.0], &[0.5, 0.5, 0.0]), 0.0);
    }
}
