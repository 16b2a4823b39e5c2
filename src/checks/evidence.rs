//! The evidence each finding is judged on: its own comparison, never a
//! p-value from another pair or from the rest of the report.
//!
//! A per-group finding rests on the test of that group against its reference
//! (or, with the overall reference, against the rest of the data). A summary
//! rests on the pair of groups that sets it — the highest and lowest group of
//! a range, the group with the lowest impact ratio and the reference — with a
//! Bonferroni correction for having picked that pair among the attribute's
//! m comparisons: its p-value times m, and its interval (Newcombe on a
//! difference, Koopman on a ratio) at level 1 − (1 − level)/m, a simultaneous
//! interval. The percentile bootstrap of a max − min statistic is not used to
//! judge: near parity it is biased upward (the range of noisy estimates is
//! positive even when every group is alike) and would call chance gaps
//! certain. A check that asks for a family adjusts its per-group p-values
//! within its own groups of one attribute.

use crate::audit::{AttributeAudit, Ci, GroupAudit};
use crate::counts::Cell;
use crate::metrics::RateOf;
use crate::spec::check::Family;
use crate::spec::metric::{Rate, Summary};
use crate::spec::Favorable;
use crate::stats::{self, PAdjust};

use super::judge::TestEvidence;

/// The test of two cells on a rate, in effective counts.
fn compare(a: &Cell, b: &Cell, rate: Rate) -> Option<(f64, &'static str)> {
    let (x1, n1) = rate.parts(a).effective()?;
    let (x2, n2) = rate.parts(b).effective()?;
    stats::compare_proportions(x1, n1, x2, n2).map(|(p, k)| (p, k.name()))
}

fn evidence(p: f64, kind: &str, a: &str, b: &str, m: usize) -> TestEvidence {
    TestEvidence {
        p,
        p_adjusted: (p * m.max(1) as f64).min(1.0),
        kind: kind.to_string(),
        pair: (a.to_string(), b.to_string()),
        adjustment: if m > 1 {
            format!("Bonferroni for the pair chosen among {m} comparisons")
        } else {
            String::new()
        },
    }
}

/// The test of one group against its reference on a rate, per comparison.
pub fn group_test(g: &GroupAudit, rate: Rate, reference: &str) -> Option<TestEvidence> {
    let t = g.disparity(rate).test.as_ref().ok()?;
    let other = if reference == "(overall)" {
        "the rest of the data"
    } else {
        reference
    };
    Some(evidence(t.p_value, t.kind.name(), &g.group.name, other, 1))
}

/// Adjusts the per-group tests of one check on one attribute within the
/// check's family.
pub fn adjust_family(tests: &mut [Option<TestEvidence>], family: Family) {
    let method = match family {
        Family::None => return,
        Family::Holm => PAdjust::Holm,
        Family::Bh => PAdjust::Bh,
        Family::By => PAdjust::By,
    };
    let ps: Vec<f64> = tests.iter().flatten().map(|t| t.p).collect();
    let adjusted = stats::p_adjust(&ps, method);
    let n = ps.len();
    for (t, p) in tests.iter_mut().flatten().zip(adjusted) {
        t.p_adjusted = p;
        t.adjustment = format!("{} within the check's {n} groups", method.label());
    }
}

/// The judged groups with the rate defined, by value.
fn defined(a: &AttributeAudit, rate: Rate) -> Vec<(&GroupAudit, f64)> {
    a.groups
        .iter()
        .filter(|g| g.status.is_ok())
        .filter_map(|g| g.group.rates.get(rate).map(|v| (g, v)))
        .collect()
}

/// The highest and lowest group of a rate's range, and the range.
fn extremes(a: &AttributeAudit, rate: Rate) -> Option<(&GroupAudit, &GroupAudit, f64, usize)> {
    let d = defined(a, rate);
    let hi = d.iter().max_by(|x, y| x.1.total_cmp(&y.1))?;
    let lo = d.iter().min_by(|x, y| x.1.total_cmp(&y.1))?;
    (d.len() >= 2).then_some((hi.0, lo.0, hi.1 - lo.1, d.len()))
}

/// The simultaneous interval of a pair: the difference (Newcombe) or the
/// ratio a / b (Koopman) at level 1 − (1 − level)/m.
fn pair_interval(a: &Cell, b: &Cell, rate: Rate, ratio: bool, m: usize, level: f64) -> Ci {
    let (x1, n1) = rate.parts(a).effective()?;
    let (x2, n2) = rate.parts(b).effective()?;
    let level = 1.0 - (1.0 - level) / m.max(1) as f64;
    if ratio {
        stats::koopman_ratio(x1, n1, x2, n2, level)
    } else {
        stats::newcombe_diff(x1, n1, x2, n2, level)
    }
}

