//! The data examination (EU AI Act Art. 10): from the counts of one scan,
//! each attribute's representation (against a reference population when
//! given), the label's favourable base rate by group, missing, empty,
//! invalid and out-of-range shares of every column by group, proxy
//! screening of every other column against every attribute, the schema with
//! its digest, and drift against the previous recorded examination.
//! Definitions and sources: docs/data-examination.md.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::counts::examine::{fine_upper, ColumnCounts, DataCounts, Level};
use crate::spec::examine::{ExamineSpec, Population};
use crate::spec::{Favorable, StatOptions};
use crate::stats::{self, association};

/// An interval.
pub type Ci = Option<(f64, f64)>;

/// A group's share of the rows.
#[derive(Clone, Debug, Serialize)]
pub struct GroupShare {
    /// The group.
    pub group: String,
    /// Rows.
    pub count: u64,
    /// count / rows.
    pub share: f64,
    /// Wilson interval of the share.
    pub ci: Ci,
    /// The reference population's share, when given.
    pub expected_share: Option<f64>,
    /// The share among the groups the population lists, over the expected share.
    pub ratio: Option<f64>,
    /// That share's Wilson interval divided by the expected share.
    pub ratio_ci: Ci,
    /// Why the ratio is null, with a population file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undefined: Option<String>,
}

/// A chi-square test.
#[derive(Clone, Debug, Serialize)]
pub struct ChiTest {
    /// The statistic.
    pub statistic: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// Its p-value.
    pub p_value: f64,
}

/// One attribute's mix of groups.
#[derive(Clone, Debug, Serialize)]
pub struct Representation {
    /// The attribute.
    pub attribute: String,
    /// Every group (population groups absent from the data with count 0).
    pub groups: Vec<GroupShare>,
    /// Goodness of fit of the counts to the population's shares.
    pub goodness_of_fit: Option<ChiTest>,
    /// Why there is no goodness-of-fit test.
    pub goodness_of_fit_undefined: Option<String>,
    /// Groups of the data that the population file does not list.
    pub not_in_population: Vec<String>,
}

/// A group's favourable rate of an outcome column.
#[derive(Clone, Debug, Serialize)]
pub struct GroupRate {
    /// The group.
    pub group: String,
    /// Whether it is the reference.
    pub is_reference: bool,
    /// Rows with a (non-missing) value.
    pub n: u64,
    /// Rows with the favourable value.
    pub favourable: u64,
    /// favourable / n.
    pub rate: Option<f64>,
    /// Wilson interval.
    pub ci: Ci,
    /// rate − the reference's rate.
    pub difference: Option<f64>,
    /// Newcombe interval of the difference.
    pub difference_ci: Ci,
    /// rate / the reference's rate.
    pub ratio: Option<f64>,
    /// Two-proportion z test (Fisher's exact test for small counts) p-value.
    pub p_value: Option<f64>,
    /// Why the group is not judged: it or the reference is below the
    /// minimum group size or share (`None`: judged).
    pub not_judged: Option<String>,
    /// Why each null of `rate`, `difference`, `ratio`, `p_value` is null.
    pub undefined: BTreeMap<&'static str, String>,
}

/// Favourable rates of an outcome column (the label, or the model's output).
#[derive(Clone, Debug, Serialize)]
pub struct OutcomeRates {
    /// "label" or "prediction".
    pub role: String,
    /// The column.
    pub column: String,
    /// Per attribute, its groups.
    pub attributes: Vec<(String, Vec<GroupRate>)>,
}

/// A group's quality counts of one column.
#[derive(Clone, Debug, Serialize)]
pub struct GroupQuality {
    /// The group.
    pub group: String,
    /// Rows.
    pub n: u64,
    /// Null, NaN or a missing-value literal.
    pub missing: u64,
    /// Empty text.
    pub empty: u64,
    /// Text in a numeric column that is not a finite number.
    pub invalid: u64,
    /// Numbers outside the column's range.
    pub out_of_range: u64,
    /// (missing + empty) / n: pandas' `isna()` share.
    pub missing_share: f64,
    /// out_of_range / n.
    pub out_of_range_share: f64,
}

/// The largest gap of a share between two groups, and its test.
#[derive(Clone, Debug, Serialize)]
pub struct Gap {
    /// Highest share − lowest share.
    pub value: f64,
    /// The group with the highest share.
    pub high: String,
    /// The group with the lowest share.
    pub low: String,
    /// Two-proportion test of the two (z, or Fisher's exact for small counts).
    pub p_value: Option<f64>,
    /// That p-value times the k(k − 1)/2 pairs of the k compared groups
    /// (Bonferroni: the pair was picked for being the extremes), at most 1;
    /// the finding is judged on it.
    pub p_adjusted: Option<f64>,
    /// Counts behind it: (count, n) of the high and the low group.
    pub counts: [(u64, u64); 2],
}

