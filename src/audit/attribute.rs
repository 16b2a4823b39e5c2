//! One attribute or intersection: its groups (from the roll-up of the
//! counts), the reference, the summaries, the chi-square test, score
//! summaries, inequality indices and conditional parity.

use ndarray::Array2;

use crate::counts::{Cell, Counts, GroupValue};
use crate::metrics::{
    attribute_name, choose_reference, summarize, Group, RateOf, Reference, Summaries, Value,
};
use crate::spec::metric::{Rate, ScoreSummary};
use crate::spec::{AuditSpec, StatOptions};
use crate::stats::{self, ChiSquare};
use crate::Result;

use super::bootstrap::AttributePlan;
use super::conditional::{conditional_parity, ConditionalParity};
use super::group::{group_audit, GroupAudit, GroupContext, GroupStatus, RefCounts, RefData};
use super::Ci;

/// A chi-square test of independence of group and prediction.
#[derive(Clone, Debug, PartialEq)]
pub struct ChiSquareTest {
    /// The test.
    pub result: ChiSquare,
    /// Its p-value adjusted across the report.
    pub p_adjusted: f64,
}

/// One attribute or intersection.
#[derive(Clone, Debug)]
pub struct AttributeAudit {
    /// "sex", or "sex & race" for an intersection.
    pub name: String,
    /// The member attributes.
    pub members: Vec<String>,
    /// The reference groups are compared with.
    pub reference: Reference,
    /// The reference's name: a group name, or "(overall)".
    pub reference_name: String,
    /// Every group, missing values last.
    pub groups: Vec<GroupAudit>,
    /// The summaries over the judged groups.
    pub summary: Summaries,
    /// Bootstrap interval per summary (indexed by `Summary as usize`).
    pub summary_ci: Vec<Ci>,
    /// Replicates in which a summary was undefined (indexed likewise).
    pub summary_undefined_replicates: Vec<usize>,
    /// Group × prediction chi-square test, or why there is none.
    pub chi_square: std::result::Result<ChiSquareTest, String>,
    /// Score summaries over the judged groups (with a score column).
    pub score_summary: Vec<(ScoreSummary, Value)>,
    /// Between-group generalized entropy and Theil indices.
    pub inequality: crate::metrics::inequality::Indices,
    /// Selection-rate disparities within strata (with `--stratify`).
    pub conditional: Option<ConditionalParity>,
}

/// Whether a group is large enough to be judged.
fn status_of(g: &Group, rows_used: f64, opts: &StatOptions) -> GroupStatus {
    size_status(g.rows(), rows_used, opts)
}

