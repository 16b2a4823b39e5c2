//! The pipeline: counts → per-attribute audits with intervals and tests.
//! [`run`] is what the CLI calls; [`audit_counts`] starts from counts, so counts
//! from anywhere (several files, a SQL engine) give the same report as the file.

use std::collections::HashMap;

use ndarray::Array2;

use crate::bootstrap::{self, AttributePlan};
use crate::counts::{Cell, Counts, GroupValue};
use crate::ingest;
use crate::metrics::{
    attribute_name, choose_reference, disparity, favorable_rate, summarize, Disparity, Group,
    Parts, Rate, Reference, Summary, Value, SUMMARIES,
};
use crate::spec::{AuditSpec, Favorable, StatOptions};
use crate::stats::{self, ChiSquare, TestKind};
use crate::Result;

/// The rates tested against the reference.
pub const TESTED_RATES: [Rate; 4] = [Rate::SelectionRate, Rate::Tpr, Rate::Fpr, Rate::Ppv];

/// An interval, when one exists.
pub type Ci = Option<(f64, f64)>;

/// A significance test and its adjusted p-value.
#[derive(Clone, Debug, PartialEq)]
pub struct Test {
    pub p_value: f64,
    /// Filled in once every test of the report is known.
    pub p_adjusted: f64,
    pub kind: TestKind,
}

/// A disparity with its intervals and, for the tested rates, its test.
#[derive(Clone, Debug)]
pub struct DisparityStats {
    pub rate: Rate,
    pub value: Disparity,
    pub difference_ci: Ci,
    pub ratio_ci: Ci,
    /// Why there is no test, when there is none for a tested rate.
    pub test: std::result::Result<Test, String>,
}

/// Whether a group is large enough to be judged.
#[derive(Clone, Debug, PartialEq)]
pub enum GroupStatus {
    Ok,
    InsufficientData(String),
}

impl GroupStatus {
    pub fn is_ok(&self) -> bool {
        *self == GroupStatus::Ok
    }
}

/// One group's results within an attribute.
#[derive(Clone, Debug)]
pub struct GroupAudit {
    pub group: Group,
    /// Share of the rows used.
    pub share: f64,
    pub status: GroupStatus,
    /// Kish's effective sample size of the group (the rows when unweighted).
    pub effective_n: f64,
    /// Interval on every rate (indexed like `Rate::ALL`).
    pub rate_ci: [Ci; 11],
    /// Difference and ratio against the reference, per rate.
    pub disparities: Vec<DisparityStats>,
    /// Favourable-outcome rate over the reference's (the four-fifths ratio).
    pub impact_ratio: Value,
    pub impact_ratio_ci: Ci,
    /// ½((fpr − fpr_ref) + (tpr − tpr_ref)), AIF360's average odds difference.
    pub average_odds_difference: Value,
    /// Whether this group is the reference.
    pub is_reference: bool,
    /// Score metrics, when a score column is audited.
    pub score: Option<crate::score::ScoreMetrics>,
}

/// A chi-square test of independence of group and prediction.
#[derive(Clone, Debug, PartialEq)]
pub struct ChiSquareTest {
    pub result: ChiSquare,
    pub p_adjusted: f64,
}

/// One attribute or intersection.
#[derive(Clone, Debug)]
pub struct AttributeAudit {
    /// "sex", or "sex & race" for an intersection.
    pub name: String,
    pub members: Vec<String>,
    pub reference: Reference,
    /// The reference's name: a group name, or "(overall)".
    pub reference_name: String,
    pub groups: Vec<GroupAudit>,
    pub summary: Summary,
    /// Bootstrap interval per summary (aligned with `summary.values`).
    pub summary_ci: Vec<Ci>,
    /// Replicates in which a summary was undefined (aligned likewise).
    pub summary_undefined_replicates: Vec<usize>,
    pub chi_square: std::result::Result<ChiSquareTest, String>,
    /// Score summaries over the judged groups (with a score column).
    pub score_summary: Vec<(&'static str, Value)>,
    /// Between-group generalized entropy and Theil indices.
    pub inequality: crate::inequality::Indices,
    /// Selection-rate disparities within strata (with `--stratify`).
    pub conditional: Option<ConditionalParity>,
}

/// One stratum of a conditional-parity analysis.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Stratum {
    pub value: String,
    pub n: u64,
    /// (group, rows, selection rate) of the groups with rows in the stratum.
    pub groups: Vec<(String, u64, Option<f64>)>,
    /// max − min selection rate over judged groups with rows in the stratum.
    pub demographic_parity_difference: Option<f64>,
}

