//! Pure functions from counts to fairness metrics: per-group rates, disparities
//! against a reference, and per-attribute summaries. Definitions are in
//! `docs/metrics.md`; a value whose denominator is zero is `None` with a reason.

use std::collections::BTreeMap;

use crate::counts::{show, Cell, GroupValue, Outcome};
use crate::spec::{Favorable, ReferenceStrategy, References};
use crate::{Error, Result};

/// The rates reported for every group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rate {
    BaseRate,
    SelectionRate,
    Tpr,
    Fpr,
    Tnr,
    Fnr,
    Ppv,
    Npv,
    Fdr,
    For,
    Accuracy,
}

/// Numerator and denominator of a rate, in weight units and in rows.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Parts {
    /// Weighted numerator (rows when unweighted).
    pub num: f64,
    /// Weighted denominator (rows when unweighted).
    pub den: f64,
    /// Sum of squared weights over the denominator (for Kish's effective size).
    pub den_w2: f64,
    /// Rows in the numerator.
    pub x: u64,
    /// Rows in the denominator.
    pub n: u64,
}

impl Parts {
    pub fn value(&self) -> Option<f64> {
        (self.den > 0.0).then(|| self.num / self.den)
    }

    /// Kish's effective sample size, (Σw)² / Σw²; equals the rows when unweighted.
    pub fn n_eff(&self) -> f64 {
        if self.den_w2 > 0.0 {
            self.den * self.den / self.den_w2
        } else {
            0.0
        }
    }
}

use Outcome::{Fn as FN, Fp as FP, Tn as TN, Tp as TP};

impl Rate {
    pub const ALL: [Rate; 11] = [
        Rate::BaseRate,
        Rate::SelectionRate,
        Rate::Tpr,
        Rate::Fpr,
        Rate::Tnr,
        Rate::Fnr,
        Rate::Ppv,
        Rate::Npv,
        Rate::Fdr,
        Rate::For,
        Rate::Accuracy,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Rate::BaseRate => "base_rate",
            Rate::SelectionRate => "selection_rate",
            Rate::Tpr => "tpr",
            Rate::Fpr => "fpr",
            Rate::Tnr => "tnr",
            Rate::Fnr => "fnr",
            Rate::Ppv => "ppv",
            Rate::Npv => "npv",
            Rate::Fdr => "fdr",
            Rate::For => "for",
            Rate::Accuracy => "accuracy",
        }
    }

    pub fn from_name(s: &str) -> Option<Rate> {
        Rate::ALL.into_iter().find(|r| r.name() == s)
    }

    /// Outcomes in the numerator and in the denominator.
    fn outcomes(self) -> (&'static [Outcome], &'static [Outcome]) {
        const ALL: &[Outcome] = &[TN, FP, FN, TP];
        match self {
            Rate::BaseRate => (&[TP, FN], ALL),
            Rate::SelectionRate => (&[TP, FP], ALL),
            Rate::Tpr => (&[TP], &[TP, FN]),
            Rate::Fpr => (&[FP], &[FP, TN]),
            Rate::Tnr => (&[TN], &[FP, TN]),
            Rate::Fnr => (&[FN], &[TP, FN]),
            Rate::Ppv => (&[TP], &[TP, FP]),
            Rate::Npv => (&[TN], &[TN, FN]),
            Rate::Fdr => (&[FP], &[TP, FP]),
            Rate::For => (&[FN], &[TN, FN]),
            Rate::Accuracy => (&[TP, TN], ALL),
        }
    }

    pub fn parts(self, c: &Cell) -> Parts {
        let (num, den) = self.outcomes();
        let mut p = Parts::default();
        for &o in num {
            p.num += c.w[o as usize];
            p.x += c.n[o as usize];
        }
        for &o in den {
            p.den += c.w[o as usize];
            p.den_w2 += c.w2[o as usize];
            p.n += c.n[o as usize];
        }
        p
    }

    /// Why the rate is undefined for a cell whose denominator is zero.
    pub fn undefined_reason(self, c: &Cell) -> &'static str {
        let p = self.parts(c);
        if p.n > 0 {
            return "the weights of the rows in the denominator sum to zero";
        }
        match self {
            Rate::BaseRate | Rate::SelectionRate | Rate::Accuracy => "empty group",
            Rate::Tpr | Rate::Fnr => "no actual positives in group",
            Rate::Fpr | Rate::Tnr => "no actual negatives in group",
            Rate::Ppv | Rate::Fdr => "no predicted positives in group",
            Rate::Npv | Rate::For => "no predicted negatives in group",
        }
    }
}

