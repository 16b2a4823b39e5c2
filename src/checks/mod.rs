//! The policy judged on an audit: each check on each attribute (and group)
//! gives a finding with a status and a severity. Knows no file format and no
//! governance; controls and risks are added by `governance`.
//!
//! [`evaluate`] walks the policy; a site is one check on one attribute,
//! whose measures (one per group, or the attribute's summary) are judged
//! by [`judge`] and worded by [`wording`].

pub mod beyond;
pub mod evidence;
pub mod finding;
pub mod judge;
pub mod wording;

pub use crate::spec::check::{default_policy, Check};
pub use finding::{
    finding_id, severity, Basis, BasisCounts, Finding, FindingLifecycle, LifeState, Measured,
    Severity, Status, Thresholds, Trend,
};

use crate::audit::{AttributeAudit, AuditResult, Ci, GroupAudit, GroupStatus};
use crate::metrics::Value;
use crate::spec::metric::{MetricRef, Rate, Scale, ScoreSummary, Summary};
use crate::spec::{Favorable, ModelInfo};
use crate::{Error, Result};

use judge::{Decision, TestEvidence};
use wording::{capitalize, ci_text, fmt};

/// What a check measured at one place: a group of the attribute, or the
/// attribute's summary.
struct Measure<'a> {
    /// The group in the finding's stable id (none for a summary).
    id_group: Option<String>,
    /// The group the finding names (for a summary, where it is attained).
    group: Option<String>,
    title: String,
    value: Value,
    /// Why the place cannot be judged (groups too small).
    insufficient: Option<String>,
    ci: Ci,
    test: Option<TestEvidence>,
    basis: Basis,
    kind: Kind<'a>,
}

/// Per-group and summary measures differ only in their wording.
enum Kind<'a> {
    Group(&'a GroupAudit, GroupMetric),
    /// `at` names the group that sets the summary.
    Summary {
        metric: AttributeMetric,
        at: String,
    },
}

/// A metric with one value per group.
#[derive(Clone, Copy)]
enum GroupMetric {
    ImpactRatio,
    Disparity(Rate, Scale),
}

/// A metric with one value per attribute.
#[derive(Clone, Copy)]
enum AttributeMetric {
    Summary(Summary),
    Score(ScoreSummary),
}

impl AttributeMetric {
    fn words(self) -> &'static str {
        match self {
            AttributeMetric::Summary(s) => s.words(),
            AttributeMetric::Score(s) => s.words(),
        }
    }
}

/// Where a check's metric is measured.
enum Target {
    Group(GroupMetric),
    Attribute(AttributeMetric),
    Beyond(crate::spec::metric::Beyond),
}

fn target(m: MetricRef) -> Target {
    match m {
        MetricRef::ImpactRatio => Target::Group(GroupMetric::ImpactRatio),
        MetricRef::Disparity(r, s) => Target::Group(GroupMetric::Disparity(r, s)),
        MetricRef::Summary(s) => Target::Attribute(AttributeMetric::Summary(s)),
        MetricRef::ScoreSummary(s) => Target::Attribute(AttributeMetric::Score(s)),
        MetricRef::Beyond(b) => Target::Beyond(b),
    }
}

/// One check on one attribute: what its findings share.
struct Site<'a> {
    check: &'a Check,
    model: &'a ModelInfo,
    audit: &'a AuditResult,
    attribute: &'a AttributeAudit,
    thresholds: Thresholds,
    alpha: f64,
    cycle: &'a str,
    /// "the whole data set", or "sex = male".
    ref_desc: String,
}

impl<'a> Site<'a> {
    fn new(
        check: &'a Check,
        audit: &'a AuditResult,
        attribute: &'a AttributeAudit,
        model: &'a ModelInfo,
        cycle: &'a str,
    ) -> Self {
        let alpha = check.alpha.unwrap_or(audit.spec.stats.alpha);
        let reference = &attribute.reference_name;
        Site {
            check,
            model,
            audit,
            attribute,
            thresholds: Thresholds::of(check, alpha),
            alpha,
            cycle,
            ref_desc: if reference == "(overall)" {
                "the whole data set".to_string()
            } else {
                format!("{} = {reference}", attribute.name)
            },
        }
    }

