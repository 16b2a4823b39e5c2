//! Findings of the human-oversight audit (EU AI Act Art. 14): a group whose
//! favourable recommendations people overturn more often than the
//! reference's. The rule: the difference of the favourable→adverse override
//! rates is at least `MIN_GAP` and the two-proportion z test rejects equality
//! at the statistics' alpha → warn; when the final decisions' impact ratio
//! is also below 0.8 while the recommendations' was not lower (the human
//! layer pushes the group under the four-fifths line) → fail. Each group is
//! judged on its own counts only.

use crate::audit::oversight::{OversightAudit, OversightGroup};
use crate::audit::AuditResult;
use crate::spec::ModelInfo;

use crate::checks::finding::{finding_id, severity, Basis, Finding, Measured, Status, Thresholds};
use crate::governance::controls::{cited, When};

/// The smallest override-rate gap that counts (5 percentage points).
pub const MIN_GAP: f64 = 0.05;

fn judge(g: &OversightGroup, alpha: f64) -> Option<(Status, String)> {
    let r = &g.favourable_to_adverse;
    let (d, _, p) = r.vs_reference.as_ref()?;
    let p = (*p)?;
    if *d < MIN_GAP || p >= alpha {
        return None;
    }
    let pushed_under = matches!(g.impact_ratio, [Some(rec), Some(fin)] if fin < 0.8 && fin < rec);
    Some(if pushed_under {
        (
            Status::Fail,
            "fail: the override gap is significant and the final decisions fall below the four-fifths line".into(),
        )
    } else {
        (
            Status::Warn,
            format!(
                "warn: an override gap of at least {MIN_GAP} that the z test finds significant"
            ),
        )
    })
}

fn fmt(x: f64) -> String {
    format!("{x:.3}")
}

/// The oversight findings of an audit.
pub fn findings(
    audit: &AuditResult,
    o: &OversightAudit,
    model: &ModelInfo,
    cycle: &str,
) -> Vec<Finding> {
    let alpha = audit.spec.stats.alpha;
    let level = audit.spec.stats.ci_level;
    let mut out = vec![];
    for (a, oa) in audit.attributes.iter().zip(&o.attributes) {
        let Some(reference) = oa.groups.iter().find(|g| g.is_reference) else {
            continue;
        };
        for g in oa.groups.iter().filter(|g| !g.is_reference) {
            let Some((status, rule)) = judge(g, alpha) else {
                continue;
            };
            let r = &g.favourable_to_adverse;
            let (d, ci, p) = r.vs_reference.unwrap_or_default();
            let ci_text = ci.map_or(String::new(), |(lo, hi)| {
                format!(", {:.0}% CI {}–{}", 100.0 * level, fmt(lo), fmt(hi))
            });
            let ir = match g.impact_ratio {
                [Some(rec), Some(fin)] => format!(
                    "; the impact ratio goes from {} (recommendations) to {} (final decisions)",
                    fmt(rec),
                    fmt(fin)
                ),
                _ => String::new(),
            };
            let statement = format!(
                "People overturn favourable recommendations for {} = {} at a rate of {} ({} of {}) against {} for {} (difference {}{ci_text}; z test p = {:.2e}){ir}; {rule}",
                a.name,
                g.group,
                fmt(r.rate.unwrap_or(0.0)),
                r.count,
                r.of,
                fmt(reference.favourable_to_adverse.rate.unwrap_or(0.0)),
                reference.group,
                fmt(d),
                p.unwrap_or(f64::NAN),
            );
            let check = "human-oversight".to_string();
            let mut f = Finding {
                id: finding_id(&model.id, &check, &a.name, Some(&g.group)),
                title: format!("Human overrides: {} = {}", a.name, g.group),
                statement,
                check,
                metric: Measured::Oversight,
                attribute: a.name.clone(),
                group: Some(g.group.clone()),
                reference: Some(reference.group.clone()),
                value: Some(d),
                ci: ci.map(|(lo, hi)| [lo, hi]),
                p_value: p,
                p_adjusted: p,
                test: Some("z".into()),
                pair: Some([g.group.clone(), reference.group.clone()]),
                significant: Some(true),
                thresholds: Thresholds {
                    warn_above: Some(MIN_GAP),
                    ..Thresholds::none(alpha)
                },
                breached: Some(format!("override-rate gap above {MIN_GAP}")),
                status,
                severity: severity(status, true, model.risk_tier),
                basis: Basis {
                    group: None,
                    reference: None,
                    groups: vec![],
                },
                reason: None,
                controls: vec![],
                risks: vec![],
                cycle: cycle.to_string(),
                trend: None,
                lifecycle: None,
            };
            f.controls = cited(When::Finding)
                .into_iter()
                .chain(cited(When::Oversight))
                .map(String::from)
                .collect();
            out.push(f);
        }
    }
    out
}
