//! Human oversight (EU AI Act Art. 14): with the final decision beside the
//! model's recommendation (`--final`), per group the override rates — a
//! favourable recommendation overturned to adverse, an adverse one to
//! favourable, any change — with Wilson intervals and their difference
//! against the reference group (Newcombe interval, two-proportion z test),
//! and the impact ratio of the recommendations against that of the final
//! decisions: does the human layer widen or narrow the gap?

use crate::counts::{Counts, OverrideCell};
use crate::spec::{AuditSpec, Favorable};
use crate::stats;

use super::{attribute_sets, AttributeAudit, Ci};

/// An override rate: count of rows it counts, of how many, rate, interval;
/// and against the reference: difference, interval, z-test p.
#[derive(Clone, Debug, PartialEq)]
pub struct OverrideRate {
    /// Rows overridden.
    pub count: u64,
    /// Rows it could happen to.
    pub of: u64,
    /// count / of (`None` when of = 0).
    pub rate: Option<f64>,
    /// Wilson interval.
    pub ci: Ci,
    /// Rate − the reference's rate, Newcombe interval, z-test p.
    pub vs_reference: Option<(f64, Ci, Option<f64>)>,
}

/// One group's oversight.
#[derive(Clone, Debug)]
pub struct OversightGroup {
    /// The group.
    pub group: String,
    /// Whether it is the reference.
    pub is_reference: bool,
    /// Rows with a final decision.
    pub n: u64,
    /// The group's audited rows without a final decision (left out here).
    pub without_final: u64,
    /// Favourable recommendation → adverse final decision.
    pub favourable_to_adverse: OverrideRate,
    /// Adverse recommendation → favourable final decision.
    pub adverse_to_favourable: OverrideRate,
    /// Any change.
    pub any_override: OverrideRate,
    /// Favourable rate of the recommendations and of the final decisions.
    pub selection_rate: [Option<f64>; 2],
    /// Impact ratio of the recommendations and of the final decisions.
    pub impact_ratio: [Option<f64>; 2],
}

/// One attribute's oversight.
#[derive(Clone, Debug)]
pub struct OversightAttribute {
    /// "sex", or "sex & race".
    pub name: String,
    /// Every group.
    pub groups: Vec<OversightGroup>,
}

/// The oversight audit.
#[derive(Clone, Debug)]
pub struct OversightAudit {
    /// The final-decision column.
    pub column: String,
    /// Every attribute and intersection.
    pub attributes: Vec<OversightAttribute>,
}

/// Counts of (favourable recommendation?, favourable final?) for a cell,
/// in the favourable direction of the spec.
fn fav(c: &OverrideCell, favorable: Favorable) -> [[u64; 2]; 2] {
    match favorable {
        Favorable::Positive => c.n,
        // Favourable = the negative class: swap both axes.
        Favorable::Negative => [[c.n[1][1], c.n[1][0]], [c.n[0][1], c.n[0][0]]],
    }
}

fn rate(count: u64, of: u64, level: f64) -> OverrideRate {
    OverrideRate {
        count,
        of,
        rate: (of > 0).then(|| count as f64 / of as f64),
        ci: stats::wilson(count as f64, of as f64, level),
        vs_reference: None,
    }
}

fn compare(r: &mut OverrideRate, reference: &OverrideRate, level: f64) {
    if let (Some(a), Some(b)) = (r.rate, reference.rate) {
        let (x1, n1, x2, n2) = (
            r.count as f64,
            r.of as f64,
            reference.count as f64,
            reference.of as f64,
        );
        r.vs_reference = Some((
            a - b,
            stats::newcombe_diff(x1, n1, x2, n2, level),
            // z, or Fisher's exact test when an expected count is below 5
            // (one overturned approval of one is not significant).
            stats::compare_proportions(x1, n1, x2, n2).map(|(p, _)| p),
        ));
    }
}

fn group(
    name: String,
    c: &OverrideCell,
    favorable: Favorable,
    level: f64,
    is_reference: bool,
) -> OversightGroup {
    let m = fav(c, favorable);
    let (rec_fav, rec_adv) = (m[1][0] + m[1][1], m[0][0] + m[0][1]);
    let n = rec_fav + rec_adv;
    let final_fav = m[0][1] + m[1][1];
    let share = |x: u64| (n > 0).then(|| x as f64 / n as f64);
    OversightGroup {
        group: name,
        is_reference,
        n,
        without_final: 0,
        favourable_to_adverse: rate(m[1][0], rec_fav, level),
        adverse_to_favourable: rate(m[0][1], rec_adv, level),
        any_override: rate(m[1][0] + m[0][1], n, level),
        selection_rate: [share(rec_fav), share(final_fav)],
        impact_ratio: [None, None],
    }
}

/// The oversight audit; `None` without `--final`.
pub fn audit(
    spec: &AuditSpec,
    counts: &Counts,
    attributes: &[AttributeAudit],
) -> Option<OversightAudit> {
    let oc = counts.overrides.as_ref()?;
    let level = spec.stats.ci_level;
    let sets = attribute_sets(counts.n_protected(), spec.intersect);
    let attributes = sets
        .iter()
        .zip(attributes)
        .map(|(members, a)| {
            let table = oc.rollup(members);
            let mut groups: Vec<OversightGroup> = a
                .groups
                .iter()
                .map(|g| {
                    let c = table.get(&g.group.key).cloned().unwrap_or_default();
                    let mut og = group(
                        g.group.name.clone(),
                        &c,
                        spec.favorable,
                        level,
                        g.is_reference,
                    );
                    og.without_final = g.group.rows().saturating_sub(og.n);
                    og
                })
                .collect();
            if let Some(r) = groups.iter().find(|g| g.is_reference).cloned() {
                for g in groups.iter_mut() {
                    for k in 0..2 {
                        g.impact_ratio[k] = match (g.selection_rate[k], r.selection_rate[k]) {
                            (Some(x), Some(y)) if y > 0.0 => Some(x / y),
                            _ => None,
                        };
                    }
                    if !g.is_reference {
                        compare(
                            &mut g.favourable_to_adverse,
                            &r.favourable_to_adverse,
                            level,
                        );
                        compare(
                            &mut g.adverse_to_favourable,
                            &r.adverse_to_favourable,
                            level,
                        );
                        compare(&mut g.any_override, &r.any_override, level);
                    }
                }
            }
            OversightAttribute {
                name: a.name.clone(),
                groups,
            }
        })
        .collect();
    Some(OversightAudit {
        column: oc.column.clone(),
        attributes,
    })
}
