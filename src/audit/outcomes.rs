//! A decision with more than two outcomes. The binary audit judges the
//! favourable levels against the others; here, for every attribute and
//! group, the rate of each level with simultaneous intervals (Goodman's: a
//! Wilson interval at level 1 − α/k for k levels, so all k hold together), a
//! chi-square test of group × level, the confusion of the label with the
//! levels, and one audit per level against the rest (its rate's disparities
//! against the reference, its one-vs-rest TPR and FPR) — all from the level
//! counts of the one scan.

use std::collections::BTreeMap;

use ndarray::Array2;

use crate::counts::{Counts, GroupValue, LevelCell, OutcomeCounts};
use crate::metrics::groups::group_name;
use crate::spec::AuditSpec;
use crate::stats::{self, ChiSquare};
use crate::Result;

use super::{attribute_sets, AuditResult};

/// One group's outcome mix.
#[derive(Clone, Debug)]
pub struct OutcomeGroup {
    /// The group's name.
    pub group: String,
    /// Rows (weight sums when weighted) per level, by label: `[label 0, label 1]`.
    pub counts: Vec<LevelCell>,
    /// Each level's rate with its simultaneous interval.
    pub rates: Vec<(f64, Option<(f64, f64)>)>,
}

impl OutcomeGroup {
    /// Rows of the group.
    pub fn rows(&self) -> u64 {
        self.counts.iter().map(|c| c.n[0] + c.n[1]).sum()
    }
}

/// One attribute's outcome mix.
#[derive(Clone, Debug)]
pub struct OutcomeAttribute {
    /// "sex", or "sex & race".
    pub name: String,
    /// Every group, in the binary audit's order.
    pub groups: Vec<OutcomeGroup>,
    /// Group × level chi-square test of independence over the groups large
    /// enough to judge (`None`: fewer than two such groups or levels with rows).
    pub chi_square: Option<ChiSquare>,
    /// Groups left out of the test (below the minimum size or share).
    pub left_out: Vec<String>,
}

/// The multi-outcome part of an audit.
#[derive(Clone, Debug)]
pub struct OutcomeAudit {
    /// The levels.
    pub levels: Vec<String>,
    /// The favourable levels.
    pub favorable: Vec<String>,
    /// The confidence level of the simultaneous intervals.
    pub ci_level: f64,
    /// Every attribute and intersection.
    pub attributes: Vec<OutcomeAttribute>,
    /// One audit per level against the rest (bootstrap off).
    pub per_level: Vec<AuditResult>,
}

fn rollup(oc: &OutcomeCounts, members: &[usize]) -> BTreeMap<Vec<GroupValue>, Vec<LevelCell>> {
    let mut out: BTreeMap<Vec<GroupValue>, Vec<LevelCell>> = BTreeMap::new();
    for (k, cells) in &oc.cells {
        let key: Vec<GroupValue> = members.iter().map(|&i| k[i].clone()).collect();
        let acc = out
            .entry(key)
            .or_insert_with(|| vec![LevelCell::default(); cells.len()]);
        for (a, c) in acc.iter_mut().zip(cells) {
            for l in 0..2 {
                a.n[l] += c.n[l];
                a.w[l] += c.w[l];
                a.w2[l] += c.w2[l];
            }
        }
    }
    out
}

/// Each level's rate and its simultaneous (Goodman) interval. Weighted data
/// use weight shares and Kish's effective size.
fn rates(cells: &[LevelCell], weighted: bool, ci_level: f64) -> Vec<(f64, Option<(f64, f64)>)> {
    let k = cells.len() as f64;
    let level = 1.0 - (1.0 - ci_level) / k;
    let (tot, tot2, rows): (f64, f64, f64) = cells.iter().fold((0.0, 0.0, 0.0), |a, c| {
        (
            a.0 + c.w[0] + c.w[1],
            a.1 + c.w2[0] + c.w2[1],
            a.2 + (c.n[0] + c.n[1]) as f64,
        )
    });
    cells
        .iter()
        .map(|c| {
            if weighted {
                let p = if tot > 0.0 {
                    (c.w[0] + c.w[1]) / tot
                } else {
                    0.0
                };
                let n_eff = if tot2 > 0.0 { tot * tot / tot2 } else { 0.0 };
                (p, stats::wilson(p * n_eff, n_eff, level))
            } else {
                let x = (c.n[0] + c.n[1]) as f64;
                (
                    if rows > 0.0 { x / rows } else { 0.0 },
                    stats::wilson(x, rows, level),
                )
            }
        })
        .collect()
}

/// The outcome audit of counts with level counts; `None` for a binary decision.
pub fn audit(spec: &AuditSpec, counts: &Counts) -> Result<Option<OutcomeAudit>> {
    let (Some(oc), Some(o)) = (&counts.outcomes, &spec.outcomes) else {
        return Ok(None);
    };
    let mut level_spec = spec.clone();
    level_spec.outcomes = None;
    level_spec.stats.bootstrap = 0;
    let per_level = (0..oc.levels.len())
        .map(|j| {
            let c = counts.one_vs_rest(j).expect("level counts");
            super::audit_counts(&level_spec, c)
        })
        .collect::<Result<Vec<_>>>()?;
    let ci_level = spec.stats.ci_level;
    let attributes = attribute_sets(counts.n_protected(), spec.intersect)
        .into_iter()
        .map(|members| {
            let names: Vec<&str> = members
                .iter()
                .map(|&i| counts.attributes[i].as_str())
                .collect();
            let table = rollup(oc, &members);
            let mut groups: Vec<OutcomeGroup> = table
                .iter()
                .map(|(k, cells)| OutcomeGroup {
                    group: group_name(k),
                    rates: rates(cells, counts.weighted, ci_level),
                    counts: cells.clone(),
                })
                .collect();
            // Missing values last, as in the binary audit.
            groups.sort_by_key(|g| g.group.contains(crate::counts::MISSING));
            // The test over the groups large enough to judge, as the binary
            // audit's chi-square (docs/metrics.md, "Small groups").
            let total: u64 = groups.iter().map(|g| g.rows()).sum();
            let judged: Vec<&OutcomeGroup> = groups
                .iter()
                .filter(|g| {
                    super::attribute::size_status(g.rows(), total.max(1) as f64, &spec.stats)
                        .is_ok()
                })
                .collect();
            let t = Array2::from_shape_fn((judged.len(), oc.levels.len()), |(i, j)| {
                let c = &judged[i].counts[j];
                if counts.weighted {
                    c.w[0] + c.w[1]
                } else {
                    (c.n[0] + c.n[1]) as f64
                }
            });
            let left_out = groups
                .iter()
                .filter(|g| !judged.iter().any(|j| j.group == g.group))
                .map(|g| g.group.clone())
                .collect();
            OutcomeAttribute {
                name: names.join(" & "),
                chi_square: stats::chi_square_independence(&t),
                left_out,
                groups,
            }
        })
        .collect();
    Ok(Some(OutcomeAudit {
        levels: oc.levels.clone(),
        favorable: o.favorable.clone(),
        ci_level,
        attributes,
        per_level,
    }))
}
