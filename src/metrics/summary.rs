//! Per-attribute summaries of the group disparities (max − min, min / max,
//! the lowest impact ratio, ...), with the reason whenever one is undefined.

use crate::spec::metric::{Rate, Summary};
use crate::spec::Favorable;

use super::groups::Group;
use super::rates::{favorable_rate, RateOf, Rates, Value};

/// A summary value, possibly undefined, with the group it comes from where
/// that matters (disparate impact, average odds).
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryValue {
    /// The value, or why there is none.
    pub value: Value,
    /// The group that sets it, for disparate impact and average odds.
    pub group: Option<String>,
}

impl SummaryValue {
    /// An undefined summary.
    pub fn undefined(why: impl Into<String>) -> Self {
        SummaryValue {
            value: Value::Undefined(why.into()),
            group: None,
        }
    }
    fn defined(v: f64, group: Option<String>) -> Self {
        SummaryValue {
            value: Value::Defined(v),
            group,
        }
    }
}

/// Every summary of one attribute.
#[derive(Clone, Debug, PartialEq)]
pub struct Summaries {
    /// Indexed by `Summary as usize`.
    pub values: [SummaryValue; 8],
    /// Whether disparate impact is at least 0.8.
    pub four_fifths_rule_passed: Option<bool>,
    /// Groups left out of a rate's summaries, by rate (in name order): (group, reason).
    pub left_out: Vec<(Rate, Vec<(String, String)>)>,
}

impl Summaries {
    /// One summary.
    pub fn get(&self, m: Summary) -> &SummaryValue {
        &self.values[m as usize]
    }

    /// Every summary with its value, in report order.
    pub fn iter(&self) -> impl Iterator<Item = (Summary, &SummaryValue)> {
        Summary::ALL.into_iter().zip(self.values.iter())
    }
}

