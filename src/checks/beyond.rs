//! Checks on the measures beyond the binary decision: a numeric outcome's
//! per-group gaps (`mean_difference`, `mean_ratio`,
//! `standardized_mean_difference`, `ks_distance`; with `--value`) and the
//! controlled analysis (`adjusted_odds_ratio`, `adjusted_mean_difference`;
//! with `--control`). Each group is judged against the reference on its own
//! estimate, interval and test, under the check's decision rule (judge.rs).

use crate::audit::attribute::size_status;
use crate::audit::{AuditResult, GroupStatus};
use crate::spec::check::Check;
use crate::spec::metric::{Beyond, MetricRef};
use crate::spec::ModelInfo;
use crate::{Error, Result};

use super::finding::{finding_id, severity, Basis, Finding, Measured, Status, Thresholds};
use super::judge::{judge, TestEvidence};
use super::wording::{ci_text, fmt, p_is};

/// One group's measure against the reference.
struct GroupValue {
    group: String,
    reference: String,
    /// The estimate, or why it is undefined.
    value: std::result::Result<f64, String>,
    ci: Option<(f64, f64)>,
    /// The test's p-value and the test's name.
    p: Option<f64>,
    test: &'static str,
    /// Why the comparison is not judged: the group or the reference has
    /// fewer rows than the minimum group size or share.
    small: Option<String>,
}

/// Why a comparison is not judged, by the audit's size rule applied to
/// the rows each side contributes to this analysis.
pub(crate) fn too_small(
    audit: &AuditResult,
    sides: [(&str, u64); 2],
    total: u64,
) -> Option<String> {
    let opts = &audit.spec.stats;
    sides
        .iter()
        .zip(["", "the reference "])
        .find_map(|(&(g, n), who)| match size_status(n, total as f64, opts) {
            GroupStatus::Ok => None,
            GroupStatus::InsufficientData(why) => Some(format!("{who}{g}: {why}")),
        })
}

/// The audit's own verdict on a group's size (the controlled analysis fits
/// the audit's rows).
fn audit_size(audit: &AuditResult, attribute: &str, group: &str) -> Option<String> {
    let a = audit.attributes.iter().find(|a| a.name == attribute)?;
    match &a.groups.iter().find(|g| g.group.name == group)?.status {
        GroupStatus::Ok => None,
        GroupStatus::InsufficientData(why) => Some(why.clone()),
    }
}

fn oversight_values(audit: &AuditResult, attribute: &str) -> Option<Vec<GroupValue>> {
    let at = audit
        .oversight
        .as_deref()?
        .attributes
        .iter()
        .find(|a| a.name == attribute)?;
    let r = at.groups.iter().find(|g| g.is_reference);
    let (reference, rn) = r.map_or((String::new(), 0), |g| (g.group.clone(), g.n));
    let total = at.groups.iter().map(|g| g.n).sum();
    let out = at.groups.iter().filter(|g| !g.is_reference).map(|g| {
        let (value, ci, p) = match &g.favourable_to_adverse.vs_reference {
            Some((d, ci, p)) => (Ok(*d), *ci, *p),
            None => (
                Err("no favourable recommendation in the group or the reference".into()),
                None,
                None,
            ),
        };
        GroupValue {
            small: too_small(audit, [(&g.group, g.n), (&reference, rn)], total),
            group: g.group.clone(),
            reference: reference.clone(),
            value,
            ci,
            p,
            test: "z",
        }
    });
    Some(out.collect())
}

fn controlled_values(audit: &AuditResult, b: Beyond, attribute: &str) -> Option<Vec<GroupValue>> {
    let at = audit
        .controlled
        .as_deref()?
        .attributes
        .iter()
        .find(|a| a.name == attribute)?;
    let out = at.groups.iter().map(|g| {
        let e = match b {
            Beyond::AdjustedOddsRatio => &g.adjusted_odds_ratio,
            _ => &g.adjusted_mean_difference,
        };
        let (value, ci, p) = match e {
            Ok((v, ci, p)) => (Ok(*v), *ci, Some(*p)),
            Err(why) => (Err(why.clone()), None, None),
        };
        let small = audit_size(audit, attribute, &g.group).or_else(|| {
            audit_size(audit, attribute, &at.reference)
                .map(|why| format!("the reference {}: {why}", at.reference))
        });
        GroupValue {
            small,
            group: g.group.clone(),
            reference: at.reference.clone(),
            value,
            ci,
            p,
            test: "Wald",
        }
    });
    Some(out.collect())
}