/// The value of every rate of one cell.
#[derive(Clone, Debug, PartialEq)]
pub struct Rates(pub [Option<f64>; 11]);

impl Rates {
    pub fn of(c: &Cell) -> Self {
        Rates(Rate::ALL.map(|r| r.parts(c).value()))
    }
    pub fn get(&self, r: Rate) -> Option<f64> {
        self.0[r as usize]
    }
}

/// The favourable-outcome rate: selection rate, or its complement when the
/// positive prediction is adverse.
pub fn favorable_rate(rates: &Rates, favorable: Favorable) -> Option<f64> {
    let sr = rates.get(Rate::SelectionRate)?;
    Some(match favorable {
        Favorable::Positive => sr,
        Favorable::Negative => 1.0 - sr,
    })
}

/// A value that may be undefined, with the reason.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Defined(f64),
    Undefined(String),
}

impl Value {
    pub fn get(&self) -> Option<f64> {
        match self {
            Value::Defined(v) => Some(*v),
            Value::Undefined(_) => None,
        }
    }
    pub fn reason(&self) -> Option<&str> {
        match self {
            Value::Defined(_) => None,
            Value::Undefined(r) => Some(r),
        }
    }
}

/// A group's difference and ratio against the reference for one rate.
#[derive(Clone, Debug, PartialEq)]
pub struct Disparity {
    pub difference: Value,
    pub ratio: Value,
}

/// Difference and ratio of `g` to `r`, with reasons when undefined.
pub fn disparity(rate: Rate, g: Option<f64>, r: Option<f64>) -> Disparity {
    let name = rate.name();
    match (g, r) {
        (Some(g), Some(r)) => Disparity {
            difference: Value::Defined(g - r),
            ratio: if r > 0.0 {
                Value::Defined(g / r)
            } else {
                Value::Undefined(format!("the reference group's {name} is 0"))
            },
        },
        (None, _) => {
            let why = format!("the group's {name} is undefined");
            Disparity {
                difference: Value::Undefined(why.clone()),
                ratio: Value::Undefined(why),
            }
        }
        (Some(_), None) => {
            let why = format!("the reference group's {name} is undefined");
            Disparity {
                difference: Value::Undefined(why.clone()),
                ratio: Value::Undefined(why),
            }
        }
    }
}

/// One group of an attribute or intersection.
#[derive(Clone, Debug)]
pub struct Group {
    pub key: Vec<GroupValue>,
    pub name: String,
    pub cell: Cell,
    pub rates: Rates,
}

impl Group {
    pub fn new(key: Vec<GroupValue>, cell: Cell) -> Self {
        let name = group_name(&key);
        let rates = Rates::of(&cell);
        Group {
            key,
            name,
            cell,
            rates,
        }
    }
    pub fn rows(&self) -> u64 {
        self.cell.rows()
    }
    pub fn weight(&self) -> f64 {
        self.cell.w.iter().sum()
    }
}

/// "female & black" for an intersection key, "female" for a single attribute.
pub fn group_name(key: &[GroupValue]) -> String {
    key.iter().map(show).collect::<Vec<_>>().join(" & ")
}

/// "sex & race" for an intersection.
pub fn attribute_name(members: &[String]) -> String {
    members.join(" & ")
}

/// The reference a group is compared with.
#[derive(Clone, Debug, PartialEq)]
pub enum Reference {
    /// Index into the attribute's groups.
    Group(usize),
    /// The whole data set.
    Overall,
}

/// Chooses the reference of one attribute. `eligible` says which groups may be
/// chosen by a strategy (large enough to be judged); a named group is always used.
pub fn choose_reference(
    attribute: &str,
    groups: &[Group],
    refs: &References,
    favorable: Favorable,
    eligible: &dyn Fn(&Group) -> bool,
) -> Result<Reference> {
    if let Some(name) = refs.named.get(attribute) {
        return groups
            .iter()
            .position(|g| &g.name == name)
            .map(Reference::Group)
            .ok_or_else(|| {
                Error::usage(format!(
                    "--reference {attribute}={name}: attribute '{attribute}' has no group '{name}'; its groups are: {}",
                    groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join(", ")
                ))
            });
    }
    let candidates = || groups.iter().enumerate().filter(|(_, g)| eligible(g));
    let pick = match refs.strategy {
        ReferenceStrategy::Overall => return Ok(Reference::Overall),
        ReferenceStrategy::Largest => candidates()
            .max_by(|(_, a), (_, b)| a.rows().cmp(&b.rows()).then_with(|| b.name.cmp(&a.name)))
            .map(|(i, _)| i),
        ReferenceStrategy::Best => candidates()
            .filter_map(|(i, g)| favorable_rate(&g.rates, favorable).map(|f| (i, g, f)))
            .max_by(|(_, a, fa), (_, b, fb)| {
                fa.total_cmp(fb)
                    .then_with(|| a.rows().cmp(&b.rows()))
                    .then_with(|| b.name.cmp(&a.name))
            })
            .map(|(i, _, _)| i),
    };
    // No eligible group: fall back to the largest group of all.
    let pick = pick.or_else(|| {
        groups
            .iter()
            .enumerate()
            .max_by(|(_, a), (_, b)| a.rows().cmp(&b.rows()).then_with(|| b.name.cmp(&a.name)))
            .map(|(i, _)| i)
    });
    pick.map(Reference::Group)
        .ok_or_else(|| Error::usage(format!("attribute '{attribute}' has no groups")))
}