/// One column's quality by one attribute's groups.
#[derive(Clone, Debug, Serialize)]
pub struct ColumnQuality {
    /// The column.
    pub column: String,
    /// The attribute.
    pub attribute: String,
    /// Every group.
    pub groups: Vec<GroupQuality>,
    /// Gap of the missing share.
    pub missing_gap: Option<Gap>,
    /// Gap of the out-of-range share (with a range).
    pub out_of_range_gap: Option<Gap>,
    /// Groups below the minimum group size or share, left out of the gaps,
    /// and why.
    pub left_out: Vec<LeftOut>,
    /// Why there are no gaps (fewer than two groups to compare).
    pub gaps_undefined: Option<String>,
}

/// A group left out of a comparison, and why.
#[derive(Clone, Debug, Serialize)]
pub struct LeftOut {
    /// The group.
    pub group: String,
    /// Why.
    pub reason: String,
}

/// One column screened as a proxy of one attribute.
#[derive(Clone, Debug, Serialize)]
pub struct ProxyScreen {
    /// The column.
    pub column: String,
    /// The attribute.
    pub attribute: String,
    /// "categorical" or "numeric (quantile bands)".
    pub kind: String,
    /// Rows of the table: values, or bands `(lo, hi]`, and `(missing)`.
    pub levels: Vec<String>,
    /// The attribute's groups (the table's columns).
    pub groups: Vec<String>,
    /// The contingency table (levels × groups).
    pub table: Vec<Vec<u64>>,
    /// Chi-square, Cramér's V (plain and bias-corrected); `None` with one
    /// level or one group.
    pub association: Option<association::Association>,
    /// One-vs-rest AUC of predicting each group from the column alone.
    pub auc: Vec<(String, Option<f64>)>,
    /// The largest of them, and its group.
    pub max_auc: Option<(String, f64)>,
    /// Their mean weighted by the groups' row shares.
    pub weighted_auc: Option<f64>,
    /// Rank among the screened columns of the attribute (1 = strongest).
    pub rank: usize,
}

/// A column left out of proxy screening, and why.
#[derive(Clone, Debug, Serialize)]
pub struct NotScreened {
    /// The column.
    pub column: String,
    /// Why.
    pub reason: String,
}

/// One column of the schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SchemaColumn {
    /// Its name.
    pub name: String,
    /// Its type.
    pub dtype: String,
    /// Its sorted values when a text column has at most 50.
    pub categories: Option<Vec<String>>,
}

/// Columns, types and category sets, with a SHA-256 over them.
#[derive(Clone, Debug, Serialize)]
pub struct SchemaInfo {
    /// Every column.
    pub columns: Vec<SchemaColumn>,
    /// SHA-256 of their canonical JSON.
    pub sha256: String,
}

/// What the previous recorded examination of the same data set measured.
#[derive(Clone, Debug, Default)]
pub struct PreviousData {
    /// Its run id.
    pub run_id: String,
    /// Its run date.
    pub run_date: String,
    /// Its schema.
    pub schema: Vec<SchemaColumn>,
    /// attribute → group → rows.
    pub mix: BTreeMap<String, BTreeMap<String, u64>>,
    /// (role, attribute, group) → (favourable, n).
    pub rates: BTreeMap<(String, String, String), (u64, u64)>,
}

/// A population stability index.
#[derive(Clone, Debug, Serialize)]
pub struct Psi {
    /// "attribute mix" or "label rate" / "prediction rate".
    pub what: String,
    /// The attribute.
    pub attribute: String,
    /// The group (outcome rates).
    pub group: Option<String>,
    /// The index.
    pub psi: f64,
    /// stable (< 0.1), moderate (< 0.25) or major.
    pub band: &'static str,
    /// Shares (or rates) before and after, per category.
    pub before: Vec<(String, f64)>,
    /// After.
    pub after: Vec<(String, f64)>,
}

/// Drift against the previous examination.
#[derive(Clone, Debug, Serialize)]
pub struct Drift {
    /// The previous run.
    pub previous_run: String,
    /// Its date.
    pub previous_date: String,
    /// Schema changes, one line each (empty: same schema).
    pub schema_changes: Vec<String>,
    /// Every index.
    pub psi: Vec<Psi>,
}

/// The whole examination.
#[derive(Clone, Debug, Serialize)]
pub struct DataExamination {
    /// Rows read.
    pub rows: u64,
    /// Rows repeating an earlier row of the same file exactly.
    pub duplicate_rows: u64,
    /// The protected attributes.
    pub attributes: Vec<String>,
    /// The schema.
    pub schema: SchemaInfo,
    /// Each attribute's representation.
    pub representation: Vec<Representation>,
    /// The label's and the prediction's favourable rates by group.
    pub outcomes: Vec<OutcomeRates>,
    /// Quality of every examined column by every attribute.
    pub quality: Vec<ColumnQuality>,
    /// Proxy screening, strongest first within each attribute.
    pub proxies: Vec<ProxyScreen>,
    /// Columns not screened.
    pub not_screened: Vec<NotScreened>,
    /// Drift against the previous recorded examination.
    pub drift: Option<Drift>,
}