/// The Mantel–Haenszel comparison of one group with the reference across strata.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct MantelHaenszel {
    pub group: String,
    pub common_odds_ratio: Option<f64>,
    pub statistic: Option<f64>,
    pub p_value: Option<f64>,
}

/// Conditional demographic parity: gaps among comparable applicants.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ConditionalParity {
    pub column: String,
    pub strata: Vec<Stratum>,
    /// Within-stratum DP differences averaged with the strata's rows as weights.
    pub weighted_demographic_parity_difference: Option<f64>,
    /// Each non-reference group against the reference (odds of selection).
    pub mantel_haenszel: Vec<MantelHaenszel>,
}

/// The result of an audit, before any output format.
#[derive(Clone, Debug)]
pub struct Audit {
    pub spec: AuditSpec,
    pub counts: Counts,
    pub overall: Group,
    pub overall_ci: [Ci; 11],
    pub overall_effective_n: f64,
    pub attributes: Vec<AttributeAudit>,
    /// Number of tests in the multiple-comparison family.
    pub tests_in_family: usize,
    /// Score metrics of the whole data set (with a score column).
    pub overall_score: Option<crate::score::ScoreMetrics>,
    /// Generalized entropy and Theil indices of the whole data set.
    pub inequality: crate::inequality::Indices,
}

/// Reads the data of `spec` and audits it.
pub fn run(spec: &AuditSpec) -> Result<Audit> {
    spec.validate()?;
    let mut spec = spec.clone();
    spec.data = ingest::expand_paths(&spec.data)?;
    let counts = ingest::read_all(&spec)?;
    audit_counts(&spec, counts)
}

/// Every attribute alone, then (with `intersect`) every combination of two or
/// more, in the order the attributes were given.
pub fn attribute_sets(n: usize, intersect: bool) -> Vec<Vec<usize>> {
    let mut sets: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    if intersect {
        for size in 2..=n {
            let mut combo: Vec<usize> = (0..size).collect();
            loop {
                sets.push(combo.clone());
                // next combination in lexicographic order
                let mut i = size;
                while i > 0 && combo[i - 1] == n - size + i - 1 {
                    i -= 1;
                }
                if i == 0 {
                    break;
                }
                combo[i - 1] += 1;
                for j in i..size {
                    combo[j] = combo[j - 1] + 1;
                }
            }
        }
    }
    sets
}

fn rate_cis(cell: &Cell, opts: &StatOptions) -> [Ci; 11] {
    Rate::ALL.map(|r| {
        let (x, n) = stats::effective(&r.parts(cell))?;
        stats::rate_ci(opts.ci_method, x, n, opts.ci_level)
    })
}

