//! The audit: counts → every attribute and intersection with intervals and
//! tests. [`run`] reads the data of a spec; [`audit_counts`] starts from
//! counts, so counts from anywhere (several files, a SQL engine, a counts
//! table) give the same report as the file.

pub mod attribute;
pub mod bootstrap;
pub mod conditional;
pub mod controlled;
pub mod examine;
pub mod group;
pub mod numeric;
pub mod outcomes;
pub mod oversight;
pub mod sweep;

pub use attribute::{AttributeAudit, ChiSquareTest};
pub use conditional::{ConditionalParity, MantelHaenszel, Stratum};
pub use group::{DisparityStats, GroupAudit, GroupStatus, Test, Untested};

use crate::counts::Counts;
use crate::ingest::{self, Frame};
use crate::metrics::Group;
use crate::spec::AuditSpec;
use crate::stats;
use crate::Result;

/// An interval, when one exists.
pub type Ci = Option<(f64, f64)>;

/// The result of an audit, before any policy or output format.
#[derive(Clone, Debug)]
pub struct AuditResult {
    /// What was audited.
    pub spec: AuditSpec,
    /// The sufficient statistics everything below comes from.
    pub counts: Counts,
    /// The whole data set as one group.
    pub overall: Group,
    /// Intervals on the overall rates.
    pub overall_ci: [Ci; 11],
    /// Kish's effective size of the whole data set.
    pub overall_effective_n: f64,
    /// Every attribute and intersection.
    pub attributes: Vec<AttributeAudit>,
    /// Number of tests in the multiple-comparison family.
    pub tests_in_family: usize,
    /// Score metrics of the whole data set (with a score column).
    pub overall_score: Option<crate::metrics::score::ScoreMetrics>,
    /// Generalized entropy and Theil indices of the whole data set.
    pub inequality: crate::metrics::inequality::Indices,
    /// With a decision of more than two outcomes: the outcome mix.
    pub outcomes: Option<Box<outcomes::OutcomeAudit>>,
    /// With a numeric outcome (`--value`): its distribution by group.
    pub numeric: Option<Box<numeric::NumericAudit>>,
    /// With controls (`--control`): group gaps adjusted for them.
    pub controlled: Option<Box<controlled::ControlledAudit>>,
    /// With a final decision (`--final`): the human-oversight audit.
    pub oversight: Option<Box<oversight::OversightAudit>>,
}

/// Reads the data of `spec` and audits it.
pub fn run(spec: &AuditSpec) -> Result<AuditResult> {
    spec.validate()?;
    run_with(spec, &[], &[])
}

