//! Threshold sweeps from the score histograms: selection rate, TPR and FPR by
//! group and the disparity summaries at every threshold, in milliseconds, and
//! the threshold ranges where the four-fifths rule holds and where one
//! threshold meets equal opportunity within a bound. Rates are unweighted
//! counts (the histograms count rows).

use serde::Serialize;

use crate::audit::{AttributeAudit, AuditResult};
use crate::metrics::score::confusion_at;
use crate::spec::Favorable;

/// (group, selection rate, tpr, fpr) at one threshold.
pub type GroupRates = (String, Option<f64>, Option<f64>, Option<f64>);

/// One threshold of one attribute.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Point {
    /// The threshold (predicted positive when score >= threshold).
    pub threshold: f64,
    /// (group, selection rate, tpr, fpr) of every group with scores.
    pub groups: Vec<GroupRates>,
    /// max − min selection rate over judged groups.
    pub demographic_parity_difference: Option<f64>,
    /// The lowest favourable-outcome ratio to the reference.
    pub disparate_impact: Option<f64>,
    /// max − min TPR over judged groups.
    pub equal_opportunity_difference: Option<f64>,
    /// The larger of the TPR and FPR ranges.
    pub equalized_odds_difference: Option<f64>,
}

/// The sweep of one attribute.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sweep {
    /// The attribute swept.
    pub attribute: String,
    /// Its reference group.
    pub reference: String,
    /// One point per threshold.
    pub points: Vec<Point>,
    /// Threshold intervals [from, to] (grid points) where disparate impact
    /// >= 0.8; `None` when it is undefined (no reference group: `--reference
    /// overall` compares groups with the whole data set, not with a group).
    pub four_fifths_holds: Option<Vec<[f64; 2]>>,
    /// Threshold intervals where the equal opportunity difference <= the bound.
    pub equal_opportunity_within: Vec<[f64; 2]>,
    /// The bound used for `equal_opportunity_within`.
    pub equal_opportunity_bound: f64,
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn range(v: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let v: Vec<f64> = v.flatten().collect();
    (v.len() >= 2).then(|| {
        v.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
            - v.iter().cloned().fold(f64::INFINITY, f64::min)
    })
}

fn intervals(points: &[Point], ok: impl Fn(&Point) -> bool) -> Vec<[f64; 2]> {
    let mut out: Vec<[f64; 2]> = vec![];
    let mut open: Option<f64> = None;
    let mut last = 0.0;
    for p in points {
        if ok(p) {
            open.get_or_insert(p.threshold);
            last = p.threshold;
        } else if let Some(s) = open.take() {
            out.push([s, last]);
        }
    }
    if let Some(s) = open {
        out.push([s, last]);
    }
    out
}

/// Sweeps one attribute over thresholds 0, step, 2·step, …, 1.
pub fn sweep_attribute(
    a: &AttributeAudit,
    favorable: Favorable,
    step: f64,
    eo_bound: f64,
) -> Sweep {
    let n = (1.0 / step).round() as usize;
    let mut points = vec![];
    for i in 0..=n {
        let t = (i as f64 * step).min(1.0);
        let mut groups = vec![];
        let mut judged = vec![];
        let mut ref_fav = None;
        for g in &a.groups {
            let Some(h) = g.group.cell.hist.as_deref() else {
                continue;
            };
            let (tp, fp, tn, fn_) = confusion_at(h, t);
            let sr = ratio(tp + fp, tp + fp + tn + fn_);
            let tpr = ratio(tp, tp + fn_);
            let fpr = ratio(fp, fp + tn);
            let fav = sr.map(|s| match favorable {
                Favorable::Positive => s,
                Favorable::Negative => 1.0 - s,
            });
            if g.is_reference {
                ref_fav = fav;
            }
            if g.status.is_ok() {
                judged.push((g.is_reference, sr, tpr, fpr, fav));
            }
            groups.push((g.group.name.clone(), sr, tpr, fpr));
        }
        let di = ref_fav.filter(|r| *r > 0.0).and_then(|r| {
            judged
                .iter()
                .filter(|j| !j.0)
                .filter_map(|j| j.4.map(|f| f / r))
                .min_by(f64::total_cmp)
        });
        let eo = range(judged.iter().map(|j| j.2));
        let fr = range(judged.iter().map(|j| j.3));
        points.push(Point {
            threshold: t,
            groups,
            demographic_parity_difference: range(judged.iter().map(|j| j.1)),
            disparate_impact: di,
            equal_opportunity_difference: eo,
            equalized_odds_difference: match (eo, fr) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            },
        });
    }
    Sweep {
        attribute: a.name.clone(),
        reference: a.reference_name.clone(),
        four_fifths_holds: a
            .groups
            .iter()
            .any(|g| g.is_reference)
            .then(|| intervals(&points, |p| p.disparate_impact.is_some_and(|d| d >= 0.8))),
        equal_opportunity_within: intervals(&points, |p| {
            p.equal_opportunity_difference
                .is_some_and(|d| d <= eo_bound)
        }),
        equal_opportunity_bound: eo_bound,
        points,
    }
}

/// Sweeps every attribute of a scored audit.
pub fn sweep(audit: &AuditResult, step: f64, eo_bound: f64) -> Vec<Sweep> {
    audit
        .attributes
        .iter()
        .map(|a| sweep_attribute(a, audit.spec.favorable, step, eo_bound))
        .collect()
}

/// A readable table of one sweep (every `every`-th threshold).
pub fn table(s: &Sweep, every: usize) -> String {
    use std::fmt::Write;
    let mut out = format!(
        "{} (reference {}): four-fifths rule holds for thresholds {}; equal opportunity within {} for {}\n",
        s.attribute,
        s.reference,
        s.four_fifths_holds
            .as_deref()
            .map_or("undefined (no reference group)".to_string(), fmt_ranges),
        s.equal_opportunity_bound,
        fmt_ranges(&s.equal_opportunity_within)
    );
    let names: Vec<&str> = s
        .points
        .first()
        .map_or(vec![], |p| p.groups.iter().map(|g| g.0.as_str()).collect());
    let _ = write!(
        out,
        "{:>6}  {:>7} {:>7} {:>7}",
        "t", "DP diff", "DI", "EO diff"
    );
    for n in &names {
        let _ = write!(
            out,
            "  {:>18}",
            format!("{} sel/tpr", n.chars().take(10).collect::<String>())
        );
    }
    out.push('\n');
    let f = |v: Option<f64>| v.map_or("—".to_string(), |x| format!("{x:.3}"));
    for p in s.points.iter().step_by(every.max(1)) {
        let _ = write!(
            out,
            "{:>6.2}  {:>7} {:>7} {:>7}",
            p.threshold,
            f(p.demographic_parity_difference),
            f(p.disparate_impact),
            f(p.equal_opportunity_difference)
        );
        for g in &p.groups {
            let _ = write!(out, "  {:>18}", format!("{}/{}", f(g.1), f(g.2)));
        }
        out.push('\n');
    }
    out
}

/// "0.30–0.52, 0.60–0.61" or "none".
pub fn fmt_ranges(r: &[[f64; 2]]) -> String {
    if r.is_empty() {
        return "none".into();
    }
    r.iter()
        .map(|[a, b]| format!("{a:.2}–{b:.2}"))
        .collect::<Vec<_>>()
        .join(", ")
}