/// Kish's effective size of a whole cell.
fn effective_n(c: &Cell) -> f64 {
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
    let p = Rate::SelectionRate.parts(c);
    let (x, n) = stats::effective(&p)?;
    Some(match favorable {
        Favorable::Positive => (x, n),
        Favorable::Negative => (n - x, n),
    })
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
    let (other, scale) = match &reference.cell {
        RefCell::Group(c) => (rate.parts(c), 1.0),
        RefCell::Overall(all) => {
            let rest = all.minus(&g.cell);
            let s = if rate.parts(all).den > 0.0 {
                pg.den / rate.parts(all).den
            } else {
                0.0
            };
            (rate.parts(&rest), 1.0 - s)
        }
    };
    let eff = |p: &Parts| stats::effective(p);
    let (difference_ci, ratio_ci) = match (eff(&pg), eff(&other)) {
        (Some((x1, n1)), Some((x2, n2))) if !is_ref => {
            let d = stats::newcombe_diff(x1, n1, x2, n2, level)
                .map(|(lo, hi)| (lo * scale, hi * scale));
            let r = match reference.cell {
                RefCell::Group(_) if value.ratio.get().is_some() => {
                    stats::katz_ratio(x1, n1, x2, n2, level)
                }
                _ => None,
            };
            (d, r)
        }
        _ => (None, None),
    };
    let test = if !TESTED_RATES.contains(&rate) {
        Err("not tested".to_string())
    } else if is_ref {
        Err("the reference group".to_string())
    } else if let GroupStatus::InsufficientData(why) = status {
        Err(format!("insufficient data: {why}"))
    } else {
        match (eff(&pg), eff(&other)) {
            (Some((x1, n1)), Some((x2, n2))) => stats::compare_proportions(x1, n1, x2, n2)
                .map(|(p, kind)| Test {
                    p_value: p,
                    p_adjusted: p,
                    kind,
                })
                .ok_or_else(|| format!("{} undefined", rate.name())),
            (None, _) => Err(format!("the group's {} is undefined", rate.name())),
            (_, None) => Err(format!("the reference's {} is undefined", rate.name())),
        }
    };
    DisparityStats {
        rate,
        value,
        difference_ci,
        ratio_ci,
        test,
    }
}

enum RefCell {
    Group(Cell),
    Overall(Cell),
}

struct RefData {
    rates: crate::metrics::Rates,
    cell: RefCell,
}

