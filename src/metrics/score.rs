//! Score-based metrics from per-cell score histograms: ROC AUC, class balance,
//! calibration (reliability table, expected calibration error), Brier score,
//! and confusion counts at any threshold — never a second pass over rows. The
//! histograms themselves (and the binning rule) are in `counts::hist`.

use serde::Serialize;

use crate::counts::hist::ScoreHist;
use crate::spec::metric::ScoreSummary;

use super::rates::Value;

/// ROC AUC from histograms: P(score of a positive > score of a negative) +
/// ½ P(same bin). Exact when every distinct score has its own bin; otherwise
/// off by at most half the probability mass of pairs sharing a bin. `None`
/// when a label is absent.
pub fn auc(h: &ScoreHist) -> Option<f64> {
    let (neg, pos) = (&h.bins[0], &h.bins[1]);
    let (n0, n1) = (h.count(0), h.count(1));
    if n0 == 0 || n1 == 0 {
        return None;
    }
    let mut below = 0f64; // negatives in lower bins
    let mut s = 0f64;
    for b in 0..neg.len() {
        s += pos[b] as f64 * (below + 0.5 * neg[b] as f64);
        below += neg[b] as f64;
    }
    Some(s / (n0 as f64 * n1 as f64))
}

/// Mean score among rows of a label (from the sums; within 5e-10).
pub fn mean_score(h: &ScoreHist, label: usize) -> Option<f64> {
    let n = h.count(label);
    (n > 0).then(|| h.sum(label) / n as f64)
}

/// Brier score: mean of (s − y)², from the sums (within 1e-9).
pub fn brier(h: &ScoreHist) -> Option<f64> {
    let n = h.count(0) + h.count(1);
    if n == 0 {
        return None;
    }
    let sq = h.sum2(0) + (h.sum2(1) - 2.0 * h.sum(1) + h.count(1) as f64);
    Some(sq / n as f64)
}

/// One row of a reliability table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CalibrationBin {
    /// Lower edge of the bin.
    pub lower: f64,
    /// Upper edge of the bin.
    pub upper: f64,
    /// Rows in the bin.
    pub n: u64,
    /// Mean score in the bin (from histogram bin midpoints, a score of
    /// exactly 1 as 1: within half a histogram bin of the exact mean).
    pub mean_predicted: Option<f64>,
    /// Share of actual positives.
    pub observed_rate: Option<f64>,
}

/// The reliability table over `k` equal-width calibration bins (each a run of
/// histogram bins; `k` must divide the histogram's bins for exact edges).
pub fn reliability(h: &ScoreHist, k: usize) -> Vec<CalibrationBin> {
    let nb = h.n_bins();
    let per = nb / k.max(1);
    (0..k)
        .map(|c| {
            let lo = c * per;
            // The last calibration bin also holds the scores equal to 1.
            let hi = if c + 1 == k { nb + 1 } else { (c + 1) * per };
            let mut n = 0u64;
            let mut pos = 0u64;
            let mut mass = 0f64;
            for b in lo..hi {
                let m = h.bins[0][b] + h.bins[1][b];
                n += m;
                pos += h.bins[1][b];
                // A bin's midpoint stands for its scores; the slot of exact
                // 1s is exactly 1.
                let mid = if b == nb {
                    1.0
                } else {
                    (b as f64 + 0.5) / nb as f64
                };
                mass += m as f64 * mid;
            }
            CalibrationBin {
                lower: lo as f64 / nb as f64,
                upper: (hi.min(nb)) as f64 / nb as f64,
                n,
                mean_predicted: (n > 0).then(|| mass / n as f64),
                observed_rate: (n > 0).then(|| pos as f64 / n as f64),
            }
        })
        .collect()
}

/// Expected calibration error: Σ_b (n_b / n) |observed_b − predicted_b|.
pub fn ece(table: &[CalibrationBin]) -> Option<f64> {
    let n: u64 = table.iter().map(|b| b.n).sum();
    if n == 0 {
        return None;
    }
    Some(
        table
            .iter()
            .filter_map(|b| Some(b.n as f64 * (b.observed_rate? - b.mean_predicted?).abs()))
            .sum::<f64>()
            / n as f64,
    )
}