/// Whether `rows` of `rows_used` are enough to judge a group (the minimum
/// group size and share); every analysis judges its groups by this rule on
/// the rows it uses.
pub fn size_status(rows: u64, rows_used: f64, opts: &StatOptions) -> GroupStatus {
    let share = rows as f64 / rows_used;
    if rows < opts.min_group_size {
        GroupStatus::InsufficientData(format!(
            "{rows} rows, fewer than the minimum group size {}",
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
}

/// The groups of an attribute set: missing values last, otherwise in key order.
fn groups_of(counts: &Counts, members: &[usize]) -> Vec<Group> {
    let mut cells: Vec<(Vec<GroupValue>, Cell)> = counts.rollup(members).into_iter().collect();
    cells.sort_by(|(a, _), (b, _)| {
        let am = a.iter().any(Option::is_none);
        let bm = b.iter().any(Option::is_none);
        am.cmp(&bm).then_with(|| a.cmp(b))
    });
    cells.into_iter().map(|(k, c)| Group::new(k, c)).collect()
}

/// Group × prediction over the judged groups, in effective units when weighted.
fn chi_square(groups: &[Group], included: &[bool]) -> std::result::Result<ChiSquareTest, String> {
    let judged: Vec<&Group> = groups
        .iter()
        .zip(included)
        .filter(|(_, &i)| i)
        .map(|(g, _)| g)
        .collect();
    let table = Array2::from_shape_fn((judged.len(), 2), |(i, j)| {
        let (x, n) = Rate::SelectionRate
            .parts(&judged[i].cell)
            .effective()
            .unwrap_or((0.0, 0.0));
        if j == 0 {
            x
        } else {
            n - x
        }
    });
    stats::chi_square_independence(&table)
        .map(|result| ChiSquareTest {
            p_adjusted: result.p_value,
            result,
        })
        .ok_or_else(|| "needs at least two judged groups and both predicted outcomes".to_string())
}

/// The reference of an attribute: its data, index and name.
fn reference_data(
    reference: &Reference,
    groups: &[Group],
    overall: &Group,
) -> (RefData, Option<usize>, String) {
    match reference {
        Reference::Group(i) => (
            RefData {
                rates: groups[*i].rates.clone(),
                counts: RefCounts::Group(groups[*i].cell.clone()),
            },
            Some(*i),
            groups[*i].name.clone(),
        ),
        Reference::Overall => (
            RefData {
                rates: overall.rates.clone(),
                counts: RefCounts::Overall(overall.cell.clone()),
            },
            None,
            "(overall)".to_string(),
        ),
    }
}

/// Audits one attribute set; also returns its bootstrap plan.
pub(crate) fn attribute_audit(
    spec: &AuditSpec,
    counts: &Counts,
    overall: &Group,
    members: &[usize],
) -> Result<(AttributeAudit, AttributePlan)> {
    let opts = &spec.stats;
    let rows_used = overall.rows() as f64;
    let names: Vec<String> = members
        .iter()
        .map(|&i| counts.attributes[i].clone())
        .collect();
    let name = attribute_name(&names);
    let groups = groups_of(counts, members);
    let statuses: Vec<GroupStatus> = groups
        .iter()
        .map(|g| status_of(g, rows_used, opts))
        .collect();
    let included: Vec<bool> = statuses.iter().map(GroupStatus::is_ok).collect();
    let reference = choose_reference(&name, &groups, &spec.references, spec.favorable, &|g| {
        status_of(g, rows_used, opts).is_ok()
    })?;
    let (ref_data, ref_index, reference_name) = reference_data(&reference, &groups, overall);
    let summary = summarize(
        &groups,
        &included,
        &|g| match status_of(g, rows_used, opts) {
            GroupStatus::InsufficientData(why) => format!("insufficient data: {why}"),
            GroupStatus::Ok => String::new(),
        },
        &ref_data.rates,
        ref_index,
        spec.favorable,
    );
    let chi_square = chi_square(&groups, &included);
    let plan = AttributePlan {
        name: name.clone(),
        groups: groups.iter().map(|g| g.cell.clone()).collect(),
        included: included.clone(),
        ref_index,
    };
    let scored = counts.score_bins > 0;
    let cx = GroupContext {
        reference: &ref_data,
        opts,
        favorable: spec.favorable,
        rows_used,
        calibration_bins: scored.then_some(spec.calibration_bins),
    };
    let audits: Vec<GroupAudit> = groups
        .into_iter()
        .zip(statuses)
        .enumerate()
        .map(|(i, (g, status))| group_audit(g, status, Some(i) == ref_index, &cx))
        .collect();
    let score_summary = if scored {
        let judged: Vec<&crate::metrics::score::ScoreMetrics> = audits
            .iter()
            .filter(|g| g.status.is_ok())
            .filter_map(|g| g.score.as_ref())
            .collect();
        crate::metrics::score::summaries(&judged)
    } else {
        vec![]
    };
    let cells: Vec<&Cell> = audits.iter().map(|g| &g.group.cell).collect();
    let inequality = crate::metrics::inequality::Indices {
        alpha: opts.ge_alpha,
        generalized_entropy: crate::metrics::inequality::between_group(
            &cells,
            opts.ge_alpha,
            spec.favorable,
        ),
        theil: crate::metrics::inequality::between_group(&cells, 1.0, spec.favorable),
    };
    let conditional = counts
        .stratum
        .map(|si| conditional_parity(counts, members, si, &audits, opts.ci_level));
    let n_summaries = summary.values.len();
    Ok((
        AttributeAudit {
            score_summary,
            inequality,
            conditional,
            name,
            members: names,
            reference,
            reference_name,
            groups: audits,
            summary,
            summary_ci: vec![None; n_summaries],
            summary_undefined_replicates: vec![0; n_summaries],
            chi_square,
        },
        plan,
    ))
}