/// Audits counts: the whole computation after ingest.
pub fn audit_counts(spec: &AuditSpec, counts: Counts) -> Result<Audit> {
    let opts = &spec.stats;
    let total = counts.total();
    let overall = Group::new(vec![], total.clone());
    let rows_used = total.rows() as f64;
    let mut attributes = vec![];
    let mut plans = vec![];
    let scored = counts.score_bins > 0;
    let score_of =
        |c: &Cell| scored.then(|| crate::score::metrics(c.hist.as_deref(), spec.calibration_bins));
    let indices = |ge: Option<f64>, theil: Option<f64>| crate::inequality::Indices {
        alpha: opts.ge_alpha,
        generalized_entropy: ge,
        theil,
    };
    for members in attribute_sets(counts.n_protected(), spec.intersect) {
        let names: Vec<String> = members
            .iter()
            .map(|&i| counts.attributes[i].clone())
            .collect();
        let name = attribute_name(&names);
        let mut cells: Vec<(Vec<GroupValue>, Cell)> = counts.rollup(&members).into_iter().collect();
        // Missing values last, otherwise in key order.
        cells.sort_by(|(a, _), (b, _)| {
            let am = a.iter().any(Option::is_none);
            let bm = b.iter().any(Option::is_none);
            am.cmp(&bm).then_with(|| a.cmp(b))
        });
        let groups: Vec<Group> = cells.into_iter().map(|(k, c)| Group::new(k, c)).collect();
        let status_of = |g: &Group| -> GroupStatus {
            let share = g.rows() as f64 / rows_used;
            if g.rows() < opts.min_group_size {
                GroupStatus::InsufficientData(format!(
                    "{} rows, fewer than the minimum group size {}",
                    g.rows(),
                    opts.min_group_size
                ))
            } else if share < opts.min_group_share {
                GroupStatus::InsufficientData(format!(
                    "{:.2}% of rows, less than the minimum share {:.2}%",
                    100.0 * share,
                    100.0 * opts.min_group_share
                ))
            } else {
                GroupStatus::Ok
            }
        };
        let statuses: Vec<GroupStatus> = groups.iter().map(status_of).collect();
        let included: Vec<bool> = statuses.iter().map(GroupStatus::is_ok).collect();
        let reference = choose_reference(&name, &groups, &spec.references, spec.favorable, &|g| {
            status_of(g).is_ok()
        })?;
        let (ref_data, ref_index, reference_name) = match &reference {
            Reference::Group(i) => (
                RefData {
                    rates: groups[*i].rates.clone(),
                    cell: RefCell::Group(groups[*i].cell.clone()),
                },
                Some(*i),
                groups[*i].name.clone(),
            ),
            Reference::Overall => (
                RefData {
                    rates: overall.rates.clone(),
                    cell: RefCell::Overall(total.clone()),
                },
                None,
                "(overall)".to_string(),
            ),
        };
        let summary = summarize(
            &groups,
            &included,
            &|g| match status_of(g) {
                GroupStatus::InsufficientData(why) => format!("insufficient data: {why}"),
                GroupStatus::Ok => String::new(),
            },
            &ref_data.rates,
            ref_index,
            spec.favorable,
        );

        // Chi-square: group × prediction over the groups that are judged, in
        // effective units when weighted.
        let judged: Vec<&Group> = groups
            .iter()
            .zip(&included)
            .filter(|(_, &i)| i)
            .map(|(g, _)| g)
            .collect();
        let table = Array2::from_shape_fn((judged.len(), 2), |(i, j)| {
            let p = Rate::SelectionRate.parts(&judged[i].cell);
            let (x, n) = stats::effective(&p).unwrap_or((0.0, 0.0));
            if j == 0 {
                x
            } else {
                n - x
            }
        });
        let chi_square = stats::chi_square_independence(&table)
            .map(|result| ChiSquareTest {
                p_adjusted: result.p_value,
                result,
            })
            .ok_or_else(|| {
                "needs at least two judged groups and both predicted outcomes".to_string()
            });

        // Bootstrap plan: finest cell → group.
        let index: HashMap<&Vec<GroupValue>, usize> = groups
            .iter()
            .enumerate()
            .map(|(i, g)| (&g.key, i))
            .collect();
        let cell_to_group = counts
            .cells
            .keys()
            .map(|k| {
                let key: Vec<GroupValue> = members.iter().map(|&i| k[i].clone()).collect();
                index[&key]
            })
            .collect();
        plans.push(AttributePlan {
            cell_to_group,
            n_groups: groups.len(),
            included: included.clone(),
            ref_index,
        });

        let ref_fav = favorable_effective(
            match &ref_data.cell {
                RefCell::Group(c) | RefCell::Overall(c) => c,
            },
            spec.favorable,
        );
        let ref_fav_rate = favorable_rate(&ref_data.rates, spec.favorable);
        let audits: Vec<GroupAudit> = groups
            .into_iter()
            .zip(statuses)
            .enumerate()
            .map(|(i, (g, status))| {
                let is_ref = Some(i) == ref_index;
                let disparities = Rate::ALL
                    .iter()
                    .map(|&r| disparity_stats(r, &g, &status, is_ref, &ref_data, opts))
                    .collect();
                let impact_ratio = match (favorable_rate(&g.rates, spec.favorable), ref_fav_rate) {
                    (Some(f), Some(r)) if r > 0.0 => Value::Defined(f / r),
                    (Some(_), Some(_)) => {
                        Value::Undefined("the reference's favourable-outcome rate is 0".into())
                    }
                    (None, _) => Value::Undefined("the group's selection_rate is undefined".into()),
                    (_, None) => {
                        Value::Undefined("the reference's selection_rate is undefined".into())
                    }
                };
                let impact_ratio_ci = match (&ref_data.cell, impact_ratio.get(), ref_fav) {
                    (RefCell::Group(_), Some(_), Some((x2, n2))) if !is_ref => {
                        favorable_effective(&g.cell, spec.favorable)
                            .and_then(|(x1, n1)| stats::katz_ratio(x1, n1, x2, n2, opts.ci_level))
                    }
                    _ => None,
                };
                let aod = match (
                    g.rates.get(Rate::Tpr),
                    g.rates.get(Rate::Fpr),
                    ref_data.rates.get(Rate::Tpr),
                    ref_data.rates.get(Rate::Fpr),
                ) {
                    (Some(t), Some(f), Some(rt), Some(rf)) => {
                        Value::Defined(0.5 * ((f - rf) + (t - rt)))
                    }
                    (None, ..) | (_, None, ..) => {
                        Value::Undefined("the group's tpr or fpr is undefined".into())
                    }
                    _ => Value::Undefined("the reference's tpr or fpr is undefined".into()),
                };
                GroupAudit {
                    score: score_of(&g.cell),
                    share: if rows_used > 0.0 {
                        g.rows() as f64 / rows_used
                    } else {
                        0.0
                    },
                    status,
                    effective_n: effective_n(&g.cell),
                    rate_ci: rate_cis(&g.cell, opts),
                    disparities,
                    impact_ratio,
                    impact_ratio_ci,
                    average_odds_difference: aod,
                    is_reference: is_ref,
                    group: g,
                }
            })
            .collect();
        let audits: Vec<GroupAudit> = audits;
        let judged_scores: Vec<&crate::score::ScoreMetrics> = audits
            .iter()
            .filter(|g| g.status.is_ok())
            .filter_map(|g| g.score.as_ref())
            .collect();
        let score_summary = if scored {
            crate::score::summaries(&judged_scores)
        } else {
            vec![]
        };
        let cells: Vec<&Cell> = audits.iter().map(|g| &g.group.cell).collect();
        let inequality = indices(
            crate::inequality::between_group(&cells, opts.ge_alpha),
            crate::inequality::between_group(&cells, 1.0),
        );
        let conditional = counts
            .stratum
            .map(|si| conditional_parity(&counts, &members, si, &audits, spec.favorable));
        attributes.push(AttributeAudit {
            score_summary,
            inequality,
            conditional,
            name,
            members: names,
            reference,
            reference_name,
            groups: audits,
            summary,
            summary_ci: vec![None; SUMMARIES.len()],
            summary_undefined_replicates: vec![0; SUMMARIES.len()],
            chi_square,
        });
    }

    // Bootstrap intervals of the summaries.
    if opts.bootstrap > 0 {
        let reps = bootstrap::run(&counts, &plans, opts.bootstrap, opts.seed, spec.favorable);
        for (a, (mut vals, undef)) in attributes
            .iter_mut()
            .zip(reps.values.into_iter().zip(reps.undefined))
        {
            for (k, v) in vals.iter_mut().enumerate() {
                if a.summary.values[k].1.value.get().is_some() {
                    a.summary_ci[k] = stats::percentile_interval(v, opts.ci_level);
                }
            }
            a.summary_undefined_replicates = undef;
        }
    }

    // Adjust every p-value of the report as one family.
    let mut ps = vec![];
    for a in &attributes {
        for g in &a.groups {
            for d in &g.disparities {
                if let Ok(t) = &d.test {
                    ps.push(t.p_value);
                }
            }
        }
        if let Ok(c) = &a.chi_square {
            ps.push(c.result.p_value);
        }
    }
    let adjusted = stats::p_adjust(&ps, opts.p_adjust);
    let mut it = adjusted.into_iter();
    for a in &mut attributes {
        for g in &mut a.groups {
            for d in &mut g.disparities {
                if let Ok(t) = &mut d.test {
                    t.p_adjusted = it.next().expect("one adjusted p per test");
                }
            }
        }
        if let Ok(c) = &mut a.chi_square {
            c.p_adjusted = it.next().expect("one adjusted p per test");
        }
    }

    let overall_score = score_of(&total);
    let inequality = indices(
        crate::inequality::generalized_entropy(&total, opts.ge_alpha),
        crate::inequality::generalized_entropy(&total, 1.0),
    );
    Ok(Audit {
        overall_score,
        inequality,
        spec: spec.clone(),
        overall_ci: rate_cis(&total, opts),
        overall_effective_n: effective_n(&total),
        counts,
        overall,
        attributes,
        tests_in_family: ps.len(),
    })
}

