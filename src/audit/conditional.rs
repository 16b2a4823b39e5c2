//! Conditional demographic parity (`--stratify COL`): selection-rate gaps
//! among comparable applicants, within each stratum of a legitimate factor,
//! and the Mantel–Haenszel common odds ratio of each group against the
//! reference across strata.

use std::collections::{BTreeMap, HashSet};

use crate::counts::{show, Cell, Counts, GroupValue};
use crate::metrics::{group_name, RateOf};
use crate::spec::metric::Rate;
use crate::stats;

use super::GroupAudit;

/// One stratum of a conditional-parity analysis.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Stratum {
    /// The stratum's value.
    pub value: String,
    /// Rows in the stratum.
    pub n: u64,
    /// (group, rows, selection rate) of the groups with rows in the stratum.
    pub groups: Vec<(String, u64, Option<f64>)>,
    /// max − min selection rate over judged groups with rows in the stratum.
    pub demographic_parity_difference: Option<f64>,
}

/// The Mantel–Haenszel comparison of one group with the reference across strata.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct MantelHaenszel {
    /// The group compared with the reference.
    pub group: String,
    /// The common odds ratio of selection.
    pub common_odds_ratio: Option<f64>,
    /// Its Robins–Breslow–Greenland interval.
    pub common_odds_ratio_ci: Option<(f64, f64)>,
    /// The Cochran–Mantel–Haenszel statistic.
    pub statistic: Option<f64>,
    /// Its p-value.
    pub p_value: Option<f64>,
    /// The p-value adjusted with the report's other tests.
    pub p_adjusted: Option<f64>,
}

/// Conditional demographic parity: gaps among comparable applicants.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ConditionalParity {
    /// The stratification column.
    pub column: String,
    /// Every stratum.
    pub strata: Vec<Stratum>,
    /// Within-stratum DP differences averaged with the strata's rows as weights.
    pub weighted_demographic_parity_difference: Option<f64>,
    /// Each non-reference group against the reference (odds of selection).
    pub mantel_haenszel: Vec<MantelHaenszel>,
}

/// The cells of one attribute's groups, by stratum value.
type ByStratum<'a> = BTreeMap<GroupValue, Vec<(Vec<GroupValue>, &'a Cell)>>;

fn selection(c: &Cell) -> crate::metrics::Parts {
    Rate::SelectionRate.parts(c)
}

/// One stratum's rates and selection-rate range over judged groups.
fn stratum(
    value: &GroupValue,
    groups: &[(Vec<GroupValue>, &Cell)],
    judged: &HashSet<&Vec<GroupValue>>,
) -> Stratum {
    let n: u64 = groups.iter().map(|(_, c)| c.rows()).sum();
    let rates: Vec<(String, u64, Option<f64>)> = groups
        .iter()
        .map(|(g, c)| (group_name(g), c.rows(), selection(c).value()))
        .collect();
    let judged_rates: Vec<f64> = groups
        .iter()
        .filter(|(g, _)| judged.contains(g))
        .filter_map(|(_, c)| selection(c).value())
        .collect();
    let dpd = (judged_rates.len() >= 2).then(|| {
        judged_rates
            .iter()
            .cloned()
            .fold(f64::NEG_INFINITY, f64::max)
            - judged_rates.iter().cloned().fold(f64::INFINITY, f64::min)
    });
    Stratum {
        value: show(value).to_string(),
        n,
        groups: rates,
        demographic_parity_difference: dpd,
    }
}

/// Each judged group against the reference across strata, in effective
/// counts (with weights, Kish's effective sizes: weight sums are not counts).
fn mantel_haenszel(strata: &ByStratum, audits: &[GroupAudit], level: f64) -> Vec<MantelHaenszel> {
    let Some(rk) = audits.iter().find(|g| g.is_reference).map(|g| &g.group.key) else {
        return vec![];
    };
    audits
        .iter()
        .filter(|g| !g.is_reference && g.status.is_ok())
        .map(|g| {
            let tables: Vec<[f64; 4]> = strata
                .values()
                .filter_map(|groups| {
                    let find = |k: &Vec<GroupValue>| {
                        groups
                            .iter()
                            .find(|(g, _)| g == k)
                            .and_then(|(_, c)| selection(c).effective())
                    };
                    let ((x1, n1), (x2, n2)) = (find(&g.group.key)?, find(rk)?);
                    Some([x1, n1 - x1, x2, n2 - x2])
                })
                .collect();
            let res = stats::mantel_haenszel(&tables, level);
            MantelHaenszel {
                group: g.group.name.clone(),
                common_odds_ratio: res.map(|r| r.odds_ratio),
                common_odds_ratio_ci: res.and_then(|r| r.ci),
                statistic: res.map(|r| r.statistic),
                p_value: res.map(|r| r.p_value),
                p_adjusted: res.map(|r| r.p_value),
            }
        })
        .collect()
}

/// Selection-rate disparities of one attribute within each stratum, and the
/// Mantel–Haenszel common odds ratio of each group against the reference.
pub fn conditional_parity(
    counts: &Counts,
    members: &[usize],
    stratum_index: usize,
    audits: &[GroupAudit],
    level: f64,
) -> ConditionalParity {
    let mut keys = members.to_vec();
    keys.push(stratum_index);
    let table = counts.rollup(&keys);
    let judged: HashSet<&Vec<GroupValue>> = audits
        .iter()
        .filter(|g| g.status.is_ok())
        .map(|g| &g.group.key)
        .collect();
    let mut strata: ByStratum = BTreeMap::new();
    for (k, c) in &table {
        let (g, s) = k.split_at(members.len());
        strata
            .entry(s[0].clone())
            .or_default()
            .push((g.to_vec(), c));
    }
    let out: Vec<Stratum> = strata
        .iter()
        .map(|(value, groups)| stratum(value, groups, &judged))
        .collect();
    let (num, den) = out
        .iter()
        .filter_map(|s| s.demographic_parity_difference.map(|d| (s.n as f64, d)))
        .fold((0.0, 0.0), |(num, den), (n, d)| (num + n * d, den + n));
    ConditionalParity {
        column: counts.attributes[stratum_index].clone(),
        mantel_haenszel: mantel_haenszel(&strata, audits, level),
        strata: out,
        weighted_demographic_parity_difference: (den > 0.0).then(|| num / den),
    }
}