/// The test and simultaneous interval of the pair that sets a range,
/// corrected for the k(k−1)/2 pairs (times `rates`) it was chosen among.
/// `ratio`: the summary is lowest over highest (else highest − lowest).
fn range_evidence(
    a: &AttributeAudit,
    rate: Rate,
    rates: usize,
    ratio: bool,
    level: f64,
) -> (Option<TestEvidence>, Ci) {
    let Some((hi, lo, _, k)) = extremes(a, rate) else {
        return (None, None);
    };
    let m = rates * k * (k - 1) / 2;
    let test = compare(&hi.group.cell, &lo.group.cell, rate)
        .map(|(p, kind)| evidence(p, kind, &hi.group.name, &lo.group.name, m));
    let ci = if ratio {
        pair_interval(&lo.group.cell, &hi.group.cell, rate, true, m, level)
    } else {
        pair_interval(&hi.group.cell, &lo.group.cell, rate, false, m, level)
    };
    (test, ci)
}

/// The cells a group is compared with: its reference group's, or the rest of
/// the data with the overall reference.
fn reference_cell(a: &AttributeAudit, g: &GroupAudit, overall: &Cell) -> (Cell, String) {
    match a.groups.iter().find(|r| r.is_reference) {
        Some(r) => (r.group.cell.clone(), r.group.name.clone()),
        None => (overall.minus(&g.group.cell), "the rest of the data".into()),
    }
}

/// The test of the group that sets a summary against the reference, on the
/// smallest p of `rates`, corrected for the groups and rates it was chosen
/// among; with `ratio`, the simultaneous interval of its favourable-rate ratio.
fn setter_evidence(
    a: &AttributeAudit,
    m: Summary,
    rates: &[Rate],
    overall: &Cell,
    favorable: Favorable,
    level: f64,
) -> (Option<TestEvidence>, Ci) {
    let Some(g) = a
        .summary
        .get(m)
        .group
        .as_ref()
        .and_then(|name| a.groups.iter().find(|g| &g.group.name == name))
    else {
        return (None, None);
    };
    let (rc, rname) = reference_cell(a, g, overall);
    let others = a
        .groups
        .iter()
        .filter(|g| g.status.is_ok() && !g.is_reference)
        .count();
    let n_cmp = rates.len() * others;
    let test = rates
        .iter()
        .filter_map(|r| compare(&g.group.cell, &rc, *r))
        .min_by(|x, y| x.0.total_cmp(&y.0))
        .map(|(p, kind)| evidence(p, kind, &g.group.name, &rname, n_cmp));
    let ci = match m {
        Summary::DisparateImpact => {
            let fav = |c: &Cell| {
                let (x, n) = Rate::SelectionRate.parts(c).effective()?;
                Some(match favorable {
                    Favorable::Positive => (x, n),
                    Favorable::Negative => (n - x, n),
                })
            };
            let level = 1.0 - (1.0 - level) / n_cmp.max(1) as f64;
            fav(&g.group.cell)
                .zip(fav(&rc))
                .and_then(|((x1, n1), (x2, n2))| stats::koopman_ratio(x1, n1, x2, n2, level))
        }
        _ => None,
    };
    (test, ci)
}

/// The test and interval that stand behind a summary (docs/governance.md).
pub fn summary_evidence(
    a: &AttributeAudit,
    m: Summary,
    overall: &Cell,
    favorable: Favorable,
    level: f64,
) -> (Option<TestEvidence>, Ci) {
    match m {
        Summary::DemographicParityDifference => {
            range_evidence(a, Rate::SelectionRate, 1, false, level)
        }
        Summary::DemographicParityRatio => range_evidence(a, Rate::SelectionRate, 1, true, level),
        Summary::DisparateImpact => {
            setter_evidence(a, m, &[Rate::SelectionRate], overall, favorable, level)
        }
        Summary::AverageOddsDifference => {
            setter_evidence(a, m, &[Rate::Tpr, Rate::Fpr], overall, favorable, level)
        }
        Summary::EqualOpportunityDifference => range_evidence(a, Rate::Tpr, 1, false, level),
        Summary::EqualizedOddsDifference => {
            // The rate whose range sets the summary.
            let tpr = extremes(a, Rate::Tpr).map(|e| e.2);
            let fpr = extremes(a, Rate::Fpr).map(|e| e.2);
            let rate = if fpr > tpr { Rate::Fpr } else { Rate::Tpr };
            range_evidence(a, rate, 2, false, level)
        }
        Summary::PredictiveParityDifference => range_evidence(a, Rate::Ppv, 1, false, level),
        Summary::AccuracyDifference => range_evidence(a, Rate::Accuracy, 1, false, level),
    }
}