/// The outcome columns and how their values map to favourable.
pub struct OutcomeColumns<'a> {
    /// (role, column, value → favourable?).
    pub columns: Vec<(&'a str, &'a str, BTreeMap<String, bool>)>,
}

/// The settings the computation needs.
pub struct Settings<'a> {
    /// The examination's bounds.
    pub examine: &'a ExamineSpec,
    /// Named reference groups (attribute → group); else the largest.
    pub references: &'a BTreeMap<String, String>,
    /// Confidence level.
    pub level: f64,
    /// The outcome columns.
    pub outcomes: OutcomeColumns<'a>,
    /// Which value is favourable.
    pub favorable: Favorable,
    /// The minimum group size and share (`[stats]`, shared with the audit).
    pub stats: &'a StatOptions,
}

/// Rows per group of attribute `a` (index in the key) in a column's cells,
/// for the levels `keep` selects.
fn marginal(groups: &BTreeMap<Vec<String>, u64>, a: usize) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for (k, n) in groups {
        *m.entry(k[a].clone()).or_default() += n;
    }
    m
}

fn representation(
    attr: &str,
    counts: &BTreeMap<String, u64>,
    pop: Option<&BTreeMap<String, f64>>,
    level: f64,
) -> Representation {
    let n: u64 = counts.values().sum();
    let mut names: Vec<String> = counts.keys().cloned().collect();
    if let Some(p) = pop {
        for g in p.keys() {
            if !names.contains(g) {
                names.push(g.clone());
            }
        }
    }
    // Against the population, shares are taken among the listed groups (a
    // "(missing)" group the census does not list dilutes none of them), as
    // the goodness-of-fit test does.
    let n_listed: u64 = match pop {
        Some(p) => counts
            .iter()
            .filter(|(g, _)| p.contains_key(*g))
            .map(|(_, c)| c)
            .sum(),
        None => n,
    };
    let groups: Vec<GroupShare> = names
        .iter()
        .map(|g| {
            let c = counts.get(g).copied().unwrap_or(0);
            let ci = stats::wilson(c as f64, n as f64, level);
            let e = pop.and_then(|p| p.get(g)).copied();
            let ratio_of = |x: f64| e.filter(|e| *e > 0.0).map(|e| x / e);
            let listed_ci = stats::wilson(c as f64, n_listed as f64, level);
            GroupShare {
                group: g.clone(),
                count: c,
                share: c as f64 / n.max(1) as f64,
                ci,
                expected_share: e,
                ratio: ratio_of(c as f64 / n_listed.max(1) as f64),
                ratio_ci: listed_ci.and_then(|(lo, hi)| Some((ratio_of(lo)?, ratio_of(hi)?))),
                undefined: match (pop.is_some(), e) {
                    (false, _) => {
                        Some("no population file (--population): no expected share".into())
                    }
                    (true, None) => Some("the population file does not list the group".into()),
                    (true, Some(x)) if x <= 0.0 => {
                        Some("the population's expected share is 0: no ratio to it".into())
                    }
                    _ => None,
                },
            }
        })
        .collect();
    let goodness_of_fit = pop.and_then(|p| {
        // Groups expected at 0 and absent add nothing to the test.
        let listed: Vec<&GroupShare> = groups
            .iter()
            .filter(|g| p.get(&g.group).is_some_and(|e| *e > 0.0 || g.count > 0))
            .collect();
        let obs: Vec<f64> = listed.iter().map(|g| g.count as f64).collect();
        let exp: Vec<f64> = listed.iter().map(|g| p[&g.group]).collect();
        association::goodness_of_fit(&obs, &exp).map(|(statistic, df, p_value)| ChiTest {
            statistic,
            df,
            p_value,
        })
    });
    let goodness_of_fit_undefined = match (pop, &goodness_of_fit) {
        (_, Some(_)) => None,
        (None, None) => Some("no population file (--population)".to_string()),
        (Some(_), None) => {
            Some("fewer than two listed groups with an expected share or rows".to_string())
        }
    };
    Representation {
        attribute: attr.to_string(),
        goodness_of_fit_undefined,
        not_in_population: pop
            .map(|p| {
                names
                    .iter()
                    .filter(|g| !p.contains_key(*g))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default(),
        groups,
        goodness_of_fit,
    }
}

/// (favourable, n) per group of attribute `a` for an outcome column.
fn outcome_counts(
    c: &ColumnCounts,
    a: usize,
    map: &BTreeMap<String, bool>,
    favorable: Favorable,
) -> BTreeMap<String, (u64, u64)> {
    let mut m: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for ((k, l), lc) in &c.cells {
        let k = &c.keys[*k as usize];
        let v = match l {
            Level::Text(t) => map.get(t).copied(),
            _ => None,
        };
        let Some(pos) = v else { continue };
        let fav = pos == (favorable == Favorable::Positive);
        let e = m.entry(k[a].clone()).or_default();
        e.1 += lc.n;
        if fav {
            e.0 += lc.n;
        }
    }
    m
}

/// The distinct values of an outcome column as text (for its value map).
pub fn outcome_values(c: &ColumnCounts) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for ((_, l), lc) in &c.cells {
        let Level::Text(v) = l else { continue };
        let v = v.clone();
        *m.entry(v).or_default() += lc.n;
    }
    m
}

fn rates(
    counts: &BTreeMap<String, (u64, u64)>,
    reference: &str,
    level: f64,
    stats: &StatOptions,
) -> Vec<GroupRate> {
    let (rx, rn) = counts.get(reference).copied().unwrap_or((0, 0));
    let total: u64 = counts.values().map(|(_, n)| n).sum();
    let reference_small = too_small(rn, total, stats);
    counts
        .iter()
        .map(|(g, &(x, n))| {
            let rate = (n > 0).then(|| x as f64 / n as f64);
            let rref = (rn > 0).then(|| rx as f64 / rn as f64);
            let is_reference = g == reference;
            let cmp = !is_reference && rate.is_some() && rref.is_some();
            let (xf, nf, rxf, rnf) = (x as f64, n as f64, rx as f64, rn as f64);
            // Why a comparison with the reference is missing.
            let no_comparison = if is_reference {
                "the reference group".to_string()
            } else if rate.is_none() {
                "the group has no rows with a value".to_string()
            } else {
                format!("the reference group '{reference}' has no rows with a value")
            };
            let mut undefined = BTreeMap::new();
            if rate.is_none() {
                undefined.insert("rate", "the group has no rows with a value".to_string());
            }
            if !cmp {
                for k in ["difference", "ratio", "p_value"] {
                    undefined.insert(k, no_comparison.clone());
                }
            } else if rref == Some(0.0) {
                undefined.insert(
                    "ratio",
                    format!("the reference group '{reference}' has a rate of 0"),
                );
            }
            GroupRate {
                not_judged: too_small(n, total, stats).or_else(|| {
                    (!is_reference)
                        .then(|| {
                            reference_small
                                .as_ref()
                                .map(|why| format!("the reference group '{reference}': {why}"))
                        })
                        .flatten()
                }),
                undefined,
                group: g.clone(),
                is_reference,
                n,
                favourable: x,
                rate,
                ci: stats::wilson(xf, nf, level),
                difference: cmp.then(|| rate.unwrap_or(0.0) - rref.unwrap_or(0.0)),
                difference_ci: if cmp {
                    stats::newcombe_diff(xf, nf, rxf, rnf, level)
                } else {
                    None
                },
                ratio: if cmp {
                    rref.filter(|r| *r > 0.0).map(|r| rate.unwrap_or(0.0) / r)
                } else {
                    None
                },
                p_value: if cmp {
                    stats::compare_proportions(xf, nf, rxf, rnf).map(|(p, _)| p)
                } else {
                    None
                },
            }
        })
        .collect()
}

fn reference_of(s: &Settings, attr: &str, counts: &BTreeMap<String, u64>) -> String {
    s.references.get(attr).cloned().unwrap_or_else(|| {
        // The largest group; ties to the first in name order.
        let mut best: Option<(&String, u64)> = None;
        for (g, &n) in counts {
            if g != crate::counts::MISSING && best.is_none_or(|(_, b)| n > b) {
                best = Some((g, n));
            }
        }
        best.map(|(g, _)| g.clone()).unwrap_or_default()
    })
}

fn gap(live: &[&GroupQuality], share: impl Fn(&GroupQuality) -> (u64, f64)) -> Option<Gap> {
    if live.len() < 2 {
        return None;
    }
    // The highest share (first on ties), then the lowest of the others, so
    // that equal shares compare two groups, not one with itself.
    let mut hi = live[0];
    for g in live {
        if share(g).1 > share(hi).1 {
            hi = g;
        }
    }
    let mut others = live.iter().filter(|g| !std::ptr::eq(**g, hi));
    let mut lo = *others.next()?;
    for g in others {
        if share(g).1 < share(lo).1 {
            lo = g;
        }
    }
    let (xh, xl) = (share(hi).0, share(lo).0);
    let p_value =
        stats::compare_proportions(xh as f64, hi.n as f64, xl as f64, lo.n as f64).map(|(p, _)| p);
    let pairs = (live.len() * (live.len() - 1) / 2) as f64;
    Some(Gap {
        value: share(hi).1 - share(lo).1,
        high: hi.group.clone(),
        low: lo.group.clone(),
        p_value,
        p_adjusted: p_value.map(|p| (p * pairs).min(1.0)),
        counts: [(xh, hi.n), (xl, lo.n)],
    })
}

/// Why a group of `n` of `total` rows is too small to judge, if it is (the
/// audit's rule, `audit::attribute::size_status`).
fn too_small(n: u64, total: u64, stats: &StatOptions) -> Option<String> {
    super::attribute::size_status(n, total.max(1) as f64, stats)
        .reason()
        .map(String::from)
}

fn quality(
    c: &ColumnCounts,
    attr: &str,
    a: usize,
    has_range: bool,
    stats: &StatOptions,
) -> ColumnQuality {
    // Per key first (no text per cell), then per group.
    let mut by_key = vec![[0u64; 5]; c.keys.len()];
    for ((k, l), lc) in &c.cells {
        let e = &mut by_key[*k as usize];
        e[0] += lc.n;
        match l {
            Level::Missing => e[1] += lc.n,
            Level::Empty => e[2] += lc.n,
            Level::Invalid => e[3] += lc.n,
            _ => {}
        }
        e[4] += lc.out_of_range;
    }
    let mut per: BTreeMap<&str, [u64; 5]> = BTreeMap::new();
    for (k, v) in by_key.iter().enumerate() {
        let e = per.entry(c.keys[k][a].as_str()).or_default();
        for i in 0..5 {
            e[i] += v[i];
        }
    }
    let groups: Vec<GroupQuality> = per
        .into_iter()
        .filter(|(_, v)| v[0] > 0)
        .map(|(g, [n, m, e, i, o])| GroupQuality {
            group: g.to_string(),
            n,
            missing: m,
            empty: e,
            invalid: i,
            out_of_range: o,
            missing_share: (m + e) as f64 / n.max(1) as f64,
            out_of_range_share: o as f64 / n.max(1) as f64,
        })
        .collect();
    // Only groups that reach the minimum are compared: a handful of rows
    // would otherwise set the extremes, and its untestable gap would stand
    // in for a real one between two large groups.
    let total: u64 = groups.iter().map(|g| g.n).sum();
    let mut live = vec![];
    let mut left_out = vec![];
    for g in &groups {
        match too_small(g.n, total, stats) {
            None => live.push(g),
            Some(reason) => left_out.push(LeftOut {
                group: g.group.clone(),
                reason,
            }),
        }
    }
    let gaps_undefined = match (groups.len(), live.len()) {
        (0 | 1, _) => Some(format!(
            "{} group(s) with rows: nothing to compare",
            groups.len()
        )),
        (_, 0 | 1) => Some(format!(
            "{} of {} groups reach the minimum group size or share: nothing to compare",
            live.len(),
            groups.len()
        )),
        _ => None,
    };
    ColumnQuality {
        column: c.name.clone(),
        attribute: attr.to_string(),
        missing_gap: gap(&live, |g| (g.missing + g.empty, g.missing_share)),
        out_of_range_gap: if has_range {
            gap(&live, |g| (g.out_of_range, g.out_of_range_share))
        } else {
            None
        },
        left_out,
        gaps_undefined,
        groups,
    }
}

/// Formats a band edge: up to 6 significant digits.
fn edge(x: f64) -> String {
    let s = format!("{:.6e}", x);
    let v: f64 = s.parse().unwrap_or(x);
    let t = format!("{v}");
    if t.len() > 12 {
        format!("{v:.6e}")
    } else {
        t
    }
}

/// The quantile bands of a numeric column: upper bucket per band, and labels.
/// Edges are the upper edges of the buckets holding the ranks ⌊q (N − 1)⌋
/// (numpy's "linear" rank, read to the bucket), so every row of a bucket
/// falls in one band; equal edges merge.
fn bands(c: &ColumnCounts, k: usize) -> Vec<(i32, String)> {
    let mut pooled: BTreeMap<i32, u64> = BTreeMap::new();
    for ((_, l), lc) in &c.cells {
        if let Level::Bucket(b) = l {
            *pooled.entry(*b).or_default() += lc.n;
        }
    }
    let total: u64 = pooled.values().sum();
    if total == 0 {
        return vec![];
    }
    let mut uppers: Vec<i32> = vec![];
    for j in 1..k {
        let rank = ((j as f64 / k as f64) * (total - 1) as f64).floor() as u64;
        let mut cum = 0;
        for (b, n) in &pooled {
            cum += n;
            if cum > rank {
                if uppers.last() != Some(b) {
                    uppers.push(*b);
                }
                break;
            }
        }
    }
    let last = *pooled.keys().last().expect("non-empty");
    if uppers.last() != Some(&last) {
        uppers.push(last);
    }
    let mut out = vec![];
    let mut lo = "-inf".to_string();
    for (i, b) in uppers.iter().enumerate() {
        let hi = if i + 1 == uppers.len() {
            "inf".to_string()
        } else {
            edge(fine_upper(*b))
        };
        let label = if i + 1 == uppers.len() {
            format!("({lo}, {hi})")
        } else {
            format!("({lo}, {hi}]")
        };
        out.push((*b, label));
        lo = hi;
    }
    out
}

/// The contingency table of a column against attribute `a`.
fn contingency(
    c: &ColumnCounts,
    a: usize,
    groups: &[String],
    bands_of: &[(i32, String)],
) -> (Vec<String>, Vec<Vec<u64>>) {
    let mut rows: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    // Group index of each key, and the band of each bucket, computed once.
    let key_group: Vec<Option<usize>> = c
        .keys
        .iter()
        .map(|k| groups.iter().position(|x| *x == k[a]))
        .collect();
    let uppers: Vec<i32> = bands_of.iter().map(|(u, _)| *u).collect();
    let mut band_counts = vec![vec![0u64; groups.len()]; bands_of.len()];
    let mut missing: Option<Vec<u64>> = None;
    for ((k, l), lc) in &c.cells {
        let Some(j) = key_group[*k as usize] else {
            continue;
        };
        match l {
            Level::Missing | Level::Empty | Level::Invalid => {
                missing.get_or_insert_with(|| vec![0; groups.len()])[j] += lc.n
            }
            Level::Bucket(b) => {
                let i = uppers
                    .partition_point(|u| u < b)
                    .min(uppers.len().saturating_sub(1));
                band_counts[i][j] += lc.n;
            }
            // Only in columns that are not screened (too many values).
            Level::Overflow => continue,
            Level::Text(t) => {
                if let Some(r) = rows.get_mut(t) {
                    r[j] += lc.n;
                } else {
                    let mut r = vec![0; groups.len()];
                    r[j] += lc.n;
                    rows.insert(t.clone(), r);
                }
            }
        }
    }
    // Bands (in value order) and text values (sorted) as rows; the missing
    // row last, apart, so that a text value "(missing)" keeps its own row.
    let mut levels: Vec<String> = vec![];
    let mut table: Vec<Vec<u64>> = vec![];
    for ((_, label), counts) in bands_of.iter().zip(band_counts) {
        if counts.iter().any(|&n| n > 0) {
            levels.push(label.clone());
            table.push(counts);
        }
    }
    for (label, counts) in rows {
        levels.push(label);
        table.push(counts);
    }
    if let Some(m) = missing {
        levels.push(crate::counts::MISSING.to_string());
        table.push(m);
    }
    (levels, table)
}

/// The levels of a numeric column with few distinct values: one per bucket,
/// named by the values' text when known, else the bucket's middle to 6
/// significant digits (buckets are 2⁻¹² ≈ 0.024% wide, so names differ).
fn value_levels(c: &ColumnCounts, max: usize) -> Option<Vec<(i32, String)>> {
    let buckets: std::collections::BTreeSet<i32> = c
        .cells
        .keys()
        .filter_map(|(_, l)| match l {
            Level::Bucket(b) => Some(*b),
            _ => None,
        })
        .collect();
    if buckets.len() > max {
        return None;
    }
    Some(
        buckets
            .into_iter()
            .map(|b| {
                let label = c.labels.get(&b).cloned().flatten().unwrap_or_else(|| {
                    // 6 significant digits tell buckets (2⁻¹² apart) apart.
                    let v = crate::counts::examine::fine_mid(b);
                    format!("{}", format!("{v:.5e}").parse::<f64>().unwrap_or(v))
                });
                (b, label)
            })
            .collect(),
    )
}

/// A numeric column's levels for screening and whether they are bands: its
/// values when few (`false`), else its quantile bands (`true`); none for a
/// text column. The same for
/// every attribute, so computed once per column.
fn levels_of(c: &ColumnCounts, e: &ExamineSpec) -> (Vec<(i32, String)>, bool) {
    if !c.numeric {
        return (vec![], false);
    }
    match value_levels(c, e.categorical_max) {
        Some(v) => (v, false),
        None => (bands(c, e.bands), true),
    }
}

fn screen(
    c: &ColumnCounts,
    attr: &str,
    a: usize,
    groups: &[String],
    (bands_of, banded): &(Vec<(i32, String)>, bool),
) -> ProxyScreen {
    let banded = *banded;
    let (levels, table) = contingency(c, a, groups, bands_of);
    let f: Vec<Vec<f64>> = table
        .iter()
        .map(|r| r.iter().map(|&x| x as f64).collect())
        .collect();
    let auc: Vec<(String, Option<f64>)> = groups
        .iter()
        .enumerate()
        .map(|(j, g)| (g.clone(), association::one_vs_rest_auc(&f, j)))
        .collect();
    let n: f64 = f.iter().flatten().sum();
    let max_auc = auc
        .iter()
        .filter_map(|(g, v)| v.map(|v| (g.clone(), v)))
        .fold(None, |best: Option<(String, f64)>, x| match best {
            Some(b) if b.1 >= x.1 => Some(b),
            _ => Some(x),
        });
    let weighted_auc = (n > 0.0 && auc.iter().all(|(_, v)| v.is_some())).then(|| {
        auc.iter()
            .enumerate()
            .map(|(j, (_, v))| v.unwrap_or(0.0) * f.iter().map(|r| r[j]).sum::<f64>() / n)
            .sum()
    });
    ProxyScreen {
        column: c.name.clone(),
        attribute: attr.to_string(),
        kind: if banded {
            format!("numeric ({} quantile bands)", bands_of.len())
        } else if c.numeric {
            format!("numeric with {} values (each a level)", bands_of.len())
        } else {
            "categorical".into()
        },
        levels,
        groups: groups.to_vec(),
        association: association::association(&f),
        table,
        auc,
        max_auc,
        weighted_auc,
        rank: 0,
    }
}

fn schema(d: &DataCounts) -> SchemaInfo {
    let columns: Vec<SchemaColumn> = d
        .schema
        .iter()
        .map(|(name, dtype)| {
            let categories = d
                .columns
                .iter()
                .find(|c| &c.name == name && !c.numeric)
                .and_then(|c| {
                    let mut v: Vec<String> = c
                        .cells
                        .keys()
                        .filter_map(|(_, l)| match l {
                            Level::Text(t) => Some(t.clone()),
                            _ => None,
                        })
                        .collect();
                    v.sort();
                    v.dedup();
                    (v.len() <= 50).then_some(v)
                });
            SchemaColumn {
                name: name.clone(),
                dtype: dtype.clone(),
                categories,
            }
        })
        .collect();
    let canonical = serde_json::to_string(&columns).expect("JSON");
    SchemaInfo {
        sha256: crate::digest::sha256_hex(canonical.as_bytes()),
        columns,
    }
}

fn band_of(psi: f64, e: &ExamineSpec) -> &'static str {
    if psi < e.psi_warn {
        "stable"
    } else if psi < e.psi_fail {
        "moderate"
    } else {
        "major"
    }
}

