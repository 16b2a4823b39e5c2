//! Findings of the human-oversight audit (EU AI Act Art. 14): a group whose
//! favourable recommendations people overturn more often than the
//! reference's. The rule: the difference of the favourable→adverse override
//! rates is at least `MIN_GAP` and the two-proportion test (z, or Fisher's exact test for small counts) rejects equality
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

/// A group's status and the rule's words; `Err` when it is not judged
/// (too few rows, or no rate to compare), with why.
fn judge(
    g: &OversightGroup,
    small: Option<String>,
    alpha: f64,
) -> std::result::Result<(Status, String), (Status, String)> {
    if let Some(why) = small {
        return Err((Status::InsufficientData, why));
    }
    let r = &g.favourable_to_adverse;
    let Some((d, _, Some(p))) = r.vs_reference.as_ref() else {
        return Err((
            Status::Undefined,
            "no favourable recommendation in the group or the reference".into(),
        ));
    };
    let pushed_under = matches!(g.impact_ratio, [Some(rec), Some(fin)] if fin < 0.8 && fin < rec);
    Ok(if *d < MIN_GAP || *p >= alpha {
        (
            Status::Pass,
            format!("pass: the override gap is below {MIN_GAP} or the test does not find it significant"),
        )
    } else if pushed_under {
        (
            Status::Fail,
            "fail: the override gap is significant and the final decisions fall below the four-fifths line".into(),
        )
    } else {
        (
            Status::Warn,
            format!("warn: an override gap of at least {MIN_GAP} that the test finds significant"),
        )
    })
}

/// Why a group is not judged: it or the reference has fewer rows with a
/// final decision than the audit's minimum group size or share.
fn too_small(
    audit: &AuditResult,
    g: &OversightGroup,
    r: &OversightGroup,
    total: u64,
) -> Option<String> {
    crate::checks::beyond::too_small(audit, [(&g.group, g.n), (&r.group, r.n)], total)
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
    let mut out = vec![];
    for (a, oa) in audit.attributes.iter().zip(&o.attributes) {
        let Some(reference) = oa.groups.iter().find(|g| g.is_reference) else {
            continue;
        };
        let total = oa.groups.iter().map(|g| g.n).sum();
        for g in oa.groups.iter().filter(|g| !g.is_reference) {
            out.push(finding(audit, &a.name, g, reference, total, model, cycle));
        }
    }
    out
}

/// One group's human-oversight finding.
fn finding(
    audit: &AuditResult,
    attribute: &str,
    g: &OversightGroup,
    reference: &OversightGroup,
    total: u64,
    model: &ModelInfo,
    cycle: &str,
) -> Finding {
    let alpha = audit.spec.stats.alpha;
    let level = audit.spec.stats.ci_level;
    let judged = judge(g, too_small(audit, g, reference, total), alpha);
    let status = match &judged {
        Ok((s, _)) | Err((s, _)) => *s,
    };
    let r = &g.favourable_to_adverse;
    let (d, ci, p) = r.vs_reference.unwrap_or_default();
    let statement = statement(attribute, g, reference, &judged, level);
    let defined = judged.is_ok() || status == Status::InsufficientData;
    let value = (defined && r.vs_reference.is_some()).then_some(d);
    let check = "human-oversight".to_string();
    let mut f = Finding {
        id: finding_id(&model.id, &check, attribute, Some(&g.group)),
        title: format!("Human overrides: {attribute} = {}", g.group),
        statement,
        check,
        metric: Measured::Oversight,
        attribute: attribute.to_string(),
        group: Some(g.group.clone()),
        reference: Some(reference.group.clone()),
        value,
        ci: value.and(ci).map(|(lo, hi)| [lo, hi]),
        p_value: value.and(p),
        p_adjusted: value.and(p),
        test: value.and(p).map(|_| "z".into()),
        pair: value
            .and(p)
            .map(|_| [g.group.clone(), reference.group.clone()]),
        significant: value.and(p).map(|p| p < alpha),
        thresholds: Thresholds {
            warn_above: Some(MIN_GAP),
            ..Thresholds::none(alpha)
        },
        breached: matches!(status, Status::Warn | Status::Fail)
            .then(|| format!("override-rate gap above {MIN_GAP}")),
        status,
        severity: severity(status, judged.is_ok(), model.risk_tier),
        basis: Basis {
            group: None,
            reference: None,
            groups: vec![],
        },
        reason: judged.as_ref().err().map(|(_, why)| why.clone()),
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
    f
}

/// The finding's one-paragraph statement: the rates, and the gap with its
/// interval and test when judged, or why it is not.
fn statement(
    attribute: &str,
    g: &OversightGroup,
    reference: &OversightGroup,
    judged: &std::result::Result<(Status, String), (Status, String)>,
    level: f64,
) -> String {
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
    let rate = |x: Option<f64>| x.map_or("undefined".to_string(), fmt);
    let measured = format!(
        "People overturn favourable recommendations for {} = {} at a rate of {} ({} of {}) against {} for {}",
        attribute,
        g.group,
        rate(r.rate),
        r.count,
        r.of,
        rate(reference.favourable_to_adverse.rate),
        reference.group,
    );
    match judged {
        Err((Status::InsufficientData, why)) => {
            format!("{measured}; too few rows to judge ({why}); reported, not judged")
        }
        Err((_, why)) => format!("{measured}; the gap is undefined: {why}"),
        Ok((_, rule)) => format!(
            "{measured} (difference {}{ci_text}; test p = {}){ir}; {rule}",
            fmt(d),
            p.map_or("undefined".to_string(), |p| format!("{p:.2e}")),
        ),
    }
}