/// Selection-rate disparities of one attribute within each stratum, and the
/// Mantel–Haenszel common odds ratio of each group against the reference.
fn conditional_parity(
    counts: &Counts,
    members: &[usize],
    stratum: usize,
    audits: &[GroupAudit],
    _favorable: Favorable,
) -> ConditionalParity {
    let mut keys = members.to_vec();
    keys.push(stratum);
    let table = counts.rollup(&keys);
    let judged: std::collections::HashSet<&Vec<GroupValue>> = audits
        .iter()
        .filter(|g| g.status.is_ok())
        .map(|g| &g.group.key)
        .collect();
    let mut strata: std::collections::BTreeMap<GroupValue, Vec<(Vec<GroupValue>, &Cell)>> =
        Default::default();
    for (k, c) in &table {
        let (g, s) = k.split_at(members.len());
        strata
            .entry(s[0].clone())
            .or_default()
            .push((g.to_vec(), c));
    }
    let sel = |c: &Cell| Rate::SelectionRate.parts(c);
    let mut out = vec![];
    let (mut num, mut den) = (0.0, 0.0);
    for (value, groups) in &strata {
        let n: u64 = groups.iter().map(|(_, c)| c.rows()).sum();
        let rates: Vec<(String, u64, Option<f64>)> = groups
            .iter()
            .map(|(g, c)| (crate::metrics::group_name(g), c.rows(), sel(c).value()))
            .collect();
        let judged_rates: Vec<f64> = groups
            .iter()
            .filter(|(g, _)| judged.contains(g))
            .filter_map(|(_, c)| sel(c).value())
            .collect();
        let dpd = (judged_rates.len() >= 2).then(|| {
            judged_rates
                .iter()
                .cloned()
                .fold(f64::NEG_INFINITY, f64::max)
                - judged_rates.iter().cloned().fold(f64::INFINITY, f64::min)
        });
        if let Some(d) = dpd {
            num += n as f64 * d;
            den += n as f64;
        }
        out.push(Stratum {
            value: crate::counts::show(value).to_string(),
            n,
            groups: rates,
            demographic_parity_difference: dpd,
        });
    }
    let reference = audits
        .iter()
        .find(|g| g.is_reference)
        .map(|g| g.group.key.clone());
    let mut mh = vec![];
    if let Some(rk) = reference {
        for g in audits
            .iter()
            .filter(|g| !g.is_reference && g.status.is_ok())
        {
            let tables: Vec<[f64; 4]> = strata
                .values()
                .filter_map(|groups| {
                    let find = |k: &Vec<GroupValue>| {
                        groups.iter().find(|(g, _)| g == k).map(|(_, c)| sel(c))
                    };
                    let (a, r) = (find(&g.group.key)?, find(&rk)?);
                    Some([a.num, a.den - a.num, r.num, r.den - r.num])
                })
                .collect();
            let res = stats::mantel_haenszel(&tables);
            mh.push(MantelHaenszel {
                group: g.group.name.clone(),
                common_odds_ratio: res.map(|r| r.0),
                statistic: res.map(|r| r.1),
                p_value: res.map(|r| r.2),
            });
        }
    }
    ConditionalParity {
        column: counts.attributes[stratum].clone(),
        strata: out,
        weighted_demographic_parity_difference: (den > 0.0).then(|| num / den),
        mantel_haenszel: mh,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_sets_cover_every_intersection() {
        assert_eq!(attribute_sets(2, false), vec![vec![0], vec![1]]);
        assert_eq!(
            attribute_sets(3, true),
            vec![
                vec![0],
                vec![1],
                vec![2],
                vec![0, 1],
                vec![0, 2],
                vec![1, 2],
                vec![0, 1, 2]
            ]
        );
        assert_eq!(attribute_sets(1, true), vec![vec![0]]);
    }
}