    /// Adjusts the p-values of the judged groups within the check's family.
    fn adjust(&self, measures: &mut [Measure]) {
        let mut tests: Vec<Option<TestEvidence>> = measures
            .iter_mut()
            .map(|m| {
                if m.insufficient.is_none() {
                    m.test.take()
                } else {
                    None
                }
            })
            .collect();
        evidence::adjust_family(&mut tests, self.check.family);
        for (m, t) in measures.iter_mut().zip(tests) {
            if t.is_some() {
                m.test = t;
            }
        }
    }

    fn title_base(&self) -> String {
        self.check
            .title
            .clone()
            .unwrap_or_else(|| self.check.metric.name())
    }

    /// The reference's counts: its group, or the whole data set.
    fn ref_counts(&self) -> Option<BasisCounts> {
        let a = self.attribute;
        let counts = match a.groups.iter().find(|g| g.is_reference) {
            Some(g) => BasisCounts::of(&a.reference_name, &g.group.cell),
            None => BasisCounts::of("(overall)", &self.audit.overall.cell),
        };
        Some(counts)
    }

    /// The measure of a per-group metric for one group.
    fn group_measure(&self, g: &'a GroupAudit, metric: GroupMetric) -> Measure<'a> {
        let (value, ci, test) = match metric {
            GroupMetric::Disparity(r, scale) => {
                let d = g.disparity(r);
                let (v, ci) = match scale {
                    Scale::Ratio => (d.value.ratio.clone(), d.ratio_ci),
                    Scale::Difference => (d.value.difference.clone(), d.difference_ci),
                };
                (
                    v,
                    ci,
                    evidence::group_test(g, r, &self.attribute.reference_name),
                )
            }
            GroupMetric::ImpactRatio => (
                g.impact_ratio.clone(),
                g.impact_ratio_ci,
                evidence::group_test(g, Rate::SelectionRate, &self.attribute.reference_name),
            ),
        };
        let name = &g.group.name;
        Measure {
            id_group: Some(name.clone()),
            group: Some(name.clone()),
            title: format!("{}: {} = {name}", self.title_base(), self.attribute.name),
            value,
            insufficient: match &g.status {
                GroupStatus::InsufficientData(why) => Some(why.clone()),
                GroupStatus::Ok => None,
            },
            ci,
            test,
            basis: Basis {
                group: Some(BasisCounts::of(name, &g.group.cell)),
                reference: self.ref_counts(),
                groups: vec![],
            },
            kind: Kind::Group(g, metric),
        }
    }

    /// The measure of a summary metric for the attribute.
    fn summary_measure(&self, metric: AttributeMetric) -> Measure<'a> {
        let a = self.attribute;
        let (value, group, ci, test) = match metric {
            AttributeMetric::Summary(m) => {
                let sv = a.summary.get(m);
                let st = &self.audit.spec;
                let (test, ci) = evidence::summary_evidence(
                    a,
                    m,
                    &self.audit.overall.cell,
                    st.favorable,
                    st.stats.ci_level,
                );
                (sv.value.clone(), sv.group.clone(), ci, test)
            }
            AttributeMetric::Score(m) => {
                let v = a
                    .score_summary
                    .iter()
                    .find(|(n, _)| *n == m)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| {
                        Value::Undefined("no score column: pass --score COL".into())
                    });
                (v, None, None, None)
            }
        };
        let judged: Vec<&GroupAudit> = a.groups.iter().filter(|g| g.status.is_ok()).collect();
        let insufficient = match &value {
            Value::Undefined(why) if judged.len() < 2 => Some(format!(
                "{} group(s) large enough to judge: {why}",
                judged.len()
            )),
            _ => None,
        };
        let at = group
            .as_ref()
            .map(|g| format!(", at {} = {g}", a.name))
            .unwrap_or_default();
        Measure {
            id_group: None,
            group,
            title: format!("{}: {}", self.title_base(), a.name),
            value,
            insufficient,
            ci,
            test,
            basis: Basis {
                group: None,
                reference: self.ref_counts(),
                groups: judged
                    .iter()
                    .map(|g| BasisCounts::of(&g.group.name, &g.group.cell))
                    .collect(),
            },
            kind: Kind::Summary { metric, at },
        }
    }

    /// Judges a measure and words the finding.
    fn finding(&self, m: Measure) -> Finding {
        let st = &self.audit.spec.stats;
        let mut level = format!("{:.0}%", 100.0 * st.ci_level);
        // A summary's pair interval is simultaneous over the comparisons it
        // was chosen among.
        if matches!(m.kind, Kind::Summary { .. })
            && m.test.as_ref().is_some_and(|t| !t.adjustment.is_empty())
        {
            level.push_str(" simultaneous");
        }
        let (status, decision, reason) = match (&m.insufficient, &m.value) {
            (Some(why), _) => (Status::InsufficientData, None, Some(why.clone())),
            (None, Value::Undefined(why)) => (Status::Undefined, None, Some(why.clone())),
            (None, Value::Defined(v)) => {
                let d = judge::judge(*v, m.ci, m.test.as_ref(), self.check, self.alpha, &level);
                (d.status, Some(d), None)
            }
        };
        let statement = self.statement(&m, decision.as_ref(), reason.as_deref(), &level);
        let significant = m.test.as_ref().map(|t| t.p_adjusted < self.alpha);
        let backed = decision.as_ref().is_some_and(|d| d.backed);
        let check = self.check.id();
        Finding {
            id: finding_id(
                &self.model.id,
                &check,
                &self.attribute.name,
                m.id_group.as_deref(),
            ),
            check,
            title: m.title,
            statement,
            metric: Measured::Metric(self.check.metric),
            attribute: self.attribute.name.clone(),
            group: m.group,
            reference: Some(self.attribute.reference_name.clone()),
            value: m.value.get(),
            ci: m.ci.map(|(a, b)| [a, b]),
            p_value: m.test.as_ref().map(|t| t.p),
            p_adjusted: m.test.as_ref().map(|t| t.p_adjusted),
            pair: m
                .test
                .as_ref()
                .map(|t| [t.pair.0.clone(), t.pair.1.clone()]),
            test: m.test.map(|t| t.kind),
            significant,
            thresholds: self.thresholds.clone(),
            breached: decision.and_then(|d| d.breached),
            status,
            severity: severity(status, backed, self.model.risk_tier),
            basis: m.basis,
            reason,
            controls: vec![],
            risks: vec![],
            cycle: self.cycle.to_string(),
            trend: None,
            lifecycle: None,
        }
    }

    /// The statement of a finding: what was measured, with its interval, and
    /// why it has its status.
    fn statement(
        &self,
        m: &Measure,
        decision: Option<&Decision>,
        reason: Option<&str>,
        level: &str,
    ) -> String {
        let metric = self.check.metric;
        let a = &self.attribute.name;
        let reason = reason.unwrap_or_default();
        let why = decision.map(|d| self.why(d, m)).unwrap_or_default();
        match &m.kind {
            Kind::Group(g, gm) => {
                let group_desc = format!("{a} = {}", g.group.name);
                match (&m.insufficient, m.value.get()) {
                    (Some(_), _) => format!(
                        "{group_desc} has too few rows to judge {metric} ({reason}); reported, not judged"
                    ),
                    (None, None) => format!("{metric} for {group_desc} is undefined: {reason}"),
                    (None, Some(v)) => format!(
                        "{}; {why}",
                        self.group_head(*gm, &group_desc, v, &ci_text(level, m.ci))
                    ),
                }
            }
            Kind::Summary { metric: am, at } => {
                let words = am.words();
                match m.value.get() {
                    Some(v) => format!(
                        "{words} across {a} is {}{at}{}; {why}",
                        fmt(v),
                        ci_text(level, m.ci)
                    ),
                    None => format!("{words} across {a} is undefined: {reason}"),
                }
            }
        }
    }

    /// The decision in words; where the verdict does not already cite the
    /// test, the test follows in brackets.
    fn why(&self, d: &Decision, m: &Measure) -> String {
        let cites_test = d.verdict.contains(" gives p ");
        match (&m.test, cites_test) {
            (Some(t), false) => format!(
                "{} ({} of {} vs {}: p {}{})",
                d.verdict,
                t.kind.replace('_', " "),
                t.pair.0,
                t.pair.1,
                wording::p_is(t.p_adjusted),
                if t.adjustment.is_empty() {
                    String::new()
                } else {
                    format!(", {}", t.adjustment)
                }
            ),
            _ => d.verdict.clone(),
        }
    }

    /// "Approval rate for sex = female is 0.83 of the rate for sex = male (95% CI ...)".
    fn group_head(&self, gm: GroupMetric, group_desc: &str, v: f64, ci: &str) -> String {
        let outcome = self.model.outcome.as_deref().unwrap_or("positive-outcome");
        let ref_desc = &self.ref_desc;
        match gm {
            GroupMetric::Disparity(r, Scale::Ratio) => format!(
                "{} for {group_desc} is {} times that of {ref_desc}{ci}",
                capitalize(&r.words(outcome)),
                fmt(v)
            ),
            GroupMetric::Disparity(r, Scale::Difference) => format!(
                "{} for {group_desc} is {} {} than for {ref_desc} (difference {}{ci})",
                capitalize(&r.words(outcome)),
                fmt(v.abs()),
                if v < 0.0 { "lower" } else { "higher" },
                fmt(v)
            ),
            GroupMetric::ImpactRatio => {
                let words = match self.audit.spec.favorable {
                    Favorable::Positive => format!("{} rate", capitalize(outcome)),
                    Favorable::Negative => format!("Favourable-outcome rate (not {outcome})"),
                };
                format!(
                    "{words} for {group_desc} is {} of the rate for {ref_desc}{ci}",
                    fmt(v)
                )
            }
        }
    }
}