fn schema_changes(before: &[SchemaColumn], after: &[SchemaColumn]) -> Vec<String> {
    let mut v = vec![];
    for b in before {
        match after.iter().find(|a| a.name == b.name) {
            None => v.push(format!("column '{}' removed", b.name)),
            Some(a) if a.dtype != b.dtype => v.push(format!(
                "column '{}' changed type from {} to {}",
                b.name, b.dtype, a.dtype
            )),
            Some(a) => {
                if let (Some(x), Some(y)) = (&b.categories, &a.categories) {
                    let new: Vec<&String> = y.iter().filter(|c| !x.contains(c)).collect();
                    let gone: Vec<&String> = x.iter().filter(|c| !y.contains(c)).collect();
                    if !new.is_empty() || !gone.is_empty() {
                        v.push(format!(
                            "column '{}' categories changed (new: {}; gone: {})",
                            b.name,
                            list(&new),
                            list(&gone)
                        ));
                    }
                }
            }
        }
    }
    for a in after {
        if !before.iter().any(|b| b.name == a.name) {
            v.push(format!("column '{}' added ({})", a.name, a.dtype));
        }
    }
    v
}

fn list(v: &[&String]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.iter()
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn drift(x: &DataExamination, p: &PreviousData, spec: &ExamineSpec) -> Drift {
    let mut psi = vec![];
    for r in &x.representation {
        let Some(before) = p.mix.get(&r.attribute) else {
            continue;
        };
        let mut cats: Vec<String> = before.keys().cloned().collect();
        for g in &r.groups {
            if !cats.contains(&g.group) {
                cats.push(g.group.clone());
            }
        }
        let nb: u64 = before.values().sum();
        let na: u64 = r.groups.iter().map(|g| g.count).sum();
        let e: Vec<f64> = cats
            .iter()
            .map(|c| before.get(c).copied().unwrap_or(0) as f64 / nb.max(1) as f64)
            .collect();
        let a: Vec<f64> = cats
            .iter()
            .map(|c| {
                r.groups
                    .iter()
                    .find(|g| &g.group == c)
                    .map_or(0, |g| g.count) as f64
                    / na.max(1) as f64
            })
            .collect();
        let v = association::psi(&e, &a);
        psi.push(Psi {
            what: "attribute mix".into(),
            attribute: r.attribute.clone(),
            group: None,
            psi: v,
            band: band_of(v, spec),
            before: cats.iter().cloned().zip(e).collect(),
            after: cats.iter().cloned().zip(a).collect(),
        });
    }
    for o in &x.outcomes {
        for (attr, groups) in &o.attributes {
            for g in groups {
                let key = (o.role.clone(), attr.clone(), g.group.clone());
                let Some(&(bx, bn)) = p.rates.get(&key) else {
                    continue;
                };
                let (Some(ra), true) = (g.rate, bn > 0) else {
                    continue;
                };
                let rb = bx as f64 / bn as f64;
                let v = association::psi(&[rb, 1.0 - rb], &[ra, 1.0 - ra]);
                psi.push(Psi {
                    what: format!("{} rate", o.role),
                    attribute: attr.clone(),
                    group: Some(g.group.clone()),
                    psi: v,
                    band: band_of(v, spec),
                    before: vec![("favourable".into(), rb), ("adverse".into(), 1.0 - rb)],
                    after: vec![("favourable".into(), ra), ("adverse".into(), 1.0 - ra)],
                });
            }
        }
    }
    Drift {
        previous_run: p.run_id.clone(),
        previous_date: p.run_date.clone(),
        schema_changes: schema_changes(&p.schema, &x.schema.columns),
        psi,
    }
}

/// The examination of the counts.
pub fn examine(d: &DataCounts, s: &Settings, previous: Option<&PreviousData>) -> DataExamination {
    let e = s.examine;
    let pop: Option<&Population> = e.population.as_ref().map(|(_, p)| p);
    let outcome_cols: Vec<&str> = s.outcomes.columns.iter().map(|(_, c, _)| *c).collect();
    let mut x = DataExamination {
        rows: d.rows,
        duplicate_rows: d.duplicate_rows,
        attributes: d.attributes.clone(),
        schema: schema(d),
        representation: vec![],
        outcomes: vec![],
        quality: vec![],
        proxies: vec![],
        not_screened: vec![],
        drift: None,
    };
    for (a, attr) in d.attributes.iter().enumerate() {
        let counts = marginal(&d.groups, a);
        x.representation.push(representation(
            attr,
            &counts,
            pop.and_then(|p| p.get(attr)),
            s.level,
        ));
    }
    for (role, column, map) in &s.outcomes.columns {
        let Some(c) = d.columns.iter().find(|c| c.name == *column) else {
            continue;
        };
        let attributes = d
            .attributes
            .iter()
            .enumerate()
            .map(|(a, attr)| {
                let oc = outcome_counts(c, a, map, s.favorable);
                let sizes: BTreeMap<String, u64> =
                    oc.iter().map(|(g, (_, n))| (g.clone(), *n)).collect();
                let reference = reference_of(s, attr, &sizes);
                (attr.clone(), rates(&oc, &reference, s.level, s.stats))
            })
            .collect();
        x.outcomes.push(OutcomeRates {
            role: role.to_string(),
            column: column.to_string(),
            attributes,
        });
    }
    // Columns in parallel (each column's tables are read by its own task);
    // results in column order.
    let quality: Vec<Vec<ColumnQuality>> = d
        .columns
        .par_iter()
        .map(|c| {
            let has_range = e.ranges.iter().any(|r| r.column == c.name);
            (d.attributes.iter().enumerate())
                .map(|(a, attr)| quality(c, attr, a, has_range, s.stats))
                .collect()
        })
        .collect();
    x.quality = quality.into_iter().flatten().collect();
    let groups: Vec<Vec<String>> = (0..d.attributes.len())
        .map(|a| marginal(&d.groups, a).into_keys().collect())
        .collect();
    let screened: Vec<Result<Vec<ProxyScreen>, NotScreened>> = d
        .columns
        .par_iter()
        .map(|c| {
            let not = |reason: String| {
                Err(NotScreened {
                    column: c.name.clone(),
                    reason,
                })
            };
            if outcome_cols.contains(&c.name.as_str()) {
                return not("an outcome column (label or prediction)".into());
            }
            if d.attributes.contains(&c.name) {
                return not("a protected attribute".into());
            }
            let distinct = c
                .cells
                .keys()
                .filter(|(_, l)| matches!(l, Level::Text(_)))
                .map(|(_, l)| l)
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            let overflow = c.cells.keys().any(|(_, l)| *l == Level::Overflow);
            if !c.numeric && (overflow || distinct > e.max_levels) {
                return not(format!(
                    "more than {} distinct values: an identifier or free text; band it before screening",
                    e.max_levels
                ));
            }
            let levels = levels_of(c, e);
            Ok((d.attributes.iter().enumerate())
                .map(|(a, attr)| screen(c, attr, a, &groups[a], &levels))
                .collect())
        })
        .collect();
    for r in screened {
        match r {
            Ok(p) => x.proxies.extend(p),
            Err(n) => x.not_screened.push(n),
        }
    }
    // Rank within each attribute by bias-corrected V (undefined last).
    for attr in &d.attributes {
        let mut idx: Vec<usize> = (0..x.proxies.len())
            .filter(|&i| &x.proxies[i].attribute == attr)
            .collect();
        let v = |i: usize| {
            x.proxies[i]
                .association
                .as_ref()
                .map_or(-1.0, |a| a.cramers_v_corrected)
        };
        idx.sort_by(|&i, &j| v(j).total_cmp(&v(i)));
        for (r, i) in idx.into_iter().enumerate() {
            x.proxies[i].rank = r + 1;
        }
    }
    let pos = |a: &str| d.attributes.iter().position(|x| x == a);
    x.proxies.sort_by_key(|p| (pos(&p.attribute), p.rank));
    if let Some(p) = previous {
        x.drift = Some(drift(&x, p, e));
    }
    x
}
