//! Stratified 2×2 tables: the Mantel–Haenszel common odds ratio with the
//! Robins–Breslow–Greenland interval, and the Cochran–Mantel–Haenszel test
//! of a common odds ratio of 1 (statsmodels `StratifiedTable`:
//! `oddsratio_pooled`, `oddsratio_pooled_confint`, `test_null_odds`).

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

/// The result of a Mantel–Haenszel analysis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MantelHaenszel {
    /// The common odds ratio.
    pub odds_ratio: f64,
    /// Its Robins–Breslow–Greenland interval, when the variance is defined.
    pub ci: Option<(f64, f64)>,
    /// The continuity-corrected CMH statistic (1 degree of freedom).
    pub statistic: f64,
    /// Its p-value.
    pub p_value: f64,
}

/// The analysis of tables [a, b, c, d] (a, b: the group selected / not; c, d:
/// the reference selected / not). Tables with fewer than 2 rows are skipped.
/// The continuity correction subtracts ½ from |Σa − ΣE(a)| without clamping
/// at 0, as statsmodels does. `None` when no odds ratio is defined.
pub fn mantel_haenszel(tables: &[[f64; 4]], level: f64) -> Option<MantelHaenszel> {
    let (mut r, mut s, mut sa, mut ea, mut va) = (0.0, 0.0, 0.0, 0.0, 0.0);
    // Robins–Breslow–Greenland sums.
    let (mut pr, mut ps_qr, mut qs) = (0.0, 0.0, 0.0);
    let mut used = 0;
    for &[a, b, c, d] in tables {
        let n = a + b + c + d;
        if n < 2.0 {
            continue;
        }
        used += 1;
        let (rk, sk) = (a * d / n, b * c / n);
        let (p, q) = ((a + d) / n, (b + c) / n);
        r += rk;
        s += sk;
        pr += p * rk;
        ps_qr += p * sk + q * rk;
        qs += q * sk;
        sa += a;
        ea += (a + b) * (a + c) / n;
        va += (a + b) * (c + d) * (a + c) * (b + d) / (n * n * (n - 1.0));
    }
    if used == 0 || s <= 0.0 || va <= 0.0 {
        return None;
    }
    let or = r / s;
    let var_log = pr / (2.0 * r * r) + ps_qr / (2.0 * r * s) + qs / (2.0 * s * s);
    let z = Normal::new(0.0, 1.0)
        .ok()?
        .inverse_cdf(1.0 - (1.0 - level) / 2.0);
    let ci = (r > 0.0 && var_log > 0.0).then(|| {
        let h = z * var_log.sqrt();
        ((or.ln() - h).exp(), (or.ln() + h).exp())
    });
    let statistic = ((sa - ea).abs() - 0.5).powi(2) / va;
    let p_value = ChiSquared::new(1.0).ok()?.sf(statistic);
    Some(MantelHaenszel {
        odds_ratio: or,
        ci,
        statistic,
        p_value,
    })
}
