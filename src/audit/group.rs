//! One group's results within an attribute: intervals on its rates, its
//! disparities against the reference with intervals and tests, its impact
//! ratio and average odds difference.

use std::fmt;

use crate::counts::Cell;
use crate::metrics::{disparity, favorable_rate, Disparity, Group, Parts, RateOf, Rates, Value};
use crate::spec::metric::Rate;
use crate::spec::{Favorable, StatOptions};
use crate::stats::{self, TestKind};

use super::Ci;

/// A significance test and its adjusted p-value.
#[derive(Clone, Debug, PartialEq)]
pub struct Test {
    /// The test's own p-value.
    pub p_value: f64,
    /// Adjusted across the report's family (its list of significant gaps);
    /// filled in once every test of the report is known.
    pub p_adjusted: f64,
    /// Which test.
    pub kind: TestKind,
}

/// Why a disparity has no test.
#[derive(Clone, Debug, PartialEq)]
pub enum Untested {
    /// The group is the reference.
    Reference,
    /// The group is too small to judge.
    InsufficientData(String),
    /// The group's rate is undefined.
    GroupUndefined(Rate),
    /// The reference's rate is undefined.
    ReferenceUndefined(Rate),
    /// The test itself is undefined.
    Undefined(Rate),
}

impl fmt::Display for Untested {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Untested::Reference => f.write_str("the reference group"),
            Untested::InsufficientData(why) => write!(f, "insufficient data: {why}"),
            Untested::GroupUndefined(r) => write!(f, "the group's {r} is undefined"),
            Untested::ReferenceUndefined(r) => write!(f, "the reference's {r} is undefined"),
            Untested::Undefined(r) => write!(f, "{r} undefined"),
        }
    }
}

/// A disparity with its intervals and, for the tested rates, its test.
#[derive(Clone, Debug)]
pub struct DisparityStats {
    /// The rate compared.
    pub rate: Rate,
    /// Difference and ratio against the reference.
    pub value: Disparity,
    /// Newcombe interval on the difference.
    pub difference_ci: Ci,
    /// Koopman score interval on the ratio.
    pub ratio_ci: Ci,
    /// The test, or why there is none.
    pub test: std::result::Result<Test, Untested>,
}

/// Whether a group is large enough to be judged.
#[derive(Clone, Debug, PartialEq)]
pub enum GroupStatus {
    /// Judged.
    Ok,
    /// Reported, not judged, and why.
    InsufficientData(String),
}

impl GroupStatus {
    /// Whether the group is judged.
    pub fn is_ok(&self) -> bool {
        *self == GroupStatus::Ok
    }

    /// Why the group is not judged, if it is not.
    pub fn reason(&self) -> Option<&str> {
        match self {
            GroupStatus::Ok => None,
            GroupStatus::InsufficientData(why) => Some(why),
        }
    }
}

/// One group's results within an attribute.
#[derive(Clone, Debug)]
pub struct GroupAudit {
    /// The group and its counts.
    pub group: Group,
    /// Share of the rows used.
    pub share: f64,
    /// Whether it is judged.
    pub status: GroupStatus,
    /// Kish's effective sample size of the group (the rows when unweighted).
    pub effective_n: f64,
    /// Interval on every rate (indexed like `Rate::ALL`).
    pub rate_ci: [Ci; 11],
    /// Difference and ratio against the reference, per rate (indexed like `Rate::ALL`).
    pub disparities: Vec<DisparityStats>,
    /// Favourable-outcome rate over the reference's (the four-fifths ratio).
    pub impact_ratio: Value,
    /// Koopman score interval on the impact ratio.
    pub impact_ratio_ci: Ci,
    /// ½((fpr − fpr_ref) + (tpr − tpr_ref)), AIF360's average odds difference.
    pub average_odds_difference: Value,
    /// Whether this group is the reference.
    pub is_reference: bool,
    /// Score metrics, when a score column is audited.
    pub score: Option<crate::metrics::score::ScoreMetrics>,
}