fn numeric_values(audit: &AuditResult, b: Beyond, attribute: &str) -> Option<Vec<GroupValue>> {
    let at = audit
        .numeric
        .as_deref()?
        .attributes
        .iter()
        .find(|a| a.name == attribute)?;
    let r = at.groups.iter().find(|g| g.is_reference);
    let (reference, rn) = r.map_or((String::new(), 0), |g| (g.group.clone(), g.n));
    let total = at.groups.iter().map(|g| g.n).sum();
    let out = at.groups.iter().filter(|g| !g.is_reference).map(|g| {
        let welch = g.welch.as_ref().map(|t| t.p_value);
        let (value, ci, p, test): (std::result::Result<f64, String>, _, _, _) = match b {
            Beyond::MeanDifference => match &g.mean_difference {
                Ok((v, ci)) => (Ok(*v), *ci, welch, "Welch t"),
                Err(w) => (Err(w.clone()), None, None, "Welch t"),
            },
            Beyond::MeanRatio => match &g.mean_ratio {
                Ok((v, ci)) => (Ok(*v), *ci, welch, "Welch t"),
                Err(w) => (Err(w.clone()), None, None, "Welch t"),
            },
            Beyond::StandardizedMeanDifference => (
                g.smd
                    .ok_or_else(|| "a group's standard deviation is 0 or undefined".to_string()),
                None,
                welch,
                "Welch t",
            ),
            _ => match &g.ks {
                Some(t) => (Ok(t.statistic), None, Some(t.p_value), "Kolmogorov–Smirnov"),
                None => (
                    Err("a group has no values".into()),
                    None,
                    None,
                    "Kolmogorov–Smirnov",
                ),
            },
        };
        GroupValue {
            small: too_small(audit, [(&g.group, g.n), (&reference, rn)], total),
            group: g.group.clone(),
            reference: reference.clone(),
            value,
            ci,
            p,
            test,
        }
    });
    Some(out.collect())
}

fn values(audit: &AuditResult, b: Beyond, attribute: &str) -> Option<Vec<GroupValue>> {
    match b {
        Beyond::OverrideRateDifference => oversight_values(audit, attribute),
        b if b.controlled() => controlled_values(audit, b, attribute),
        b => numeric_values(audit, b, attribute),
    }
}

/// What a check needs of the audit, or the flag that would give it.
fn missing_flag(audit: &AuditResult, b: Beyond) -> Option<&'static str> {
    if b == Beyond::OverrideRateDifference {
        audit
            .oversight
            .is_none()
            .then_some("--final COL (or [data] final)")
    } else if b.controlled() {
        audit
            .controlled
            .is_none()
            .then_some("--control COL (or [analysis] controls)")
    } else {
        audit
            .numeric
            .is_none()
            .then_some("--value COL (or [data] value)")
    }
}

/// The findings of one check on a measure beyond the binary decision.
pub fn evaluate(
    audit: &AuditResult,
    check: &Check,
    b: Beyond,
    model: &ModelInfo,
    cycle: &str,
) -> Result<Vec<Finding>> {
    if let Some(flag) = missing_flag(audit, b) {
        return Err(Error::usage(format!(
            "check '{}' judges {}, which needs {flag}",
            check.id(),
            b.name()
        )));
    }
    let ctx = Context {
        check,
        b,
        model,
        cycle,
        alpha: check.alpha.unwrap_or(audit.spec.stats.alpha),
        level: format!("{:.0}%", 100.0 * audit.spec.stats.ci_level),
    };
    let mut out = vec![];
    for a in &audit.attributes {
        if check
            .attributes
            .as_ref()
            .is_some_and(|v| !v.contains(&a.name))
        {
            continue;
        }
        if let Some(groups) = values(audit, b, &a.name) {
            out.extend(groups.into_iter().map(|g| ctx.finding(&a.name, g)));
        }
    }
    Ok(out)
}

/// A group's status under the check's rule, and why.
struct Judged {
    status: Status,
    breached: Option<String>,
    /// The rule's words for the statement.
    words: String,
    /// Whether the test or interval backs a breach.
    backed: bool,
    /// Why it is not judged or undefined.
    reason: Option<String>,
    value: Option<f64>,
}