/// Confusion counts at threshold t (predicted positive when score >= t):
/// (tp, fp, tn, fn). Exact when t lies on the bin grid.
pub fn confusion_at(h: &ScoreHist, t: f64) -> (u64, u64, u64, u64) {
    let nb = h.n_bins();
    let cut = ((t * nb as f64 - 1e-9).ceil().max(0.0) as usize).min(nb + 1);
    let above = |l: usize| h.bins[l][cut..].iter().sum::<u64>();
    let (p1, p0) = (above(1), above(0));
    (p1, p0, h.count(0) - p0, h.count(1) - p1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counts::hist::bin_of;

    fn hist(scores: &[(f64, usize)], nb: usize) -> ScoreHist {
        let mut h = ScoreHist::new(nb);
        for &(s, y) in scores {
            h.bins[y][bin_of(s, nb)] += 1;
            h.sum_e9[y] += (s * 1e9 + 0.5) as i128;
            h.sum2_e9[y] += (s * s * 1e9 + 0.5) as i128;
        }
        h
    }

    #[test]
    fn bins_at_edges() {
        assert_eq!(bin_of(0.0, 1000), 0);
        assert_eq!(bin_of(1.0, 1000), 1000);
        assert_eq!(bin_of(0.9995, 1000), 999);
        assert_eq!(bin_of(0.29, 1000), 290); // 0.29·1000 = 289.99999999999997
        assert_eq!(bin_of(0.5, 10), 5);
    }

    #[test]
    fn auc_by_hand() {
        // positives 0.9, 0.6; negatives 0.6, 0.2 -> pairs: (0.9>0.6)(0.9>0.2)(0.6=0.6)(0.6>0.2) = 3.5/4
        let h = hist(&[(0.9, 1), (0.6, 1), (0.6, 0), (0.2, 0)], 1000);
        assert!((auc(&h).unwrap() - 0.875).abs() < 1e-12);
        assert!(auc(&hist(&[(0.9, 1)], 10)).is_none());
        // Brier: (0.1² + 0.4² + 0.6² + 0.2²)/4
        assert!((brier(&h).unwrap() - (0.01 + 0.16 + 0.36 + 0.04) / 4.0).abs() < 1e-12);
        assert!((mean_score(&h, 1).unwrap() - 0.75).abs() < 1e-12);
    }

    #[test]
    fn thresholds_on_the_grid_are_exact() {
        let h = hist(&[(0.5, 1), (0.49, 0), (0.5, 0), (1.0, 1), (0.0, 0)], 1000);
        assert_eq!(confusion_at(&h, 0.5), (2, 1, 2, 0));
        assert_eq!(confusion_at(&h, 0.0), (2, 3, 0, 0));
        assert_eq!(confusion_at(&h, 1.0), (1, 0, 3, 1));
    }

    #[test]
    fn reliability_and_ece() {
        let h = hist(&[(0.05, 0), (0.05, 1), (0.95, 1), (0.95, 1)], 1000);
        let t = reliability(&h, 10);
        assert_eq!(t.len(), 10);
        assert_eq!(t[0].n, 2);
        assert_eq!(t[0].observed_rate, Some(0.5));
        assert!((t[0].mean_predicted.unwrap() - 0.0505).abs() < 1e-9);
        assert_eq!(t[5].n, 0);
        // ECE = ½|0.5 − 0.0505| + ½|1 − 0.9505|
        assert!((ece(&t).unwrap() - (0.5 * 0.4495 + 0.5 * 0.0495)).abs() < 1e-9);
    }
}

/// Score metrics of one group.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreMetrics {
    /// ROC AUC.
    pub auc: Value,
    /// Mean score of actual positives.
    pub mean_score_positive: Value,
    /// Mean score of actual negatives.
    pub mean_score_negative: Value,
    /// Brier score.
    pub brier: Value,
    /// Expected calibration error.
    pub ece: Value,
    /// The reliability table.
    pub reliability: Vec<CalibrationBin>,
}

fn val(v: Option<f64>, why: &str) -> Value {
    match v {
        Some(x) => Value::Defined(x),
        None => Value::Undefined(why.to_string()),
    }
}

/// The score metrics of a group's histogram.
pub fn metrics(h: Option<&ScoreHist>, calibration_bins: usize) -> ScoreMetrics {
    let empty = ScoreHist::new(calibration_bins.max(1));
    let h = h.unwrap_or(&empty);
    let (n0, n1) = (h.count(0), h.count(1));
    let table = reliability(h, calibration_bins);
    ScoreMetrics {
        auc: val(
            auc(h),
            match (n0, n1) {
                (0, 0) => "no scored rows in group",
                (0, _) => "no actual negatives in group: AUC needs both labels",
                _ => "no actual positives in group: AUC needs both labels",
            },
        ),
        mean_score_positive: val(mean_score(h, 1), "no actual positives in group"),
        mean_score_negative: val(mean_score(h, 0), "no actual negatives in group"),
        brier: val(brier(h), "no scored rows in group"),
        ece: val(ece(&table), "no scored rows in group"),
        reliability: table,
    }
}

fn range(vals: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let v: Vec<f64> = vals.flatten().collect();
    if v.len() < 2 {
        return None;
    }
    let hi = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
    Some(hi - lo)
}

/// Score summaries over judged groups: max − min AUC and class balances, and
/// the calibration gap: over calibration bins where two or more groups have
/// rows, the range of the groups' observed rates, averaged with the bin's
/// rows as weights.
pub fn summaries(groups: &[&ScoreMetrics]) -> Vec<(ScoreSummary, Value)> {
    let auc = range(groups.iter().map(|g| g.auc.get()));
    let pos = range(groups.iter().map(|g| g.mean_score_positive.get()));
    let neg = range(groups.iter().map(|g| g.mean_score_negative.get()));
    let nbins = groups.first().map_or(0, |g| g.reliability.len());
    let (mut num, mut den) = (0.0, 0.0);
    for b in 0..nbins {
        let rates: Vec<(f64, u64)> = groups
            .iter()
            .filter_map(|g| {
                let c = &g.reliability[b];
                c.observed_rate.map(|r| (r, c.n))
            })
            .collect();
        if rates.len() >= 2 {
            let w: u64 = rates.iter().map(|r| r.1).sum();
            let hi = rates.iter().map(|r| r.0).fold(f64::NEG_INFINITY, f64::max);
            let lo = rates.iter().map(|r| r.0).fold(f64::INFINITY, f64::min);
            num += w as f64 * (hi - lo);
            den += w as f64;
        }
    }
    let why = "fewer than two judged groups have it defined";
    vec![
        (ScoreSummary::AucDifference, val(auc, why)),
        (
            ScoreSummary::CalibrationGap,
            val(
                (den > 0.0).then(|| num / den),
                "no calibration bin holds rows of two judged groups",
            ),
        ),
        (ScoreSummary::PositiveClassBalanceDifference, val(pos, why)),
        (ScoreSummary::NegativeClassBalanceDifference, val(neg, why)),
    ]
}