/// (min, max) of a rate over the included groups, and how many have it.
fn range(rates: &[&Rates], included: &[bool], rate: Rate) -> (Option<(f64, f64)>, usize) {
    let mut n = 0;
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (r, &inc) in rates.iter().zip(included) {
        if let (true, Some(v)) = (inc, r.get(rate)) {
            n += 1;
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    ((n >= 2).then_some((lo, hi)), n)
}

/// The summary values of one attribute as numbers only: (value, index of the
/// group it comes from), indexed by `Summary as usize`. The hot path of the
/// bootstrap; [`summarize`] adds the reasons and names.
pub fn summary_values(
    rates: &[&Rates],
    included: &[bool],
    ref_rates: &Rates,
    ref_index: Option<usize>,
    favorable: Favorable,
) -> [(Option<f64>, Option<usize>); 8] {
    let sr = range(rates, included, Rate::SelectionRate).0;
    let tpr = range(rates, included, Rate::Tpr).0;
    let fpr = range(rates, included, Rate::Fpr).0;
    let ppv = range(rates, included, Rate::Ppv).0;
    let acc = range(rates, included, Rate::Accuracy).0;
    let others = || {
        rates
            .iter()
            .enumerate()
            .filter(move |(i, _)| included[*i] && Some(*i) != ref_index)
    };
    let di = match favorable_rate(ref_rates, favorable) {
        Some(r) if r > 0.0 => others()
            .filter_map(|(i, g)| favorable_rate(g, favorable).map(|f| (f / r, i)))
            .min_by(|a, b| a.0.total_cmp(&b.0)),
        _ => None,
    };
    let aod = match (ref_rates.get(Rate::Tpr), ref_rates.get(Rate::Fpr)) {
        (Some(rt), Some(rf)) => others()
            .filter_map(|(i, g)| {
                let t = g.get(Rate::Tpr)?;
                let f = g.get(Rate::Fpr)?;
                Some((0.5 * ((f - rf) + (t - rt)), i))
            })
            .max_by(|a, b| a.0.abs().total_cmp(&b.0.abs())),
        _ => None,
    };
    let diff = |r: Option<(f64, f64)>| (r.map(|(lo, hi)| hi - lo), None);
    let mut out = [(None, None); 8];
    for m in Summary::ALL {
        out[m as usize] = match m {
            Summary::DemographicParityDifference => diff(sr),
            Summary::DemographicParityRatio => {
                (sr.and_then(|(lo, hi)| (hi > 0.0).then(|| lo / hi)), None)
            }
            Summary::DisparateImpact => (di.map(|d| d.0), di.map(|d| d.1)),
            Summary::EqualOpportunityDifference => diff(tpr),
            Summary::EqualizedOddsDifference => (
                tpr.zip(fpr).map(|((a, b), (c, d))| (b - a).max(d - c)),
                None,
            ),
            Summary::AverageOddsDifference => (aod.map(|d| d.0), aod.map(|d| d.1)),
            Summary::PredictiveParityDifference => diff(ppv),
            Summary::AccuracyDifference => diff(acc),
        };
    }
    out
}

/// The rates whose undefined or excluded groups a summary leaves out.
const SUMMARIZED_RATES: [Rate; 5] = [
    Rate::SelectionRate,
    Rate::Tpr,
    Rate::Fpr,
    Rate::Ppv,
    Rate::Accuracy,
];

/// Computes the summaries of one attribute.
///
/// `included` are the groups that enter summaries (large enough to be judged);
/// the others are listed as left out with `exclusion_reason`. `ref_rates` are
/// the reference's rates; `ref_index` its position among `groups` when it is a
/// group.
pub fn summarize(
    groups: &[Group],
    included: &[bool],
    exclusion_reason: &dyn Fn(&Group) -> String,
    ref_rates: &Rates,
    ref_index: Option<usize>,
    favorable: Favorable,
) -> Summaries {
    let mut left_out = vec![];
    for rate in SUMMARIZED_RATES {
        let mut v = vec![];
        for (g, &i) in groups.iter().zip(included) {
            if !i {
                v.push((g.name.clone(), exclusion_reason(g)));
            } else if g.rates.get(rate).is_none() {
                v.push((g.name.clone(), rate.undefined_reason(&g.cell).to_string()));
            }
        }
        if !v.is_empty() {
            left_out.push((rate, v));
        }
    }
    left_out.sort_by_key(|(r, _)| r.name());

    let rates: Vec<&Rates> = groups.iter().map(|g| &g.rates).collect();
    let core = summary_values(&rates, included, ref_rates, ref_index, favorable);
    let count = |rate: Rate| range(&rates, included, rate).1;
    let has_others = groups
        .iter()
        .enumerate()
        .any(|(i, _)| included[i] && Some(i) != ref_index);
    let reason = |m: Summary| -> String {
        match m {
            Summary::DemographicParityDifference => {
                too_few(Rate::SelectionRate, count(Rate::SelectionRate))
            }
            Summary::DemographicParityRatio if count(Rate::SelectionRate) >= 2 => {
                "every group has a selection_rate of 0".into()
            }
            Summary::DemographicParityRatio => {
                too_few(Rate::SelectionRate, count(Rate::SelectionRate))
            }
            Summary::DisparateImpact => match favorable_rate(ref_rates, favorable) {
                None => "the reference's selection_rate is undefined".into(),
                Some(r) if r <= 0.0 => "the reference's favourable-outcome rate is 0".into(),
                _ if !has_others => "no group besides the reference to compare".into(),
                _ => "no group besides the reference has a defined selection_rate".into(),
            },
            Summary::EqualOpportunityDifference => too_few(Rate::Tpr, count(Rate::Tpr)),
            Summary::EqualizedOddsDifference if count(Rate::Tpr) < 2 => {
                too_few(Rate::Tpr, count(Rate::Tpr))
            }
            Summary::EqualizedOddsDifference => too_few(Rate::Fpr, count(Rate::Fpr)),
            Summary::AverageOddsDifference => {
                if ref_rates.get(Rate::Tpr).is_none() || ref_rates.get(Rate::Fpr).is_none() {
                    "the reference's tpr or fpr is undefined".into()
                } else if !has_others {
                    "no group besides the reference to compare".into()
                } else {
                    "no group besides the reference has both tpr and fpr defined".into()
                }
            }
            Summary::PredictiveParityDifference => too_few(Rate::Ppv, count(Rate::Ppv)),
            Summary::AccuracyDifference => too_few(Rate::Accuracy, count(Rate::Accuracy)),
        }
    };
    let values = Summary::ALL.map(|m| {
        let (v, gi) = core[m as usize];
        match v {
            Some(v) => SummaryValue::defined(v, gi.map(|i| groups[i].name.clone())),
            None => SummaryValue::undefined(reason(m)),
        }
    });
    let four_fifths = values[Summary::DisparateImpact as usize]
        .value
        .get()
        .map(|v| v >= 0.8);
    Summaries {
        values,
        four_fifths_rule_passed: four_fifths,
        left_out,
    }
}

fn too_few(rate: Rate, found: usize) -> String {
    format!(
        "fewer than two groups have a defined {} ({found} found)",
        rate.name()
    )
}