impl GroupAudit {
    /// The disparity on one rate.
    pub fn disparity(&self, rate: Rate) -> &DisparityStats {
        &self.disparities[rate as usize]
    }
}

/// What a group is compared with: the reference group's counts, or the
/// whole data set's (then the comparison is with the rest of the data).
pub(crate) enum RefCounts {
    Group(Cell),
    Overall(Cell),
}

impl RefCounts {
    fn cell(&self) -> &Cell {
        match self {
            RefCounts::Group(c) | RefCounts::Overall(c) => c,
        }
    }
}

/// The reference of an attribute: its rates and counts.
pub(crate) struct RefData {
    pub rates: Rates,
    pub counts: RefCounts,
}

/// Intervals on every rate of a cell.
pub(crate) fn rate_cis(cell: &Cell, opts: &StatOptions) -> [Ci; 11] {
    Rate::ALL.map(|r| {
        let (x, n) = r.parts(cell).effective()?;
        stats::rate_ci(opts.ci_method, x, n, opts.ci_level)
    })
}

/// Kish's effective size of a whole cell.
pub(crate) fn effective_n(c: &Cell) -> f64 {
    let w: f64 = c.w.iter().sum();
    let w2: f64 = c.w2.iter().sum();
    if w2 > 0.0 {
        w * w / w2
    } else {
        0.0
    }
}

/// Favourable-outcome successes and trials of a cell, in effective units.
fn favorable_effective(c: &Cell, favorable: Favorable) -> Option<(f64, f64)> {
    let (x, n) = Rate::SelectionRate.parts(c).effective()?;
    Some(match favorable {
        Favorable::Positive => (x, n),
        Favorable::Negative => (n - x, n),
    })
}

/// The test of one group's rate against the reference.
fn test_of(
    rate: Rate,
    status: &GroupStatus,
    is_ref: bool,
    group: Option<(f64, f64)>,
    other: Option<(f64, f64)>,
) -> std::result::Result<Test, Untested> {
    if is_ref {
        return Err(Untested::Reference);
    }
    if let GroupStatus::InsufficientData(why) = status {
        return Err(Untested::InsufficientData(why.clone()));
    }
    match (group, other) {
        (Some((x1, n1)), Some((x2, n2))) => stats::compare_proportions(x1, n1, x2, n2)
            .map(|(p, kind)| Test {
                p_value: p,
                p_adjusted: p,
                kind,
            })
            .ok_or(Untested::Undefined(rate)),
        (None, _) => Err(Untested::GroupUndefined(rate)),
        (_, None) => Err(Untested::ReferenceUndefined(rate)),
    }
}

/// Intervals and test of one group's disparity on one rate.
fn disparity_stats(
    rate: Rate,
    g: &Group,
    status: &GroupStatus,
    is_ref: bool,
    reference: &RefData,
    opts: &StatOptions,
) -> DisparityStats {
    let value = disparity(rate, g.rates.get(rate), reference.rates.get(rate));
    let pg = rate.parts(&g.cell);
    let level = opts.ci_level;
    // The comparison group for intervals and tests: the reference group, or
    // with the overall reference the rest of the data (the group is part of
    // the whole, so it is not independent of it).
    let (other, scale) = match &reference.counts {
        RefCounts::Group(c) => (rate.parts(c), 1.0),
        RefCounts::Overall(all) => {
            let rest = all.minus(&g.cell);
            let s = if rate.parts(all).den > 0.0 {
                pg.den / rate.parts(all).den
            } else {
                0.0
            };
            (rate.parts(&rest), 1.0 - s)
        }
    };
    let eff = |p: &Parts| p.effective();
    let (difference_ci, ratio_ci) = match (eff(&pg), eff(&other)) {
        (Some((x1, n1)), Some((x2, n2))) if !is_ref => {
            let d = stats::newcombe_diff(x1, n1, x2, n2, level)
                .map(|(lo, hi)| (lo * scale, hi * scale));
            let r = match reference.counts {
                RefCounts::Group(_) if value.ratio.get().is_some() => {
                    stats::koopman_ratio(x1, n1, x2, n2, level)
                }
                _ => None,
            };
            (d, r)
        }
        _ => (None, None),
    };
    DisparityStats {
        rate,
        test: test_of(rate, status, is_ref, eff(&pg), eff(&other)),
        value,
        difference_ci,
        ratio_ci,
    }
}