/// Reads the data of `spec` and the in-memory `frames`, merges `counts`
/// computed elsewhere, and audits the whole.
pub fn run_with(spec: &AuditSpec, frames: &[Frame], counts: &[Counts]) -> Result<AuditResult> {
    spec.validate_options()?;
    let mut spec = spec.clone();
    spec.data = ingest::expand_paths(&spec.data)?;
    let has_sources = !spec.data.is_empty() || !spec.counts.is_empty() || spec.postgres.is_some();
    let mut total = if has_sources || !frames.is_empty() {
        Some(ingest::read_sources(&spec, frames)?)
    } else {
        None
    };
    for c in counts {
        match &mut total {
            None => total = Some(c.clone()),
            Some(t) => t.merge(c)?,
        }
    }
    let total = total.ok_or_else(|| crate::Error::usage("no data given to audit"))?;
    audit_counts(&spec, total)
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

/// Bootstrap intervals of every attribute's summaries.
fn bootstrap_summaries(
    spec: &AuditSpec,
    counts: &Counts,
    attributes: &mut [AttributeAudit],
    plans: &[bootstrap::AttributePlan],
) {
    let opts = &spec.stats;
    let reps = bootstrap::run(
        plans,
        counts.weighted,
        opts.bootstrap,
        opts.seed,
        spec.favorable,
    );
    for (a, (mut vals, undef)) in attributes
        .iter_mut()
        .zip(reps.values.into_iter().zip(reps.undefined))
    {
        for (k, v) in vals.iter_mut().enumerate() {
            if a.summary.values[k].value.get().is_some() {
                a.summary_ci[k] = stats::percentile_interval(v, opts.ci_level);
            }
        }
        a.summary_undefined_replicates = undef;
    }
}

/// Adjusts the report's p-values as one family, for its list of significant
/// gaps: every group's test on every rate (a complement rate shares the test
/// of its base, counted once), the chi-square tests and the Mantel–Haenszel
/// tests. Findings never use these: each is judged on its own test
/// (`checks::evidence`). Returns the family's size.
fn adjust_report(attributes: &mut [AttributeAudit], method: stats::PAdjust) -> usize {
    let mut slots: Vec<(f64, &mut f64)> = vec![];
    for a in attributes.iter_mut() {
        for g in &mut a.groups {
            for d in &mut g.disparities {
                if let (None, Ok(t)) = (d.rate.complement_of(), &mut d.test) {
                    slots.push((t.p_value, &mut t.p_adjusted));
                }
            }
        }
        if let Ok(c) = &mut a.chi_square {
            slots.push((c.result.p_value, &mut c.p_adjusted));
        }
        if let Some(cp) = &mut a.conditional {
            for m in &mut cp.mantel_haenszel {
                if let (Some(p), Some(adj)) = (m.p_value, m.p_adjusted.as_mut()) {
                    slots.push((p, adj));
                }
            }
        }
    }
    let ps: Vec<f64> = slots.iter().map(|s| s.0).collect();
    for ((_, slot), adj) in slots.into_iter().zip(stats::p_adjust(&ps, method)) {
        *slot = adj;
    }
    // Complements share their base's adjusted p.
    for a in attributes.iter_mut() {
        for g in &mut a.groups {
            for i in 0..g.disparities.len() {
                let Some(base) = g.disparities[i].rate.complement_of() else {
                    continue;
                };
                let adj = g.disparities[base as usize]
                    .test
                    .as_ref()
                    .map(|t| t.p_adjusted)
                    .ok();
                if let (Ok(t), Some(p)) = (&mut g.disparities[i].test, adj) {
                    t.p_adjusted = p;
                }
            }
        }
    }
    ps.len()
}

/// Refuses sums that overflowed: weights or a numeric outcome so large that
/// their squares exceed f64 (about 1e154 each) would give NaN intervals and
/// silently wrong moments. Only ratios of weights matter, and an outcome can
/// be rescaled, so the message says so.
fn finite_sums(spec: &AuditSpec, counts: &Counts) -> Result<()> {
    let t = counts.total();
    if t.w.iter().chain(&t.w2).any(|x| !x.is_finite()) {
        return Err(crate::Error::usage(format!(
            "the weights{} are infinite or too large: their sum of squares overflows (weights above about 1e150); rescale them (only their ratios matter)",
            spec.columns.weight.as_deref().map(|w| format!(" of column '{w}'")).unwrap_or_default()
        )));
    }
    if let Some(v) = &counts.values {
        let sums = v.cells.values().flat_map(|c| {
            [
                c.w, c.w2, c.sum, c.sum2, c.err_w, c.err_abs, c.err_sum, c.err_sum2,
            ]
        });
        if sums.into_iter().any(|x| !x.is_finite()) {
            return Err(crate::Error::usage(format!(
                "the numeric outcome '{}' is too large to sum: its sum of squares (or its errors') overflows (values beyond about ±1e150); rescale it (e.g. to thousands)",
                v.column
            )));
        }
    }
    Ok(())
}

/// Audits counts: the whole computation after ingest.
pub fn audit_counts(spec: &AuditSpec, counts: Counts) -> Result<AuditResult> {
    finite_sums(spec, &counts)?;
    let opts = &spec.stats;
    let total = counts.total();
    let overall = Group::new(vec![], total.clone());
    let mut attributes = vec![];
    let mut plans = vec![];
    for members in attribute_sets(counts.n_protected(), spec.intersect) {
        let (a, plan) = attribute::attribute_audit(spec, &counts, &overall, &members)?;
        attributes.push(a);
        plans.push(plan);
    }
    if opts.bootstrap > 0 {
        bootstrap_summaries(spec, &counts, &mut attributes, &plans);
    }
    let tests_in_family = adjust_report(&mut attributes, opts.p_adjust);
    let overall_score = (counts.score_bins > 0)
        .then(|| crate::metrics::score::metrics(total.hist.as_deref(), spec.calibration_bins));
    let inequality = crate::metrics::inequality::Indices {
        alpha: opts.ge_alpha,
        generalized_entropy: crate::metrics::inequality::generalized_entropy(
            &total,
            opts.ge_alpha,
            spec.favorable,
        ),
        theil: crate::metrics::inequality::generalized_entropy(&total, 1.0, spec.favorable),
    };
    let outcome_audit = outcomes::audit(spec, &counts)?.map(Box::new);
    let numeric_audit = numeric::audit(spec, &counts, &attributes).map(Box::new);
    let controlled_audit = controlled::audit(spec, &counts, &attributes)?.map(Box::new);
    let oversight_audit = oversight::audit(spec, &counts, &attributes).map(Box::new);
    Ok(AuditResult {
        oversight: oversight_audit,
        controlled: controlled_audit,
        outcomes: outcome_audit,
        numeric: numeric_audit,
        overall_score,
        inequality,
        spec: spec.clone(),
        overall_ci: group::rate_cis(&total, opts),
        overall_effective_n: group::effective_n(&total),
        counts,
        overall,
        attributes,
        tests_in_family,
    })
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