/// The attributes a check judges: those it names, else all.
fn attributes_of<'a>(check: &Check, audit: &'a AuditResult) -> Result<Vec<&'a AttributeAudit>> {
    match &check.attributes {
        None => Ok(audit.attributes.iter().collect()),
        Some(names) => names
            .iter()
            .map(|n| {
                audit.attributes.iter().find(|a| &a.name == n).ok_or_else(|| {
                    Error::usage(format!(
                        "check '{}' names attribute '{n}', which the audit does not have; it has: {}",
                        check.id(),
                        audit
                            .attributes
                            .iter()
                            .map(|a| a.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })
            })
            .collect(),
    }
}

/// Judges the policy on an audit.
pub fn evaluate(
    audit: &AuditResult,
    policy: &[Check],
    model: &ModelInfo,
    cycle: &str,
) -> Result<Vec<Finding>> {
    let mut out = vec![];
    for check in policy {
        check.validate()?;
        if let Target::Beyond(b) = target(check.metric) {
            out.extend(beyond::evaluate(audit, check, b, model, cycle)?);
            continue;
        }
        for a in attributes_of(check, audit)? {
            let site = Site::new(check, audit, a, model, cycle);
            match target(check.metric) {
                Target::Group(gm) => {
                    let mut measures: Vec<Measure> = a
                        .groups
                        .iter()
                        .filter(|g| !g.is_reference)
                        .map(|g| site.group_measure(g, gm))
                        .collect();
                    site.adjust(&mut measures);
                    out.extend(measures.into_iter().map(|m| site.finding(m)));
                }
                Target::Attribute(am) => out.push(site.finding(site.summary_measure(am))),
                Target::Beyond(_) => {}
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::RiskTier;

    #[test]
    fn severity_table() {
        use RiskTier::*;
        assert_eq!(severity(Status::Fail, true, High), Severity::Critical);
        assert_eq!(severity(Status::Fail, false, High), Severity::High);
        assert_eq!(severity(Status::Fail, true, Medium), Severity::High);
        assert_eq!(severity(Status::Fail, true, Low), Severity::Medium);
        assert_eq!(severity(Status::Warn, false, High), Severity::Medium);
        assert_eq!(severity(Status::Warn, false, Low), Severity::Low);
        assert_eq!(
            severity(Status::InsufficientData, false, High),
            Severity::Low
        );
        assert_eq!(severity(Status::Pass, true, High), Severity::Info);
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = finding_id("m", "four-fifths-rule", "sex", Some("female"));
        assert_eq!(
            a,
            finding_id("m", "four-fifths-rule", "sex", Some("female"))
        );
        assert_ne!(a, finding_id("m", "four-fifths-rule", "sex", Some("male")));
        assert_ne!(
            a,
            finding_id("m2", "four-fifths-rule", "sex", Some("female"))
        );
        // No ambiguity from concatenation.
        assert_ne!(
            finding_id("ab", "c", "d", None),
            finding_id("a", "bc", "d", None)
        );
        assert!(a.starts_with("FA-") && a.len() == 15);
    }
}