/// The impact ratio of a group and its interval.
fn impact_ratio(
    g: &Group,
    is_ref: bool,
    reference: &RefData,
    favorable: Favorable,
    level: f64,
) -> (Value, Ci) {
    let ref_rate = favorable_rate(&reference.rates, favorable);
    let value = match (favorable_rate(&g.rates, favorable), ref_rate) {
        (Some(f), Some(r)) if r > 0.0 => Value::Defined(f / r),
        (Some(_), Some(_)) => {
            Value::Undefined("the reference's favourable-outcome rate is 0".into())
        }
        (None, _) => Value::Undefined("the group's selection_rate is undefined".into()),
        (_, None) => Value::Undefined("the reference's selection_rate is undefined".into()),
    };
    let ref_fav = favorable_effective(reference.counts.cell(), favorable);
    let ci = match (&reference.counts, value.get(), ref_fav) {
        (RefCounts::Group(_), Some(_), Some((x2, n2))) if !is_ref => {
            favorable_effective(&g.cell, favorable)
                .and_then(|(x1, n1)| stats::koopman_ratio(x1, n1, x2, n2, level))
        }
        _ => None,
    };
    (value, ci)
}

/// ½((fpr − fpr_ref) + (tpr − tpr_ref)), or why it is undefined.
fn average_odds(g: &Rates, r: &Rates) -> Value {
    match (
        g.get(Rate::Tpr),
        g.get(Rate::Fpr),
        r.get(Rate::Tpr),
        r.get(Rate::Fpr),
    ) {
        (Some(t), Some(f), Some(rt), Some(rf)) => Value::Defined(0.5 * ((f - rf) + (t - rt))),
        (None, ..) | (_, None, ..) => {
            Value::Undefined("the group's tpr or fpr is undefined".into())
        }
        _ => Value::Undefined("the reference's tpr or fpr is undefined".into()),
    }
}

/// Everything about one group of an attribute.
pub(crate) struct GroupContext<'a> {
    pub reference: &'a RefData,
    pub opts: &'a StatOptions,
    pub favorable: Favorable,
    pub rows_used: f64,
    pub calibration_bins: Option<usize>,
}

/// Assembles one group's results.
pub(crate) fn group_audit(
    g: Group,
    status: GroupStatus,
    is_ref: bool,
    cx: &GroupContext,
) -> GroupAudit {
    let disparities = Rate::ALL
        .iter()
        .map(|&r| disparity_stats(r, &g, &status, is_ref, cx.reference, cx.opts))
        .collect();
    let (impact_ratio, impact_ratio_ci) =
        impact_ratio(&g, is_ref, cx.reference, cx.favorable, cx.opts.ci_level);
    GroupAudit {
        score: cx
            .calibration_bins
            .map(|k| crate::metrics::score::metrics(g.cell.hist.as_deref(), k)),
        share: if cx.rows_used > 0.0 {
            g.rows() as f64 / cx.rows_used
        } else {
            0.0
        },
        status,
        effective_n: effective_n(&g.cell),
        rate_ci: rate_cis(&g.cell, cx.opts),
        disparities,
        impact_ratio,
        impact_ratio_ci,
        average_odds_difference: average_odds(&g.rates, &cx.reference.rates),
        is_reference: is_ref,
        group: g,
    }
}