/// A summary value, possibly undefined, with the group it comes from where
/// that matters (disparate impact, average odds).
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryValue {
    pub value: Value,
    pub group: Option<String>,
}

impl SummaryValue {
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

/// The summary names, in report order.
pub const SUMMARIES: [&str; 8] = [
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "disparate_impact",
    "equal_opportunity_difference",
    "equalized_odds_difference",
    "average_odds_difference",
    "predictive_parity_difference",
    "accuracy_difference",
];

/// Per-attribute summaries of the disparities.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub values: Vec<(&'static str, SummaryValue)>,
    pub four_fifths_rule_passed: Option<bool>,
    /// Groups left out of a summary, by rate: (group, reason).
    pub left_out: BTreeMap<&'static str, Vec<(String, String)>>,
}

impl Summary {
    pub fn get(&self, name: &str) -> Option<&SummaryValue> {
        self.values.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
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
/// group it comes from). The hot path of the bootstrap; [`summarize`] adds the
/// reasons and names.
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
    [
        diff(sr),
        (sr.and_then(|(lo, hi)| (hi > 0.0).then(|| lo / hi)), None),
        (di.map(|d| d.0), di.map(|d| d.1)),
        diff(tpr),
        (
            tpr.zip(fpr).map(|((a, b), (c, d))| (b - a).max(d - c)),
            None,
        ),
        (aod.map(|d| d.0), aod.map(|d| d.1)),
        diff(ppv),
        diff(acc),
    ]
}

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
) -> Summary {
    let mut left_out: BTreeMap<&'static str, Vec<(String, String)>> = BTreeMap::new();
    for rate in [
        Rate::SelectionRate,
        Rate::Tpr,
        Rate::Fpr,
        Rate::Ppv,
        Rate::Accuracy,
    ] {
        let mut v = vec![];
        for (g, &i) in groups.iter().zip(included) {
            if !i {
                v.push((g.name.clone(), exclusion_reason(g)));
            } else if g.rates.get(rate).is_none() {
                v.push((g.name.clone(), rate.undefined_reason(&g.cell).to_string()));
            }
        }
        if !v.is_empty() {
            left_out.insert(rate.name(), v);
        }
    }

    let rates: Vec<&Rates> = groups.iter().map(|g| &g.rates).collect();
    let core = summary_values(&rates, included, ref_rates, ref_index, favorable);
    let count = |rate: Rate| range(&rates, included, rate).1;
    let has_others = groups
        .iter()
        .enumerate()
        .any(|(i, _)| included[i] && Some(i) != ref_index);
    let reason = |name: &str| -> String {
        match name {
            "demographic_parity_difference" => {
                too_few(Rate::SelectionRate, count(Rate::SelectionRate))
            }
            "demographic_parity_ratio" if count(Rate::SelectionRate) >= 2 => {
                "every group has a selection_rate of 0".into()
            }
            "demographic_parity_ratio" => too_few(Rate::SelectionRate, count(Rate::SelectionRate)),
            "disparate_impact" => match favorable_rate(ref_rates, favorable) {
                None => "the reference's selection_rate is undefined".into(),
                Some(r) if r <= 0.0 => "the reference's favourable-outcome rate is 0".into(),
                _ if !has_others => "no group besides the reference to compare".into(),
                _ => "no group besides the reference has a defined selection_rate".into(),
            },
            "equal_opportunity_difference" => too_few(Rate::Tpr, count(Rate::Tpr)),
            "equalized_odds_difference" if count(Rate::Tpr) < 2 => {
                too_few(Rate::Tpr, count(Rate::Tpr))
            }
            "equalized_odds_difference" => too_few(Rate::Fpr, count(Rate::Fpr)),
            "average_odds_difference" => {
                if ref_rates.get(Rate::Tpr).is_none() || ref_rates.get(Rate::Fpr).is_none() {
                    "the reference's tpr or fpr is undefined".into()
                } else if !has_others {
                    "no group besides the reference to compare".into()
                } else {
                    "no group besides the reference has both tpr and fpr defined".into()
                }
            }
            "predictive_parity_difference" => too_few(Rate::Ppv, count(Rate::Ppv)),
            _ => too_few(Rate::Accuracy, count(Rate::Accuracy)),
        }
    };
    let values: Vec<(&'static str, SummaryValue)> = SUMMARIES
        .iter()
        .zip(core)
        .map(|(&name, (v, gi))| {
            let sv = match v {
                Some(v) => SummaryValue::defined(v, gi.map(|i| groups[i].name.clone())),
                None => SummaryValue::undefined(reason(name)),
            };
            (name, sv)
        })
        .collect();
    let four_fifths = values[2].1.value.get().map(|v| v >= 0.8);
    Summary {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A cell from counts in the order tp, fp, tn, fn.
    pub fn cell(tp: u64, fp: u64, tn: u64, fn_: u64) -> Cell {
        let mut c = Cell::default();
        c.record(Outcome::Tp, tp, tp as f64, tp as f64);
        c.record(Outcome::Fp, fp, fp as f64, fp as f64);
        c.record(Outcome::Tn, tn, tn as f64, tn as f64);
        c.record(Outcome::Fn, fn_, fn_ as f64, fn_ as f64);
        c
    }

    #[test]
    fn rates_by_hand() {
        // tp=30 fp=10 tn=50 fn=10, n=100
        let r = Rates::of(&cell(30, 10, 50, 10));
        let expect = [
            (Rate::BaseRate, 0.40),
            (Rate::SelectionRate, 0.40),
            (Rate::Tpr, 0.75),
            (Rate::Fpr, 10.0 / 60.0),
            (Rate::Tnr, 50.0 / 60.0),
            (Rate::Fnr, 0.25),
            (Rate::Ppv, 0.75),
            (Rate::Npv, 50.0 / 60.0),
            (Rate::Fdr, 0.25),
            (Rate::For, 10.0 / 60.0),
            (Rate::Accuracy, 0.80),
        ];
        for (rate, v) in expect {
            let got = r.get(rate).unwrap();
            assert!((got - v).abs() < 1e-15, "{}: {got} != {v}", rate.name());
        }
    }

    #[test]
    fn zero_denominators_are_undefined_with_reasons() {
        // No actual positives, no predicted positives.
        let c = cell(0, 0, 7, 0);
        let r = Rates::of(&c);
        assert_eq!(r.get(Rate::Tpr), None);
        assert_eq!(r.get(Rate::Ppv), None);
        assert_eq!(r.get(Rate::Fpr), Some(0.0));
        assert_eq!(r.get(Rate::SelectionRate), Some(0.0));
        assert_eq!(
            Rate::Tpr.undefined_reason(&c),
            "no actual positives in group"
        );
        assert_eq!(
            Rate::Ppv.undefined_reason(&c),
            "no predicted positives in group"
        );
        let empty = Cell::default();
        assert!(Rates::of(&empty).0.iter().all(Option::is_none));
        assert_eq!(Rate::Accuracy.undefined_reason(&empty), "empty group");
    }

    #[test]
    fn weighted_rates_use_weight_sums() {
        let mut c = Cell::default();
        c.record(Outcome::Tp, 2, 3.0, 4.5); // two rows, weights 1.5 each
        c.record(Outcome::Fn, 1, 1.0, 1.0);
        let p = Rate::Tpr.parts(&c);
        assert_eq!(p.value(), Some(0.75));
        assert_eq!((p.x, p.n), (2, 3));
        // Kish: (4)^2 / 5.5
        assert!((p.n_eff() - 16.0 / 5.5).abs() < 1e-12);
    }

    #[test]
    fn disparity_of_zero_reference_has_no_ratio() {
        let d = disparity(Rate::SelectionRate, Some(0.2), Some(0.0));
        assert_eq!(d.difference, Value::Defined(0.2));
        assert!(d.ratio.reason().unwrap().contains("is 0"));
        let d = disparity(Rate::Tpr, None, Some(0.5));
        assert!(d.difference.get().is_none());
    }

    fn groups() -> Vec<Group> {
        vec![
            // a: sr 0.5, tpr 0.8, fpr 0.2, ppv 0.8, acc 0.8 (n 100)
            Group::new(vec![Some("a".into())], cell(40, 10, 40, 10)),
            // b: sr 0.3, tpr 0.5, fpr 1/6, ppv 2/3, acc 0.7 (n 100)
            Group::new(vec![Some("b".into())], cell(20, 10, 50, 20)),
            // c: no actual positives: tpr undefined (n 10)
            Group::new(vec![Some("c".into())], cell(0, 2, 8, 0)),
        ]
    }

    #[test]
    fn summaries_by_hand() {
        let g = groups();
        let s = summarize(
            &g,
            &[true, true, true],
            &|_| String::new(),
            &g[0].rates,
            Some(0),
            Favorable::Positive,
        );
        let v = |n: &str| s.get(n).unwrap().value.get().unwrap();
        assert!((v("demographic_parity_difference") - 0.3).abs() < 1e-12);
        assert!((v("demographic_parity_ratio") - 0.2 / 0.5).abs() < 1e-12);
        // DI: min over b (0.3/0.5 = 0.6) and c (0.2/0.5 = 0.4)
        assert!((v("disparate_impact") - 0.4).abs() < 1e-12);
        assert_eq!(
            s.get("disparate_impact").unwrap().group.as_deref(),
            Some("c")
        );
        assert_eq!(s.four_fifths_rule_passed, Some(false));
        // tpr range over a, b only (c undefined and listed)
        assert!((v("equal_opportunity_difference") - 0.3).abs() < 1e-12);
        assert_eq!(
            s.left_out["tpr"],
            vec![("c".to_string(), "no actual positives in group".to_string())]
        );
        // fpr: a 10/50, b 10/60, c 2/10 -> range 1/30; eodds = max(0.3, 1/30)
        assert!((v("equalized_odds_difference") - 0.3).abs() < 1e-12);
        // AOD for b: ½((1/6 - 1/5) + (0.5 - 0.8)) = -1/6; c has no tpr.
        assert!((v("average_odds_difference") + 1.0 / 6.0).abs() < 1e-12);
        assert_eq!(
            s.get("average_odds_difference").unwrap().group.as_deref(),
            Some("b")
        );
        // ppv: a .8, b 2/3, c 0 -> 0.8
        assert!((v("predictive_parity_difference") - 0.8).abs() < 1e-12);
        // acc: a .8, b .7, c .8
        assert!((v("accuracy_difference") - 0.1).abs() < 1e-12);
    }

    #[test]
    fn favorable_negative_uses_complement_for_disparate_impact() {
        let g = groups();
        let s = summarize(
            &g,
            &[true, true, false],
            &|_| "too small".into(),
            &g[0].rates,
            Some(0),
            Favorable::Negative,
        );
        // non-selection: a 0.5, b 0.7 -> 1.4
        let di = s.get("disparate_impact").unwrap();
        assert!((di.value.get().unwrap() - 1.4).abs() < 1e-12);
        assert_eq!(s.four_fifths_rule_passed, Some(true));
        assert_eq!(s.left_out["selection_rate"][0].1, "too small");
    }

    #[test]
    fn one_group_attribute_has_undefined_summaries() {
        let g = vec![Group::new(vec![Some("only".into())], cell(1, 2, 3, 4))];
        let s = summarize(
            &g,
            &[true],
            &|_| String::new(),
            &g[0].rates,
            Some(0),
            Favorable::Positive,
        );
        for (name, v) in &s.values {
            assert!(v.value.get().is_none(), "{name} should be undefined");
        }
        assert_eq!(s.four_fifths_rule_passed, None);
    }

    #[test]
    fn reference_strategies() {
        let g = groups();
        let all = |_: &Group| true;
        let r = |s: &[&str]| {
            References::parse(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>()).unwrap()
        };
        // largest: a and b tie at 100 rows -> first by name
        assert_eq!(
            choose_reference("x", &g, &r(&["largest"]), Favorable::Positive, &all).unwrap(),
            Reference::Group(0)
        );
        assert_eq!(
            choose_reference("x", &g, &r(&["best"]), Favorable::Positive, &all).unwrap(),
            Reference::Group(0)
        );
        assert_eq!(
            choose_reference("x", &g, &r(&["best"]), Favorable::Negative, &all).unwrap(),
            Reference::Group(2)
        );
        assert_eq!(
            choose_reference("x", &g, &r(&["overall"]), Favorable::Positive, &all).unwrap(),
            Reference::Overall
        );
        assert_eq!(
            choose_reference("x", &g, &r(&["x=b"]), Favorable::Positive, &all).unwrap(),
            Reference::Group(1)
        );
        let e = choose_reference("x", &g, &r(&["x=zz"]), Favorable::Positive, &all).unwrap_err();
        assert!(e.to_string().contains("no group 'zz'"));
    }
}