/// What every finding of one check shares.
struct Context<'a> {
    check: &'a Check,
    b: Beyond,
    model: &'a ModelInfo,
    cycle: &'a str,
    alpha: f64,
    /// The interval's level in words ("95%").
    level: String,
}

impl Context<'_> {
    fn judged(
        &self,
        small: &Option<String>,
        v: &std::result::Result<f64, String>,
        ci: Option<(f64, f64)>,
        test: Option<&TestEvidence>,
    ) -> Judged {
        match (small, v) {
            (Some(why), _) => Judged {
                status: Status::InsufficientData,
                breached: None,
                words: String::new(),
                backed: false,
                reason: Some(why.clone()),
                value: v.as_ref().ok().copied(),
            },
            (None, Ok(v)) => {
                let d = judge(*v, ci, test, self.check, self.alpha, &self.level);
                Judged {
                    status: d.status,
                    breached: d.breached,
                    words: d.verdict,
                    backed: d.backed,
                    reason: None,
                    value: Some(*v),
                }
            }
            (None, Err(why)) => Judged {
                status: Status::Undefined,
                breached: None,
                words: String::new(),
                backed: false,
                reason: Some(why.clone()),
                value: None,
            },
        }
    }

    /// The finding's statement: the estimate with its interval and test and
    /// the rule's words, or why it is not judged or undefined.
    #[allow(clippy::too_many_arguments)]
    fn statement(
        &self,
        attribute: &str,
        group: &str,
        reference: &str,
        small: &Option<String>,
        j: &Judged,
        ci: Option<(f64, f64)>,
        p: Option<f64>,
        test_name: &str,
    ) -> String {
        let b = self.b;
        match (small, j.value) {
            (Some(why), _) => format!(
                "{attribute} = {group} against {reference} has too few rows to judge the {} ({why}); reported, not judged",
                b.words(),
            ),
            (None, Some(v)) => format!(
                "The {} of {attribute} = {group} against {reference} is {}{}{}: {}",
                b.words(),
                fmt(v),
                ci_text(&self.level, ci),
                p.map_or(String::new(), |p| format!(", {test_name} p {}", p_is(p))),
                j.words,
            ),
            (None, None) => format!(
                "The {} of {attribute} = {group} is undefined: {}",
                b.words(),
                j.reason.clone().unwrap_or_default()
            ),
        }
    }

    /// One group's finding: judged on its own estimate, interval and test,
    /// or not judged (too few rows) or undefined, with the reason.
    fn finding(&self, attribute: &str, g: GroupValue) -> Finding {
        let (check, b, alpha) = (self.check, self.b, self.alpha);
        let GroupValue {
            group,
            reference,
            value: v,
            ci,
            p,
            test: test_name,
            small,
        } = g;
        let test = p.map(|p| TestEvidence {
            p,
            p_adjusted: p,
            kind: test_name.into(),
            pair: (group.clone(), reference.clone()),
            adjustment: String::new(),
        });
        let j = self.judged(&small, &v, ci, test.as_ref());
        let statement = self.statement(attribute, &group, &reference, &small, &j, ci, p, test_name);
        let Judged {
            status,
            breached,
            backed,
            reason,
            value,
            ..
        } = j;
        let id = check.id();
        Finding {
            id: finding_id(&self.model.id, &id, attribute, Some(&group)),
            check: id,
            title: format!(
                "{}: {attribute} = {group}",
                check.title.clone().unwrap_or_else(|| b.words().to_string()),
            ),
            statement,
            metric: Measured::Metric(MetricRef::Beyond(b)),
            attribute: attribute.to_string(),
            pair: p.map(|_| [group.clone(), reference.clone()]),
            group: Some(group),
            reference: Some(reference),
            value,
            ci: ci.map(|(x, y)| [x, y]),
            p_value: p,
            p_adjusted: p,
            test: p.map(|_| test_name.to_string()),
            significant: p.map(|p| p < alpha),
            thresholds: Thresholds::of(check, alpha),
            breached,
            status,
            severity: severity(status, backed, self.model.risk_tier),
            basis: Basis {
                group: None,
                reference: None,
                groups: vec![],
            },
            reason,
            controls: vec![],
            risks: vec![],
            cycle: self.cycle.to_string(),
            trend: None,
            lifecycle: None,
        }
    }
}
